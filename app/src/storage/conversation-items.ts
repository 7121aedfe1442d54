// The conversation item and the domain's conversation, both ways: the attributes a new
// conversation and a committed turn write, and the stored conversation read back from an item
// in either format (this service's, or the original's: originalState, below). The item
// stays within a byte budget whatever the client sends: its recent-message window, which only
// the model reads (the history is read from the turn items), holds no metadata and is cut to
// WINDOW_BYTES by the entity.
import {
  phaseProgress,
  RECENT_WINDOW,
  type Conversation,
  type Message,
  type MessageLocation,
} from '../coaching/conversation-entity.js';
import type {
  IdempotencyRecord,
  StoredConversation,
  StoredLease,
} from '../coaching/conversation-records.js';
import {
  coachingTopics,
  phases,
  type CoachingTopic,
  type ConversationStatus,
  type Phase,
  type ResultStatus,
} from '../domain/kernel.js';
import {
  asNumber,
  asRecord,
  asString,
  asStrings,
  messageOf,
  normalizeTimestamp,
  type Item,
  clientJsonObject,
  clientJsonText,
} from './item-values.js';

/** A message of the recent window as the item stores it: without its metadata. */
export const windowItem = (message: Message): Item => ({
  message_id: message.messageId,
  role: message.role,
  content: message.content,
  timestamp: message.timestamp,
});

/**
 * Where the history's message number `position` (from 0) is kept. `ahead` messages come before
 * the first turn item: the original service's inline messages, or the opening message (turn 0).
 */
function placeInHistory(position: number, ahead: number, inline: boolean): MessageLocation {
  if (position < ahead) {
    return inline ? { kind: 'inline', index: position } : { kind: 'turn', turn: 0, slot: 0 };
  }
  const after = position - ahead;
  return { kind: 'turn', turn: Math.floor(after / 2) + 1, slot: after % 2 === 0 ? 0 : 1 };
}

/**
 * The recent window: the history's newest messages. A window written before messages had ids
 * names them by their place, counted back from the end of the history.
 */
function windowOf(
  raw: readonly unknown[],
  messageCount: number,
  turnCount: number,
  inline: boolean,
) {
  const first = messageCount - raw.length;
  const ahead = messageCount - 2 * turnCount;
  return raw.map((message, i) => messageOf(message, placeInHistory(first + i, ahead, inline)));
}

/** DynamoDB refuses a partition key over 2048 bytes; such an id names no conversation. */
export const storableKey = (id: string): boolean =>
  id !== '' && Buffer.byteLength(id, 'utf8') <= 2048;

/**
 * An Idempotency-Key's record, under its key's digest in the item's `idempotency` map: the turn
 * it answered (`t`), when it lapses (`e`, epoch ms), its body's digest (`h`) and the job that
 * ran it (`j`), if one did. One-letter names, since a conversation keeps one record per keyed
 * turn of the last 24 hours.
 */
export const idempotencyRecordItem = (record: IdempotencyRecord) => ({
  t: record.turn,
  e: record.expiresAt,
  h: record.bodyHash,
  ...(record.jobId === undefined ? {} : { j: record.jobId }),
});

function toIdempotency(raw: unknown): Record<string, IdempotencyRecord> {
  return Object.fromEntries(
    Object.entries(asRecord(raw)).map(([keyDigest, value]) => {
      const r = asRecord(value);
      const record: IdempotencyRecord = {
        turn: asNumber(r.t),
        bodyHash: asString(r.h),
        expiresAt: asNumber(r.e),
        ...(typeof r.j === 'string' ? { jobId: r.j } : {}),
      };
      return [keyDigest, record];
    }),
  );
}

/** A turn's lease, from the item's `lease_…` attributes, when one is set. */
function leaseOf(item: Item): StoredLease | undefined {
  if (typeof item.lease_id !== 'string') return undefined;
  const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
  return {
    id: item.lease_id,
    expiresAt: asNumber(item.lease_expires_at),
    jobId: text(item.lease_job),
    keyDigest: text(item.lease_key),
    bodyHash: text(item.lease_body),
  };
}

/** Every attribute of a turn's lease: a commit, a release and an erasure remove them all. */
export const LEASE_ATTRIBUTES = [
  'lease_id',
  'lease_expires_at',
  'lease_job',
  'lease_key',
  'lease_body',
] as const;

/** Maps a stored item, in either format, to the domain's conversation. */
export function fromItem(item: Item): StoredConversation {
  const original = originalState(item);
  const inline = original.inlineMessages;
  const turnCount = asNumber(item.turn_count);
  const messageCount = asNumber(item.message_count, inline.length + 2 * turnCount);
  const phase = asString(item.current_phase, asString(original.phase, 'introduction'));
  const topic = asString(item.topic);
  return {
    conversationId: asString(item.conversation_id),
    userId: asString(item.user_id),
    tenantId: asString(item.tenant_id),
    topic: (coachingTopics.includes(topic as CoachingTopic)
      ? topic
      : 'core_values') as CoachingTopic,
    status: asString(item.status, 'active') as ConversationStatus,
    phase: (phases.includes(phase as Phase) ? phase : 'introduction') as Phase,
    resultStatus: asString(item.result_status, 'exploring') as ResultStatus,
    insights: asStrings(item.insights ?? original.insights),
    identifiedValues: asStrings(item.identified_values ?? original.identifiedValues),
    userTurns: asNumber(item.user_turns, original.userTurns),
    turnCount,
    recentMessages: Array.isArray(item.recent_messages)
      ? windowOf(item.recent_messages, messageCount, turnCount, inline.length > 0)
      : inline.slice(-RECENT_WINDOW),
    context: clientJsonObject(item.initial_context_json, item.initial_context),
    language: asString(item.language, 'en'),
    sessionId: typeof item.session_id === 'string' ? item.session_id : undefined,
    metadata: asRecord(item.metadata),
    createdAt: normalizeTimestamp(item.created_at) ?? '',
    updatedAt: normalizeTimestamp(item.updated_at) ?? normalizeTimestamp(item.created_at) ?? '',
    completedAt: normalizeTimestamp(item.completed_at),
    idempotency: toIdempotency(item.idempotency),
    lease: leaseOf(item),
    messageCount,
    commits: asNumber(item.commit_seq),
    inlineMessages: inline,
  };
}

/** The attributes a committed turn changes (also written in full on create). */
export function stateAttributes(c: Conversation) {
  return {
    current_phase: c.phase,
    progress: phaseProgress[c.phase],
    result_status: c.resultStatus,
    insights: [...c.insights],
    identified_values: [...c.identifiedValues],
    user_turns: c.userTurns,
    turn_count: c.turnCount,
    recent_messages: c.recentMessages.map(windowItem),
    updated_at: c.updatedAt,
  };
}

/** A new conversation's item: who owns it, its settings, and its state before any turn. */
export function newConversationItem(conversation: Conversation): Item {
  return {
    conversation_id: conversation.conversationId,
    user_id: conversation.userId,
    tenant_id: conversation.tenantId,
    topic: conversation.topic,
    status: conversation.status,
    language: conversation.language,
    initial_context_json: clientJsonText(conversation.context),
    session_id: conversation.sessionId,
    metadata: conversation.metadata,
    created_at: conversation.createdAt,
    completed_at: null,
    message_count: 1,
    idempotency: {},
    ...stateAttributes(conversation),
  };
}

// ---- the original service's items ----
// Items the original (Python) service wrote: every message inline in the conversation item,
// and the conversation's state under `context` rather than in attributes of its own. What
// they hold, read here, is what the reading above falls back on, so a migrated table keeps
// working and such a conversation continues in the turn table.

/** The original's values, raw where the current attributes take precedence over them. */
export interface OriginalState {
  readonly phase: unknown;
  readonly insights: unknown;
  readonly identifiedValues: unknown;
  /** `response_count`, else the user messages held inline. */
  readonly userTurns: number;
  readonly inlineMessages: readonly Message[];
}

export function originalState(item: Item): OriginalState {
  const legacy = asRecord(item.context);
  const inline = Array.isArray(item.messages)
    ? item.messages.map((raw, index) => messageOf(raw, { kind: 'inline', index }))
    : [];
  return {
    phase: legacy.current_phase,
    insights: legacy.insights,
    identifiedValues: legacy.identified_values ?? asRecord(legacy.metadata).identified_values,
    userTurns: asNumber(legacy.response_count, inline.filter((m) => m.role === 'user').length),
    inlineMessages: inline,
  };
}

// The conversation entity and its rules: what a committed turn changes, and which status
// changes each action allows. Pure functions; no I/O.
import type {
  CoachingTopic,
  ConversationStatus,
  Phase,
  ResultStatus,
} from '../domain/vocabulary.js';
import type { CoachingTemplate } from '../prompts/template.js';
import { nextPhase } from './phases.js';

export interface Message {
  /** Stable, `msg_…`: minted when the message is stored, or derived from where it is kept (message-ids.ts). */
  readonly messageId: string;
  readonly role: 'user' | 'assistant';
  readonly content: string;
  readonly timestamp: string;
  readonly metadata: Readonly<Record<string, unknown>>;
}

export interface Conversation {
  readonly conversationId: string;
  readonly userId: string;
  readonly tenantId: string;
  readonly topic: CoachingTopic;
  readonly status: ConversationStatus;
  readonly phase: Phase;
  readonly resultStatus: ResultStatus;
  readonly insights: readonly string[];
  readonly identifiedValues: readonly string[];
  /** Messages the user has sent (the phase thresholds and MAX_TURNS count these). */
  readonly userTurns: number;
  /** Committed turn items in the messages table (turn 0, the opening message, excluded). */
  readonly turnCount: number;
  /** The most recent messages, kept on the item as the model's context window. */
  readonly recentMessages: readonly Message[];
  readonly context: Readonly<Record<string, unknown>>;
  readonly language: string;
  readonly sessionId?: string;
  readonly metadata: Readonly<Record<string, unknown>>;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly completedAt: string | null;
}

/** How many recent messages travel with the conversation item into the model's prompt. */
export const RECENT_WINDOW = 12;
/**
 * The recent window's share of the conversation item, which must stay within DynamoDB's 400 KB
 * whatever the client sends: the window holds the newest messages that fit, the newest always.
 * The rule is the entity's, not the store's, so that a turn's undo (turn-undo.ts) sees the window
 * exactly as it is stored.
 */
export const WINDOW_BYTES = 64 * 1024;
/** What a window message costs besides its text (its id, role and timestamp, stored with it). */
const WINDOW_MESSAGE_OVERHEAD = 150;
/** Accumulated lists stay bounded so the conversation item stays small. */
const MAX_ACCUMULATED = 50;

function mergeDistinct(existing: readonly string[], added: readonly string[]): string[] {
  const seen = new Set(existing.map((s) => s.toLowerCase()));
  const merged = [...existing];
  for (const item of added.map((s) => s.trim()).filter(Boolean)) {
    if (!seen.has(item.toLowerCase())) {
      seen.add(item.toLowerCase());
      merged.push(item);
    }
  }
  return merged.slice(-MAX_ACCUMULATED);
}

/** The newest messages within RECENT_WINDOW and WINDOW_BYTES. */
function recentWindow(messages: readonly Message[]): Message[] {
  const kept: Message[] = [];
  let bytes = 0;
  for (const message of messages.slice(-RECENT_WINDOW).reverse()) {
    bytes += Buffer.byteLength(message.content, 'utf8') + WINDOW_MESSAGE_OVERHEAD;
    if (bytes > WINDOW_BYTES && kept.length > 0) break;
    kept.unshift(message);
  }
  return kept;
}

export interface TurnOutcome {
  readonly aiResponse: string;
  readonly followUpQuestion: string | null;
  readonly insights: readonly string[];
  readonly identifiedValues: readonly string[];
  readonly resultStatus: ResultStatus;
}

/** The conversation as it stands once a turn is committed. */
export function applyTurn(
  conversation: Conversation,
  userMessage: Message,
  assistantMessage: Message,
  outcome: TurnOutcome,
  template: Pick<CoachingTemplate, 'phase_thresholds' | 'completion'>,
): Conversation {
  const userTurns = conversation.userTurns + 1;
  const identifiedValues = mergeDistinct(conversation.identifiedValues, outcome.identifiedValues);
  const resultStatus = conversation.resultStatus === 'agreed' ? 'agreed' : outcome.resultStatus;
  return {
    ...conversation,
    userTurns,
    turnCount: conversation.turnCount + 1,
    insights: mergeDistinct(conversation.insights, outcome.insights),
    identifiedValues,
    resultStatus,
    phase: nextPhase(
      conversation.phase,
      userTurns,
      resultStatus,
      identifiedValues.length,
      template,
    ),
    recentMessages: recentWindow([...conversation.recentMessages, userMessage, assistantMessage]),
    updatedAt: assistantMessage.timestamp,
  };
}

export type StatusAction = 'pause' | 'resume' | 'complete' | 'send a message';

/**
 * The status an action leads to, `unchanged` for an allowed no-op, or `refused` when the
 * conversation's status does not allow it.
 */
export function transition(
  status: ConversationStatus,
  action: StatusAction,
): ConversationStatus | 'unchanged' | 'refused' {
  switch (action) {
    case 'pause':
      return status === 'active' ? 'paused' : status === 'paused' ? 'unchanged' : 'refused';
    case 'resume':
      return status === 'paused' ? 'active' : status === 'active' ? 'unchanged' : 'refused';
    case 'complete':
      return status === 'active' || status === 'paused' ? 'completed' : 'refused';
    case 'send a message':
      return status === 'active' ? 'unchanged' : 'refused';
  }
}

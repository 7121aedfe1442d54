// The conversation entity and its rules, pure functions with no I/O: what a committed turn
// changes and which status changes each action allows; the phases; where each message is kept
// (its id); who wrote an answer; and what a turn changed, kept so that it can be undone.
import { randomUUID } from 'node:crypto';
import {
  type CoachingTopic,
  type ConversationStatus,
  type Phase,
  type ResultStatus,
  phases,
  promptVersionJson,
  promptVersionOf,
  type PromptVersionRef,
} from '../domain/kernel.js';
import type { CoachingTemplate } from '../prompts/template.js';

export interface Message {
  /** Stable, `msg_…`: minted when the message is stored, or derived from where it is kept (below). */
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
 * The rule is the entity's, not the store's, so that a turn's undo (below) sees the window
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

// ---- phases ----
// A conversation's phases: forward only, entered by the number of answers and, from synthesis
// on, by where the result stands; and the progress each phase reports. Pure functions; no I/O.

export const phaseProgress: Readonly<Record<Phase, number>> = {
  introduction: 0.1,
  exploration: 0.3,
  deepening: 0.5,
  synthesis: 0.7,
  validation: 0.9,
  completion: 1.0,
};

export function isComplete(conversation: { readonly phase: Phase }): boolean {
  return conversation.phase === 'completion';
}

const later = (a: Phase, b: Phase): Phase => (phases.indexOf(a) >= phases.indexOf(b) ? a : b);

/**
 * The phase after a turn. Answers move the conversation through exploration, deepening and
 * synthesis (the template's thresholds); from synthesis on, the model's view of the result
 * moves it to validation (proposed) and completion (agreed, with enough values named).
 */
export function nextPhase(
  current: Phase,
  userTurns: number,
  resultStatus: ResultStatus,
  itemsNamed: number,
  template: Pick<CoachingTemplate, 'phase_thresholds' | 'completion'>,
): Phase {
  const t = template.phase_thresholds;
  let candidate: Phase = 'introduction';
  if (userTurns >= t.exploration) candidate = 'exploration';
  if (userTurns >= t.deepening) candidate = 'deepening';
  if (userTurns >= t.synthesis) {
    candidate = 'synthesis';
    const enough = itemsNamed >= template.completion.min_items;
    if (resultStatus === 'proposed' && enough) candidate = 'validation';
    if (resultStatus === 'agreed' && enough) {
      candidate =
        phases.indexOf(current) >= phases.indexOf('validation') ? 'completion' : 'validation';
    }
  }
  return later(current, candidate);
}

// ---- message ids ----
// A message's id says where the message is kept, so a request that names one (feedback on an
// answer) goes straight to the item that holds it, with no index to look it up in:
//
//   msg_t{turn}s{slot}_{random}   minted when the message is stored: slot 0 or 1 of turn item
//                                 `turn` (turn 0 is the opening message), plus 32 random hex
//                                 digits, so an answer that replaces another in the same place
//                                 (a regenerate) has an id of its own;
//   msg_t{turn}s{slot}            a message stored before ids were minted, named by its place;
//   msg_i{index}                  a message the original service kept inline in the
//                                 conversation item, named by its place in that list.
//
// Places never change (a message is only ever replaced, never moved), so a derived id is as
// stable as a minted one, and the two forms never meet: only a minted id has a random part.

export type MessageLocation =
  | { readonly kind: 'turn'; readonly turn: number; readonly slot: 0 | 1 }
  | { readonly kind: 'inline'; readonly index: number };

/** Where an id says its message is kept, and whether it was minted (else derived from that place). */
export interface LocatedId {
  readonly location: MessageLocation;
  readonly minted: boolean;
}

/** A place number: 0 or a number without leading zeros, below a million. */
const PLACE = '(0|[1-9][0-9]{0,5})';
const TURN_ID = new RegExp(`^msg_t${PLACE}s([01])(_[0-9a-f]{32})?$`);
const INLINE_ID = new RegExp(`^msg_i${PLACE}$`);

const placeOf = (location: MessageLocation) =>
  location.kind === 'turn' ? `t${location.turn}s${location.slot}` : `i${location.index}`;

/** A new message's id, minted as it is stored at slot `slot` of turn item `turn`. */
export const mintMessageId = (turn: number, slot: 0 | 1): string =>
  `msg_${placeOf({ kind: 'turn', turn, slot })}_${randomUUID().replaceAll('-', '')}`;

/** The id of a message stored without one (before ids were minted, or by the original service). */
export const placeMessageId = (location: MessageLocation): string => `msg_${placeOf(location)}`;

/** Where the id's message is kept; undefined for an id no message of this service can have. */
export function locateMessageId(id: string): LocatedId | undefined {
  const turn = TURN_ID.exec(id);
  if (turn) {
    const number = Number(turn[1]);
    const slot = turn[2] === '1' ? 1 : 0;
    // The opening turn holds one message.
    if (number === 0 && slot === 1) return undefined;
    return { location: { kind: 'turn', turn: number, slot }, minted: turn[3] !== undefined };
  }
  const inline = INLINE_ID.exec(id);
  if (inline) return { location: { kind: 'inline', index: Number(inline[1]) }, minted: false };
  return undefined;
}

// ---- an answer's provenance ----
// Who wrote an assistant message: the template version and the model, kept in its metadata as
// the history shows them, `{model, prompt_version: {key, version_id}}`. The opening message is
// the template's own words, so no model wrote it (model null). Messages stored before versions
// were recorded, and by the original service, read back with null for what they lack.

export interface AnswerProvenance {
  readonly model: string | null;
  readonly promptVersion: PromptVersionRef | null;
}

/** The metadata an assistant message is stored with. */
export const answerMetadata = (model: string | null, promptVersion: PromptVersionRef | null) => ({
  model,
  prompt_version: promptVersion && promptVersionJson(promptVersion),
});

export function answerProvenance(metadata: Readonly<Record<string, unknown>>): AnswerProvenance {
  return {
    model: typeof metadata.model === 'string' ? metadata.model : null,
    promptVersion: promptVersionOf(metadata.prompt_version),
  };
}

// ---- a turn's undo ----
// What a turn changed, kept with the turn so that the conversation's state before it can be
// restored exactly: a regenerate replaces the turn's answer, and its new answer must build on
// the state as if the replaced one had never been given. Pure functions; no I/O.
//
// A turn sets the phase, the result status and the counters, and only appends to the
// conversation's lists (insights, identified values, the recent window), dropping their oldest
// entries past their caps. So each list before the turn is what the turn dropped from its front,
// then the first `kept` entries of the list after it: a few entries, never the whole list.

/** The state a turn changes; everything else about a conversation stays as it was. */
export type TurnState = Pick<
  Conversation,
  | 'phase'
  | 'resultStatus'
  | 'userTurns'
  | 'turnCount'
  | 'insights'
  | 'identifiedValues'
  | 'recentMessages'
>;

/** A list before a turn: `dropped`, then the first `kept` entries of the list after it. */
export interface ListUndo<T> {
  readonly dropped: readonly T[];
  readonly kept: number;
}

export interface TurnUndo {
  readonly phase: Phase;
  readonly resultStatus: ResultStatus;
  readonly userTurns: number;
  readonly turnCount: number;
  readonly insights: ListUndo<string>;
  readonly identifiedValues: ListUndo<string>;
  readonly recentMessages: ListUndo<Message>;
}

/** Two entries the same: strings by value, messages by everything they hold. */
const same = (a: unknown, b: unknown): boolean =>
  a === b || JSON.stringify(a) === JSON.stringify(b);

/**
 * The fewest entries of `before` to keep aside so that the rest is where `after` starts. Any
 * answer restores `before` exactly, so the smallest is chosen; keeping all of it always works.
 */
function listUndo<T>(before: readonly T[], after: readonly T[]): ListUndo<T> {
  for (let dropped = 0; dropped < before.length; dropped++) {
    const kept = before.length - dropped;
    if (kept <= after.length && before.slice(dropped).every((entry, i) => same(entry, after[i]))) {
      return { dropped: before.slice(0, dropped), kept };
    }
  }
  return { dropped: [...before], kept: 0 };
}

const listBefore = <T>(after: readonly T[], undo: ListUndo<T>): T[] => [
  ...undo.dropped,
  ...after.slice(0, undo.kept),
];

/** What a turn that took the state from `before` to `after` changed, to undo it later. */
export function turnUndo(before: TurnState, after: TurnState): TurnUndo {
  return {
    phase: before.phase,
    resultStatus: before.resultStatus,
    userTurns: before.userTurns,
    turnCount: before.turnCount,
    insights: listUndo(before.insights, after.insights),
    identifiedValues: listUndo(before.identifiedValues, after.identifiedValues),
    recentMessages: listUndo(before.recentMessages, after.recentMessages),
  };
}

/** The conversation as it was before the turn whose undo this is: `after` must be its state then. */
export function undoTurn<C extends TurnState>(after: C, undo: TurnUndo): C {
  return {
    ...after,
    phase: undo.phase,
    resultStatus: undo.resultStatus,
    userTurns: undo.userTurns,
    turnCount: undo.turnCount,
    insights: listBefore(after.insights, undo.insights),
    identifiedValues: listBefore(after.identifiedValues, undo.identifiedValues),
    recentMessages: listBefore(after.recentMessages, undo.recentMessages),
  };
}

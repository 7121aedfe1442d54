// What a turn changed, kept with the turn so that the conversation's state before it can be
// restored exactly: a regenerate replaces the turn's answer, and its new answer must build on
// the state as if the replaced one had never been given. Pure functions; no I/O.
//
// A turn sets the phase, the result status and the counters, and only appends to the
// conversation's lists (insights, identified values, the recent window), dropping their oldest
// entries past their caps. So each list before the turn is what the turn dropped from its front,
// then the first `kept` entries of the list after it: a few entries, never the whole list.
import type { Phase, ResultStatus } from '../domain/vocabulary.js';
import type { Conversation, Message } from './conversation-entity.js';

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

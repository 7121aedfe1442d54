// A turn's undo as its turn item keeps it (attribute `undo`), both ways. The lists' dropped
// entries are kept as they are (a turn drops some only once a list is at its cap of 50, at most
// ten). The window's dropped messages are kept by id only: each is a message of one of the six
// turns before (or of the original service's inline list), so a regenerate reads them back from
// there, and a turn item never carries a copy of earlier messages (its write units, its bytes).
import type { StoredConversation } from '../coaching/conversation-records.js';
import type { Message } from '../coaching/conversation-entity.js';
import { RECENT_WINDOW } from '../coaching/conversation-entity.js';
import { locateMessageId } from '../coaching/message-ids.js';
import type { TurnUndo } from '../coaching/turn-undo.js';
import { phases, resultStatuses, type Phase, type ResultStatus } from '../domain/vocabulary.js';
import { asNumber, asRecord, asStrings, messageOf, type Item } from './item-values.js';

export const turnUndoItem = (undo: TurnUndo): Item => ({
  phase: undo.phase,
  result_status: undo.resultStatus,
  user_turns: undo.userTurns,
  turn_count: undo.turnCount,
  insights: { dropped: [...undo.insights.dropped], kept: undo.insights.kept },
  identified_values: {
    dropped: [...undo.identifiedValues.dropped],
    kept: undo.identifiedValues.kept,
  },
  recent_messages: {
    dropped: undo.recentMessages.dropped.map((m) => m.messageId),
    kept: undo.recentMessages.kept,
  },
});

/**
 * The first turn item whose messages the window before turn `turn` can hold: the window holds
 * at most RECENT_WINDOW messages, two a turn.
 */
export const oldestWindowTurn = (turn: number): number => Math.max(0, turn - RECENT_WINDOW / 2);

/**
 * The undo turn item `turn` keeps, its dropped window messages read back from `turnItems` (the
 * items from oldestWindowTurn on) and the conversation's inline list, as the window keeps them
 * (without metadata). Undefined for a turn stored before turns kept one, or one whose messages
 * cannot all be found: it cannot be undone exactly.
 */
export function turnUndoOf(
  raw: unknown,
  turnItems: readonly Item[],
  conversation: StoredConversation,
): TurnUndo | undefined {
  const item = asRecord(raw);
  const phase = phases.find((p): p is Phase => p === item.phase);
  const resultStatus = resultStatuses.find((s): s is ResultStatus => s === item.result_status);
  if (phase === undefined || resultStatus === undefined) return undefined;
  const list = (value: unknown) => {
    const record = asRecord(value);
    return { dropped: asStrings(record.dropped), kept: asNumber(record.kept) };
  };
  const window = list(item.recent_messages);
  const dropped = window.dropped.map((id) => windowMessage(id, turnItems, conversation));
  if (!dropped.every((m): m is Message => m !== undefined)) return undefined;
  return {
    phase,
    resultStatus,
    userTurns: asNumber(item.user_turns),
    turnCount: asNumber(item.turn_count),
    insights: list(item.insights),
    identifiedValues: list(item.identified_values),
    recentMessages: { dropped, kept: window.kept },
  };
}

/** Message `id` as the window keeps it, from the place its id names. */
function windowMessage(
  id: string,
  turnItems: readonly Item[],
  conversation: StoredConversation,
): Message | undefined {
  const location = locateMessageId(id)?.location;
  if (location === undefined) return undefined;
  let message: Message | undefined;
  if (location.kind === 'inline') message = conversation.inlineMessages[location.index];
  else {
    const holder = turnItems.find((i) => i.turn === location.turn);
    const stored: unknown[] = Array.isArray(holder?.messages) ? holder.messages : [];
    const raw = stored[location.slot];
    message = raw === undefined ? undefined : messageOf(raw, location);
  }
  return message?.messageId === id ? { ...message, metadata: {} } : undefined;
}

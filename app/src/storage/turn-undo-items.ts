// A turn's undo as its turn item keeps it (attribute `undo`), both ways. The dropped window
// messages are kept as the conversation item's window keeps them: without metadata.
import type { ListUndo, TurnUndo } from '../coaching/turn-undo.js';
import { phases, resultStatuses, type Phase, type ResultStatus } from '../domain/vocabulary.js';
import { windowItem } from './conversation-items.js';
import { asNumber, asRecord, asStrings, messageOf, type Item } from './item-values.js';

const listItem = <T>(undo: ListUndo<T>, entry: (value: T) => unknown) => ({
  dropped: undo.dropped.map(entry),
  kept: undo.kept,
});

export const turnUndoItem = (undo: TurnUndo): Item => ({
  phase: undo.phase,
  result_status: undo.resultStatus,
  user_turns: undo.userTurns,
  turn_count: undo.turnCount,
  insights: listItem(undo.insights, (s) => s),
  identified_values: listItem(undo.identifiedValues, (s) => s),
  recent_messages: listItem(undo.recentMessages, windowItem),
});

/**
 * The undo a turn item keeps; undefined for a turn stored before turns kept one (or an item
 * that is not whole), which cannot be undone exactly.
 */
export function turnUndoOf(raw: unknown): TurnUndo | undefined {
  const item = asRecord(raw);
  const phase = phases.find((p): p is Phase => p === item.phase);
  const resultStatus = resultStatuses.find((s): s is ResultStatus => s === item.result_status);
  if (phase === undefined || resultStatus === undefined) return undefined;
  const list = (value: unknown) => ({ raw: asRecord(value), kept: asNumber(asRecord(value).kept) });
  const insights = list(item.insights);
  const values = list(item.identified_values);
  const window = list(item.recent_messages);
  const windowDropped = Array.isArray(window.raw.dropped) ? window.raw.dropped : [];
  return {
    phase,
    resultStatus,
    userTurns: asNumber(item.user_turns),
    turnCount: asNumber(item.turn_count),
    insights: { dropped: asStrings(insights.raw.dropped), kept: insights.kept },
    identifiedValues: { dropped: asStrings(values.raw.dropped), kept: values.kept },
    // Every window message this service writes has its id, so no place is needed to name it.
    recentMessages: {
      dropped: windowDropped.map((m) => messageOf(m, { kind: 'inline', index: 0 })),
      kept: window.kept,
    },
  };
}

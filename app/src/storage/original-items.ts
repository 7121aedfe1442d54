// Items the original (Python) service wrote: every message inline in the conversation item,
// and the conversation's state under `context` rather than in attributes of its own. What
// they hold, read here, is what conversation-items.ts falls back on, so a migrated table keeps
// working and such a conversation continues in the turn table.
import type { Message } from '../coaching/conversation-entity.js';
import { asNumber, asRecord, messageOf, type Item } from './item-values.js';

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

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
import { randomUUID } from 'node:crypto';

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

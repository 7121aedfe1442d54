// The values inside conversation items. Read back, an attribute cannot be trusted to be typed
// (items written by the original service, by hand, or by an older version): each falls back
// when absent or of another type, and timestamps and messages come back in one shape.
import type { Message } from '../coaching/conversation-entity.js';
import { placeMessageId, type MessageLocation } from '../coaching/message-ids.js';
import { clientJsonObject, clientJsonText } from './client-json.js';

export type Item = Record<string, unknown>;

export const asString = (v: unknown, fallback = ''): string =>
  typeof v === 'string' ? v : fallback;
export const asNumber = (v: unknown, fallback = 0): number =>
  typeof v === 'number' ? v : fallback;
export const asRecord = (v: unknown): Record<string, unknown> =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
export const asStrings = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : [];

/** ISO-8601 UTC with milliseconds; the original wrote Python isoformat(), sometimes without a zone. */
export function normalizeTimestamp(value: unknown): string | null {
  if (typeof value !== 'string' || value === '') return null;
  const hasZone = /(Z|[+-]\d{2}:?\d{2})$/.test(value);
  const date = new Date(hasZone ? value : `${value}Z`);
  return Number.isNaN(date.getTime()) ? value : date.toISOString();
}

/**
 * A message as stored: in a turn item, the recent window or the original's inline list. One
 * stored without an id (before ids were minted, or by the original service) is named by its place.
 */
export function messageOf(raw: unknown, place: MessageLocation): Message {
  const m = asRecord(raw);
  return {
    messageId:
      typeof m.message_id === 'string' && m.message_id !== ''
        ? m.message_id
        : placeMessageId(place),
    role: m.role === 'user' ? 'user' : 'assistant',
    content: asString(m.content),
    timestamp: normalizeTimestamp(m.timestamp) ?? '',
    metadata: clientJsonObject(m.metadata_json, m.metadata),
  };
}

/** A message to store; its metadata, the client's JSON for a user message, as JSON text. */
export const messageItem = (m: Message) => ({
  message_id: m.messageId,
  role: m.role,
  content: m.content,
  timestamp: m.timestamp,
  metadata_json: clientJsonText(m.metadata),
});

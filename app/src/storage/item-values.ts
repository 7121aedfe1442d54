// The values inside conversation items. Read back, an attribute cannot be trusted to be typed
// (items written by the original service, by hand, or by an older version): each falls back
// when absent or of another type, and timestamps and messages come back in one shape; and the
// client's JSON, which is kept as text (below).
import {
  type Message,
  placeMessageId,
  type MessageLocation,
} from '../coaching/conversation-entity.js';

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

// ---- client JSON ----
// Client JSON (a conversation's context, a message's metadata) as DynamoDB holds it: one string
// of JSON text, never a DynamoDB document. Any object the client sent then reads back as a JSON
// parser read it, whatever its numbers (DynamoDB's number type refuses 1e-300 and the SDK's
// marshaller unsafe integers) and its depth, and it costs no more bytes than the client's text.

/** The shortest JSON text of a finite number: `1e20` stays `1e20`, not 21 digits. */
function numberText(n: number): string {
  const plain = String(n);
  const [mantissa = '', exponent = '0'] = n.toExponential().split('e');
  const [whole = '', fraction = ''] = mantissa.split('.');
  const power = Number(exponent) - fraction.length;
  const integral = power === 0 ? `${whole}${fraction}` : `${whole}${fraction}e${power}`;
  const pointed = `${mantissa}e${Number(exponent)}`;
  return [integral, pointed].reduce(
    (shortest, form) => (form.length < shortest.length ? form : shortest),
    plain,
  );
}

/** JSON text of a parsed JSON value, compact: no longer than any JSON text that parses to it. */
export function clientJsonText(value: unknown): string {
  if (typeof value === 'number') return Number.isFinite(value) ? numberText(value) : 'null';
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(clientJsonText).join(',')}]`;
  const members = Object.entries(value).map(
    ([key, member]) => `${JSON.stringify(key)}:${clientJsonText(member)}`,
  );
  return `{${members.join(',')}}`;
}

/**
 * The client's object from its stored text; `fallback` is the attribute an item written before
 * (or by the original service) holds instead, as a DynamoDB map.
 */
export function clientJsonObject(text: unknown, fallback: unknown): Record<string, unknown> {
  if (typeof text === 'string') {
    try {
      const value: unknown = JSON.parse(text);
      if (value && typeof value === 'object' && !Array.isArray(value)) {
        return value as Record<string, unknown>;
      }
    } catch {
      // Not JSON this service wrote: read as the older attribute would be.
    }
  }
  return fallback && typeof fallback === 'object' && !Array.isArray(fallback)
    ? (fallback as Record<string, unknown>)
    : {};
}

// The `next_cursor` of a template's version list: where the next page starts, bound to the
// template it was written for, opaque to clients. Each store puts its own position in it.
import { InvalidCursorError } from '../errors.js';
import type { PromptKey } from './prompt-keys.js';

export function encodeVersionCursor(key: PromptKey, position: Record<string, string>): string {
  return Buffer.from(JSON.stringify({ key, ...position })).toString('base64url');
}

/** The position a cursor names; InvalidCursorError when it is not ours or not for this key. */
export function decodeVersionCursor<F extends string>(
  key: PromptKey,
  cursor: string,
  fields: readonly F[],
): Record<F, string> {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursorError();
  }
  const record = value as Record<string, unknown> | null;
  const fits =
    typeof record === 'object' &&
    record !== null &&
    record.key === key &&
    fields.every((field) => typeof record[field] === 'string' && record[field] !== '');
  if (!fits) throw new InvalidCursorError();
  return Object.fromEntries(fields.map((field) => [field, record[field]])) as Record<F, string>;
}

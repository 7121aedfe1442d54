// The request headers that say how a request wants its answer, read and documented in one
// place: `Prefer: respond-async` (a job, 202), `Accept: text/event-stream` (a stream) or
// neither (the buffered answer), and `Idempotency-Key`. `Prefer` follows RFC 7240: a
// comma-separated list of preferences, each a token, optionally `=value`, then `;parameters`;
// whatever the service does not understand is ignored, as the RFC asks, so an unknown or
// malformed preference never fails a request.
import { z } from 'zod';
import type { Delivery } from '../domain/vocabulary.js';
import type { AppContext } from './middleware.js';
import { validate } from './validate.js';

/** Printable ASCII: what a header value may hold here (Node would also pass latin-1 bytes). */
const PRINTABLE = /^[\x20-\x7e]*$/;
/** RFC 7240 allows tabs as whitespace between a preference's parts. */
const PRINTABLE_OR_TAB = /^[\t\x20-\x7e]*$/;

export const idempotencyKeyHeader = z
  .string()
  .min(1)
  .max(128)
  .regex(PRINTABLE, 'Must be printable ASCII characters')
  .describe(
    'Makes a retry safe: the same key with the same body returns the first answer (kept 24 h)',
  );

export const preferHeader = z
  .string()
  .regex(PRINTABLE_OR_TAB, 'Must be printable ASCII characters')
  .optional()
  .describe(
    '`respond-async`: accept the work and answer 202 with a job to poll (RFC 7240). Other ' +
      'preferences are ignored. Wins over `Accept: text/event-stream`.',
  );

/** The request headers of a route that can run as a job, as the document lists them. */
export const asyncHeaders = (what: string) =>
  z.object({
    Prefer: preferHeader,
    'Idempotency-Key': idempotencyKeyHeader.optional().describe(what),
  });

/** The preferences' names, lower-cased; commas inside quoted values separate nothing. */
export function preferenceNames(header: string): string[] {
  const names: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < header.length; i++) {
    const c = header[i];
    if (c === '"') quoted = !quoted;
    else if (c === '\\' && quoted) i++;
    if (c === ',' && !quoted) {
      names.push(current);
      current = '';
    } else current += c;
  }
  names.push(current);
  return names
    .map((preference) => (preference.split(/[;=]/)[0] ?? '').trim().toLowerCase())
    .filter(Boolean);
}

const EVENT_STREAM = 'text/event-stream';

/**
 * The delivery the request asks for. `Prefer: respond-async` wins over `Accept:
 * text/event-stream`; a route that does not stream answers a stream's request buffered.
 */
export function deliveryOf(ctx: AppContext, options: { readonly streams: true }): Delivery;
export function deliveryOf(
  ctx: AppContext,
  options: { readonly streams: false },
): Exclude<Delivery, 'stream'>;
export function deliveryOf(ctx: AppContext, options: { readonly streams: boolean }): Delivery {
  const prefer = validate('header', preferHeader, ctx.get('Prefer'), 'prefer') ?? '';
  if (preferenceNames(prefer).includes('respond-async')) return 'job';
  if (options.streams && ctx.accepts('application/json', EVENT_STREAM) === EVENT_STREAM) {
    return 'stream';
  }
  return 'buffered';
}

/** The request's Idempotency-Key, checked on every call (422 when malformed), if it has one. */
export function idempotencyKeyOf(ctx: AppContext): string | undefined {
  if (ctx.headers['idempotency-key'] === undefined) return undefined;
  return validate('header', idempotencyKeyHeader, ctx.get('Idempotency-Key'), 'idempotency-key');
}

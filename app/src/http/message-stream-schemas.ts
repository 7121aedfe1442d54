// The events of a streamed turn, for the OpenAPI document. A stream is not one JSON value, so
// the document describes it as the list of its events, each `{event, data}` with its data
// parsed from the event's `data:` line; comments (`: keep-alive`) are not events.
import { z } from 'zod';
import { standardErrorBody } from './error-schemas.js';

export const streamDelta = z
  .object({ text: z.string().min(1).describe('The next piece of `ai_response`') })
  .describe('Joined in order since the last `reset`, the deltas are the final `ai_response`');

export const streamReset = z
  .strictObject({})
  .describe('Drop the text shown so far: the answer is being repaired, and its deltas follow');

export const streamError = standardErrorBody
  .extend({
    status: z.number().int().describe('The status the buffered request would have answered'),
    retry_after: z
      .number()
      .int()
      .optional()
      .describe('Seconds to wait before retrying, where the buffered error sends Retry-After'),
    current_status: z.string().optional().describe('With 409 conversation_not_active'),
    job_id: z
      .string()
      .optional()
      .describe('With 409 conversation_busy: the job that holds the conversation, when a job does'),
  })
  .describe('The error envelope plus its status; nothing of the turn was stored');

/** The list of a stream's events, with `turn` carrying the buffered response's schema. */
export function messageStreamSchema(
  turn: z.ZodType,
  names: { delta: z.ZodType; reset: z.ZodType; error: z.ZodType },
) {
  const event = <N extends string>(name: N, data: z.ZodType) =>
    z.object({ event: z.literal(name), data });
  return z
    .array(
      z.discriminatedUnion('event', [
        event('delta', names.delta),
        event('reset', names.reset),
        event('turn', turn),
        event('error', names.error),
      ]),
    )
    .describe(
      'Server-sent events, each `event: <name>` and one `data:` line of JSON, described here ' +
        'as the list of `{event, data}` they are read into: `delta` events (after a `reset`, ' +
        'those of the repaired answer), then exactly one `turn` (committed before it is sent) ' +
        'or one `error`, and the stream ends. A `: keep-alive` comment comes at least every ' +
        '15 s while the model is silent.',
    );
}

// The streamed form of a message turn (Accept: text/event-stream): once the turn may go ahead,
// a 200 event stream of the coach's words (`delta`, `reset`), then the buffered body (`turn`)
// or the error envelope with its status (`error`). The turn runs to its end whether or not the
// client is still there, so a retry with the same Idempotency-Key finds it committed. A stream
// is not one JSON value, so the document describes it as the list of its events, each
// `{event, data}` with its data parsed from the event's `data:` line; comments
// (`: keep-alive`) are not events.
import { z } from 'zod';
import type { TurnResult } from '../coaching/turn-records.js';
import { errorEnvelope } from '../errors.js';
import type { StreamSink } from '../llm/port.js';
import type { Logger } from '../observability/logger.js';
import { standardErrorBody } from './error-schemas.js';
import { EventStream } from './event-stream.js';
import { loggedError, type AppContext } from './middleware.js';
import type { ApiDocs } from './openapi.js';
import { trackStreamedTurn } from './streamed-turns.js';

const streamDelta = z
  .object({ text: z.string().min(1).describe('The next piece of `ai_response`') })
  .describe('Joined in order since the last `reset`, the deltas are the final `ai_response`');

const streamReset = z
  .strictObject({})
  .describe('Drop the text shown so far: the answer is being repaired, and its deltas follow');

const streamError = standardErrorBody
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

/** The stream, with its events' schemas named in the document. */
export const documentedStream = (docs: ApiDocs, turn: z.ZodType): z.ZodType =>
  docs.schema(
    'MessageStream',
    messageStreamSchema(turn, {
      delta: docs.schema('StreamDelta', streamDelta),
      reset: docs.schema('StreamReset', streamReset),
      error: docs.schema('StreamError', streamError),
    }),
  );

/** The list of a stream's events, with `turn` carrying the buffered response's schema. */
function messageStreamSchema(
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

export interface StreamOptions {
  readonly keepAliveMs: number;
  readonly logger: Logger;
  /** The buffered response's body for a turn: the `turn` event's data. */
  readonly view: (result: TurnResult) => unknown;
}

/** Answers the request with the turn's event stream; returns at once, the turn goes on. */
export function streamTurn(
  ctx: AppContext,
  answer: (sink: StreamSink) => Promise<TurnResult>,
  options: StreamOptions,
): void {
  const events = new EventStream(options.keepAliveMs);
  ctx.status = 200;
  ctx.body = events.body;
  // After the body: Koa calls a stream application/octet-stream.
  ctx.set('Content-Type', 'text/event-stream');
  ctx.set('Cache-Control', 'no-cache');
  // Proxies that buffer (nginx) pass the events on as they come.
  ctx.set('X-Accel-Buffering', 'no');
  ctx.flushHeaders();

  const requestId = ctx.state.requestId;
  const answered = answer({
    delta: (text) => events.send('delta', { text }),
    reset: () => events.send('reset', {}),
  })
    .then(
      (result) => events.send('turn', options.view(result)),
      (thrown: unknown) => {
        const error = loggedError(thrown, options.logger, requestId);
        events.send('error', errorEnvelope(error, requestId, 'event'));
      },
    )
    .finally(() => events.end());
  trackStreamedTurn(answered);
}

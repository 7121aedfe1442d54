// The streamed form of a message turn (Accept: text/event-stream): once the turn may go ahead,
// a 200 event stream of the coach's words (`delta`, `reset`), then the buffered body (`turn`)
// or the error envelope with its status (`error`). The turn runs to its end whether or not the
// client is still there, so a retry with the same Idempotency-Key finds it committed. A stream
// is not one JSON value, so the document describes it as the list of its events, each
// `{event, data}` with its data parsed from the event's `data:` line; comments
// (`: keep-alive`) are not events. Below: the event stream itself, and the streamed turns still
// running, which whatever ends the process's work waits for.
import { PassThrough } from 'node:stream';
import { z } from 'zod';
import type { TurnResult } from '../coaching/turn-records.js';
import { errorEnvelope } from '../errors.js';
import type { StreamSink } from '../llm/port.js';
import type { Logger } from '../observability/logger.js';
import { standardErrorBody } from './error-schemas.js';
import { loggedError, type AppContext } from './middleware.js';
import type { ApiDocs } from './openapi.js';

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

// ---- the event stream ----
// Server-sent events written to a Koa response body: named events with one line of JSON data,
// and a comment whenever the stream has been quiet for the keep-alive interval, so proxies and
// clients that give up on a silent connection keep it. A client that has gone away makes
// every later write a no-op, never an error of whatever produces the events.

/** The contract's bound: a comment at least this often while nothing else is sent. */
export const KEEP_ALIVE_MS = 15_000;

export class EventStream {
  readonly body = new PassThrough();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly keepAliveMs: number = KEEP_ALIVE_MS) {
    // Koa destroys the body when the client disconnects; a write racing that is not a failure.
    this.body.on('error', () => undefined);
    this.body.on('close', () => clearTimeout(this.timer));
    this.arm();
  }

  /** Whether the client is still reading. */
  get open(): boolean {
    return !this.body.destroyed && !this.body.writableEnded;
  }

  /** One event; JSON.stringify escapes every line break, so the data is one line. */
  send(event: string, data: unknown): void {
    this.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  end(): void {
    clearTimeout(this.timer);
    if (this.open) this.body.end();
  }

  private write(text: string): void {
    if (!this.open) return;
    this.body.write(text);
    this.arm();
  }

  private arm(): void {
    clearTimeout(this.timer);
    if (this.open) this.timer = setTimeout(() => this.write(': keep-alive\n\n'), this.keepAliveMs);
  }
}

// ---- streamed turns still running ----
// Streamed turns still running. A client that hangs up does not cancel its turn (it commits,
// and a retry with the same Idempotency-Key finds it), so its response may end long before the
// turn does: whatever ends the process's work (a Lambda streaming invocation returning, the
// local server stopping) waits for these first.

const running = new Set<Promise<void>>();

/** Counts the turn as running until it settles (it never rejects: its errors are events). */
export function trackStreamedTurn(turn: Promise<void>): void {
  running.add(turn);
  void turn.finally(() => running.delete(turn));
}

/** Resolves once every streamed turn started so far has settled. */
export async function streamedTurnsSettled(): Promise<void> {
  while (running.size > 0) await Promise.all([...running]);
}

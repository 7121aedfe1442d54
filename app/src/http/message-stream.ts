// The streamed form of a message turn (Accept: text/event-stream): once the turn may go ahead,
// a 200 event stream of the coach's words (`delta`, `reset`), then the buffered body (`turn`)
// or the error envelope with its status (`error`). The turn runs to its end whether or not the
// client is still there, so a retry with the same Idempotency-Key finds it committed.
import type { TurnResult } from '../coaching/message-turn.js';
import type { PendingTurn } from '../coaching/send-message.js';
import type { Logger } from '../observability/logger.js';
import { EventStream } from './event-stream.js';
import { asAppError, errorBody, type AppContext } from './middleware.js';
import { trackStreamedTurn } from './streamed-turns.js';

const EVENT_STREAM = 'text/event-stream';

/**
 * Whether the client asked for the stream. An asynchronous answer (`Prefer: respond-async`)
 * wins: that request is not streamed.
 */
export function wantsEventStream(ctx: AppContext): boolean {
  const prefer = ctx.get('Prefer');
  if (/(?:^|[\s,])respond-async\s*(?:[;,]|$)/i.test(prefer)) return false;
  return ctx.accepts('application/json', EVENT_STREAM) === EVENT_STREAM;
}

export interface StreamOptions {
  readonly keepAliveMs: number;
  readonly logger: Logger;
  /** The buffered response's body for a turn: the `turn` event's data. */
  readonly view: (result: TurnResult) => unknown;
}

/** Answers the request with the turn's event stream; returns at once, the turn goes on. */
export function streamTurn(ctx: AppContext, turn: PendingTurn, options: StreamOptions): void {
  const events = new EventStream(options.keepAliveMs);
  ctx.status = 200;
  ctx.body = events.body;
  // After the body: Koa calls a stream application/octet-stream.
  ctx.set('Content-Type', EVENT_STREAM);
  ctx.set('Cache-Control', 'no-cache');
  // Proxies that buffer (nginx) pass the events on as they come.
  ctx.set('X-Accel-Buffering', 'no');
  ctx.flushHeaders();

  const requestId = ctx.state.requestId;
  const answered = turn
    .answer({
      delta: (text) => events.send('delta', { text }),
      reset: () => events.send('reset', {}),
    })
    .then(
      (result) => events.send('turn', options.view(result)),
      (thrown: unknown) => {
        const error = asAppError(thrown, options.logger, requestId);
        const retryAfter = Number(error.headers['Retry-After']);
        events.send('error', {
          ...errorBody(ctx, error),
          status: error.status,
          ...(Number.isInteger(retryAfter) ? { retry_after: retryAfter } : {}),
        });
      },
    )
    .finally(() => events.end());
  trackStreamedTurn(answered);
}

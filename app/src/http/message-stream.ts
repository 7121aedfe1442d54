// The streamed form of a message turn (Accept: text/event-stream): once the turn may go ahead,
// a 200 event stream of the coach's words (`delta`, `reset`), then the buffered body (`turn`)
// or the error envelope with its status (`error`). The turn runs to its end whether or not the
// client is still there, so a retry with the same Idempotency-Key finds it committed.
import type { TurnResult } from '../coaching/turn-records.js';
import { errorEnvelope } from '../errors.js';
import type { StreamSink } from '../llm/port.js';
import type { Logger } from '../observability/logger.js';
import { EventStream } from './event-stream.js';
import { loggedError, type AppContext } from './middleware.js';
import { trackStreamedTurn } from './streamed-turns.js';

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

// POST /conversations/{id}/message, declared once: its body, its description, and its handler,
// which makes the one call of a turn (coaching's sendMessage) and answers the way the client
// asked: the JSON body, the event stream (message-stream.ts) or the job's 202 (job-routes.ts).
import { z } from 'zod';
import type { Coaching } from '../coaching/coaching-use-cases.js';
import type { TurnInput } from '../coaching/turn-records.js';
import type { Logger } from '../observability/logger.js';
import { notTheirs, turnExample } from './conversation-examples.js';
import { messageResponse } from './conversation-schemas.js';
import { acceptedResponse, answerAccepted } from './job-routes.js';
import { documentedStream, streamTurn } from './message-stream.js';
import { principalOf, type AppContext, type AppMiddleware } from './middleware.js';
import {
  asyncHeaders,
  deliveryOf,
  idempotencyKeyOf,
  mount,
  route,
  type Mounting,
} from './routing.js';
import { clientJson, trimmedText } from './request-fields.js';
import { turnView } from './views.js';

export const messageBody = z.object({
  user_message: trimmedText(1, 4000, { what: 'What the user says', tooShort: 'must not be blank' }),
  metadata: clientJson(
    'The client’s own JSON about this message; read back with the conversation as sent',
  ),
});

export const sendMessageRoute = route({
  method: 'post',
  path: '/conversations/:id/message',
  body: messageBody,
  describe: (docs, body) => {
    const turnSchema = docs.schema('MessageResponse', messageResponse);
    const streamSchema = documentedStream(docs, turnSchema);
    return {
      operationId: 'sendMessage',
      tag: 'conversations',
      summary: 'Send the next user message and get the coach’s answer',
      description:
        'Runs one coaching turn: the coach answers, the phase may move on, and values and ' +
        'insights accumulate. If the model fails, nothing of the turn is stored. With an ' +
        '`Idempotency-Key`, a retry with the same body returns the first answer and calls the ' +
        'model once; the same key with another body is 422 idempotency_key_reused. With ' +
        '`Prefer: respond-async` the turn runs as a job (202) that holds the conversation as ' +
        'the turn would; the same key and body name the same job. A spent budget (the ' +
        'tenant’s month, the user’s day) is 429 quota_exceeded, the last check before the ' +
        'model: for a job instead of the 202, for a stream instead of the event stream; a ' +
        'retry of a stored key is never refused.\n\n' +
        'With `Accept: text/event-stream` (and no `Prefer: respond-async`, which wins) the ' +
        'answer is streamed: everything decided before the model is asked (401, 404, 409, 413, ' +
        '415, 422, 429 …) is still the ordinary JSON error; otherwise 200 `text/event-stream` ' +
        'with `Cache-Control: no-cache`, the coach’s words as `delta` events while the model ' +
        'writes them, then `turn` (exactly the JSON body) or `error` (the envelope plus its ' +
        '`status`; nothing stored). The model budget is `LLM_STREAM_TIMEOUT_MS`, not the ' +
        'gateway’s 30 s; in AWS send streamed turns to `streaming_url` from `GET /`. A client ' +
        'that disconnects does not cancel the turn; a retry with the same `Idempotency-Key` ' +
        'streams the stored answer (one `delta`, then `turn`) without asking the model again.',
      auth: true,
      headers: asyncHeaders(
        'Makes a retry safe: the same key with the same body returns the first answer, or with respond-async the same job (kept 24 h)',
      ),
      body: body(
        { user_message: 'Honesty matters most to me, even when it costs me.' },
        { name: 'MessageRequest' },
      ),
      responses: {
        200: {
          description: 'The coach’s answer (JSON), or its event stream (text/event-stream)',
          schema: turnSchema,
          example: turnExample,
          alternatives: {
            'text/event-stream': {
              schema: streamSchema,
              example: [
                { event: 'delta', data: { text: 'Integrity clearly matters to you. ' } },
                {
                  event: 'delta',
                  data: { text: 'Can you tell me about a time it was tested?' },
                },
                { event: 'turn', data: turnExample },
              ],
            },
          },
        },
        202: acceptedResponse(docs, 'message'),
      },
      errors: {
        ...notTheirs,
        409: ['conversation_not_active', 'conversation_busy', 'conversation_limit_reached'],
        422: ['idempotency_key_reused'],
        429: ['quota_exceeded'],
        502: ['llm_bad_response'],
      },
    };
  },
});

export interface MessageRouteOptions {
  readonly coaching: Coaching;
  readonly prefix: string;
  /** How long a streamed turn may be silent before a keep-alive comment. */
  readonly keepAliveMs: number;
  readonly logger: Logger;
}

export function mountSendMessage(
  on: Mounting,
  guard: readonly AppMiddleware[],
  options: MessageRouteOptions,
): void {
  mount(on, sendMessageRoute, guard, async (ctx, input) => {
    const message = {
      userMessage: input.user_message,
      metadata: input.metadata,
      idempotencyKey: idempotencyKeyOf(ctx),
    };
    await runTurn(ctx, message, options);
  });
}

/**
 * The one call of a turn (a message, or a regenerate), answered the way the client asked.
 * Refusals (404, 409, 422 …) are thrown before any answer: ordinary JSON errors.
 */
export async function runTurn(
  ctx: AppContext,
  input: TurnInput,
  options: MessageRouteOptions,
): Promise<void> {
  const outcome = await options.coaching.sendMessage(
    principalOf(ctx),
    ctx.params.id ?? '',
    input,
    deliveryOf(ctx, { streams: true }),
    ctx.state.requestId,
  );
  switch (outcome.delivery) {
    case 'buffered':
      ctx.body = turnView(outcome.result);
      return;
    case 'stream':
      streamTurn(ctx, outcome.answer, {
        keepAliveMs: options.keepAliveMs,
        logger: options.logger,
        view: turnView,
      });
      return;
    case 'job':
      answerAccepted(ctx, options.prefix, outcome.job);
  }
}

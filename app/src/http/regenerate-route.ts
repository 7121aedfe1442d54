// POST /conversations/{id}/regenerate, declared once: a new answer to the last user message,
// replacing the last answer. No body is needed (one sent is read like any route's, so its size,
// type and JSON are checked, then ignored); its turn is the message route's (message-route.ts),
// made with the same one call and answered the same three ways.
import { notTheirs, turnExample } from './conversation-examples.js';
import { messageResponse, noFieldsBody } from './conversation-schemas.js';
import { acceptedResponse } from './job-routes.js';
import { documentedStream } from './message-stream.js';
import { runTurn, type MessageRouteOptions } from './message-route.js';
import type { AppMiddleware } from './middleware.js';
import { asyncHeaders, idempotencyKeyOf, mount, route, type Mounting } from './routing.js';

export const regenerateRoute = route({
  method: 'post',
  path: '/conversations/:id/regenerate',
  body: noFieldsBody,
  describe: (docs, body) => {
    const turnSchema = docs.schema('MessageResponse', messageResponse);
    return {
      operationId: 'regenerateAnswer',
      tag: 'conversations',
      summary: 'Replace the last answer with a new answer to the last user message',
      description:
        'A new answer to the last user message, replacing the last answer (no body is needed). The ' +
        'body, stream and job are the message route’s, with a new `message_id`; the replaced ' +
        'answer leaves the history with its feedback (its id is then 404 message_not_found). ' +
        'Phase, progress, insights and identified values become what they were before the ' +
        'replaced answer, plus this answer’s effects. 409 nothing_to_regenerate when the last ' +
        'message is not an answer this service can replace (only the opening message, an ' +
        'original-service history, an answer stored before regenerating existed). Leases, ' +
        'budgets and usage are the message route’s; its `Idempotency-Key`s are its own, never ' +
        'a message’s.',
      auth: true,
      body: body({}, { required: false }),
      headers: asyncHeaders(
        'Makes a retry safe: the same key returns the first new answer, or with respond-async the same job (kept 24 h)',
      ),
      responses: {
        200: {
          description: 'The new answer (JSON), or its event stream (text/event-stream)',
          schema: turnSchema,
          example: turnExample,
          alternatives: {
            'text/event-stream': {
              schema: documentedStream(docs, turnSchema),
              example: [
                { event: 'delta', data: { text: 'Integrity clearly matters to you. ' } },
                { event: 'turn', data: turnExample },
              ],
            },
          },
        },
        202: acceptedResponse(docs, 'message'),
      },
      errors: {
        ...notTheirs,
        409: ['conversation_not_active', 'conversation_busy', 'nothing_to_regenerate'],
        429: ['quota_exceeded'],
        502: ['llm_bad_response'],
      },
    };
  },
});

export function mountRegenerate(
  on: Mounting,
  guard: readonly AppMiddleware[],
  options: MessageRouteOptions,
): void {
  mount(on, regenerateRoute, guard, (ctx) =>
    runTurn(ctx, { regenerate: true, idempotencyKey: idempotencyKeyOf(ctx) }, options),
  );
}

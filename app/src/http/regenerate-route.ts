// POST /conversations/{id}/regenerate, declared once: a new answer to the last user message,
// replacing the last answer. No body; its turn is the message route's (message-route.ts), made
// with the same one call and answered the same three ways.
import { notTheirs, turnExample } from './conversation-examples.js';
import { messageResponse } from './conversation-schemas.js';
import { acceptedResponse } from './job-accepted.js';
import { documentedStream } from './message-stream.js';
import { runTurn, type MessageRouteOptions } from './message-route.js';
import type { AppMiddleware } from './middleware.js';
import { asyncHeaders, idempotencyKeyOf } from './request-headers.js';
import { mount, route, type Mounting } from './route.js';

export const regenerateRoute = route({
  method: 'post',
  path: '/conversations/:id/regenerate',
  describe: (docs) => {
    const turnSchema = docs.schema('MessageResponse', messageResponse);
    return {
      operationId: 'regenerateAnswer',
      tag: 'conversations',
      summary: 'Replace the last answer with a new answer to the last user message',
      description:
        'Runs the last turn again: the coach answers the last user message anew, and the ' +
        'answer it replaces leaves the history with its feedback (a feedback PUT on its ' +
        '`message_id` is then 404 message_not_found, and the export no longer lists it). The ' +
        'phase, progress, result status, insights and identified values become what they were ' +
        'before the replaced answer, plus this answer’s effects. The body is the message ' +
        'route’s, with a new `message_id`. No request body. Only while the conversation is ' +
        'active (409 conversation_not_active), and only when its last message is the coach’s ' +
        'answer to a user message (409 nothing_to_regenerate: a conversation holding only the ' +
        'opening message, one kept by the original service, or one whose last answer was ' +
        'stored before answers could be regenerated). Leases (409 conversation_busy, with ' +
        '`job_id` when a job holds it), budgets (429 quota_exceeded, never for a replay), the ' +
        'model call’s usage and the three deliveries are the message route’s: ' +
        '`Accept: text/event-stream` streams it, `Prefer: respond-async` runs it as a job ' +
        '(202) whose result is this body. An `Idempotency-Key` here is the regenerate’s own: ' +
        'the same key on the message route is another key, so neither route answers with the ' +
        'other’s turn; a retry with the same key returns the same new answer, even after the ' +
        'conversation moved on, and a message’s key whose answer a regenerate replaced no ' +
        'longer replays it (its retry is a new message).',
      auth: true,
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

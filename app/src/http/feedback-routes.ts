// Feedback on one of the coach's answers: give or replace it (PUT), take it back (DELETE). The
// history shows it on the message; the message's id comes from the history or the answer's body.
import { feedbackBody } from './conversation-schemas.js';
import { notTheirs } from './conversation-examples.js';
import { principalOf, type AppMiddleware } from './middleware.js';
import { mount, route, type Mounting } from './routing.js';
import type { Coaching } from '../coaching/coaching-use-cases.js';

const tag = 'conversations';
const path = '/conversations/:id/messages/:message_id/feedback';
/** Beside the conversation's own: an id the conversation lacks, or the user's own message. */
const errors = {
  ...notTheirs,
  404: [...notTheirs[404], 'message_not_found'],
  422: ['validation_error'],
};

export const giveFeedbackRoute = route({
  method: 'put',
  path,
  body: feedbackBody,
  describe: (_docs, body) => ({
    operationId: 'giveFeedback',
    tag,
    summary: 'Rate one of the coach’s answers',
    description:
      'Thumbs up or down on an answer of the coach, with optional tags and a comment; a ' +
      'second PUT replaces it. By the conversation’s owner, in any status. Only on the ' +
      'assistant’s messages: a user message is 422. The history then shows it on the message.',
    auth: true,
    body: body(
      { rating: 'down', tags: ['too_long'], comment: 'I wanted one question' },
      { name: 'FeedbackRequest' },
    ),
    responses: { 204: { description: 'Recorded; the history shows it' } },
    errors,
  }),
});

export const removeFeedbackRoute = route({
  method: 'delete',
  path,
  describe: () => ({
    operationId: 'removeFeedback',
    tag,
    summary: 'Take back the feedback on an answer',
    description: 'The answer’s feedback is removed (204 also when it had none).',
    auth: true,
    responses: { 204: { description: 'Removed; the history shows none' } },
    errors,
  }),
});

export function mountFeedback(on: Mounting, guard: readonly AppMiddleware[], coaching: Coaching) {
  mount(on, giveFeedbackRoute, guard, async (ctx, input) => {
    await coaching.giveFeedback(
      principalOf(ctx),
      ctx.params.id ?? '',
      ctx.params.message_id ?? '',
      {
        rating: input.rating,
        tags: input.tags,
        comment: input.comment ?? null,
      },
    );
    ctx.status = 204;
  });
  mount(on, removeFeedbackRoute, guard, async (ctx) => {
    await coaching.removeFeedback(
      principalOf(ctx),
      ctx.params.id ?? '',
      ctx.params.message_id ?? '',
    );
    ctx.status = 204;
  });
}

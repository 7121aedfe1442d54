// Feedback on one of the coach's answers: give it (or replace it) and take it back. Only the
// conversation's owner, in any status, and only on an answer the conversation holds now. The
// id says where the answer is kept (conversation-entity.ts), so a write is the conversation's read plus
// one conditional write there: at most two storage calls.
import type { Principal, FeedbackRating } from '../domain/kernel.js';
import { ConversationNotFoundError, MessageNotFoundError, ValidationError } from '../errors.js';
import { ownedConversation, type CoachingDeps } from './coaching-deps.js';
import type { StoredConversation } from './conversation-records.js';
import type { FeedbackWrite, RatedAnswer } from './feedback-records.js';
import { locateMessageId } from './conversation-entity.js';

export interface FeedbackInput {
  readonly rating: FeedbackRating;
  readonly tags: readonly string[];
  readonly comment: string | null;
}

const userMessage = (messageId: string) =>
  new ValidationError([
    {
      loc: ['path', 'message_id'],
      msg: `Message ${messageId} is the user's; feedback is given on the coach's answers`,
      type: 'value_error',
    },
  ]);

/**
 * The answer the id names, as far as the conversation item tells: a place it has (an inline
 * message it holds, a turn it has committed). Whether a turn's place holds that very answer
 * the conditional write itself checks.
 */
function ratedAnswer(conversation: StoredConversation, messageId: string): RatedAnswer {
  const located = locateMessageId(messageId);
  const answer = (location: RatedAnswer['location']): RatedAnswer => ({
    conversationId: conversation.conversationId,
    tenantId: conversation.tenantId,
    topic: conversation.topic,
    messageId,
    location,
  });
  if (!located) throw new MessageNotFoundError(messageId);
  const { location } = located;
  if (location.kind === 'inline') {
    const message = conversation.inlineMessages[location.index];
    if (!message) throw new MessageNotFoundError(messageId);
    if (message.role === 'user') throw userMessage(messageId);
    return answer(location);
  }
  if (location.turn > conversation.turnCount) throw new MessageNotFoundError(messageId);
  return answer(location);
}

function settle(write: FeedbackWrite, conversationId: string, messageId: string): void {
  if (write === 'no_such_message') throw new MessageNotFoundError(messageId);
  if (write === 'user_message') throw userMessage(messageId);
  // Erased since it was read: as if the read had come after.
  if (write === 'erased') throw new ConversationNotFoundError(conversationId);
}

export async function giveFeedback(
  deps: CoachingDeps,
  principal: Principal,
  conversationId: string,
  messageId: string,
  input: FeedbackInput,
): Promise<void> {
  const conversation = await ownedConversation(deps, principal, conversationId);
  const answer = ratedAnswer(conversation, messageId);
  const write = await deps.feedback.record(answer, {
    ...input,
    updatedAt: deps.now().toISOString(),
  });
  settle(write, conversationId, messageId);
  deps.metrics.add('FeedbackRecorded', 1, 'Count', { rating: input.rating });
}

export async function removeFeedback(
  deps: CoachingDeps,
  principal: Principal,
  conversationId: string,
  messageId: string,
): Promise<void> {
  const conversation = await ownedConversation(deps, principal, conversationId);
  settle(
    await deps.feedback.remove(ratedAnswer(conversation, messageId)),
    conversationId,
    messageId,
  );
}

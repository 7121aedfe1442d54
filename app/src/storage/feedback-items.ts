// Feedback as the messages table keeps it: on the item that holds the rated answer (its turn
// item; for an answer the original service kept inline in the conversation item, an item of its
// own at turn −1 − index), so the history reads it with the turn items, a turn item rewritten
// without it (an erasure's tombstone, a regenerated answer) takes it along, and the sparse index
// `feedback_tenant-feedback_at-index` lists a tenant's feedback, newest first, for the export.
import type { Feedback, RatedAnswer } from '../coaching/feedback-records.js';
import { feedbackRatings } from '../domain/kernel.js';
import { asRecord, asString, asStrings, type Item } from './item-values.js';
import { tables } from './tables.js';

/** The export's index on the messages table: only items with feedback are in it. */
export const feedbackIndex = (() => {
  const index = tables.messages.indexes.find((i) => i.name === 'feedback_tenant-feedback_at-index');
  if (!index) throw new Error('the messages table has no feedback index');
  return index;
})();

/** Every attribute feedback adds to an item; removing them all removes it from the index too. */
export const FEEDBACK_ATTRIBUTES = [
  'feedback',
  'feedback_tenant',
  'feedback_at',
  'feedback_topic',
] as const;

/** The item that holds the feedback on inline message `index` of the original service's format. */
export const inlineFeedbackTurn = (index: number): number => -1 - index;

/** The attributes that record `feedback` on `answer` (the index's keys among them). */
export function feedbackAttributes(answer: RatedAnswer, feedback: Feedback) {
  return {
    feedback: {
      message_id: answer.messageId,
      rating: feedback.rating,
      tags: [...feedback.tags],
      ...(feedback.comment === null ? {} : { comment: feedback.comment }),
      updated_at: feedback.updatedAt,
    },
    feedback_tenant: answer.tenantId,
    feedback_at: feedback.updatedAt,
    feedback_topic: answer.topic,
  };
}

/** The feedback an item holds, and the id of the message it is on; undefined when none. */
export function feedbackOf(item: Item): { messageId: string; feedback: Feedback } | undefined {
  const stored = asRecord(item.feedback);
  const rating = feedbackRatings.find((r) => r === stored.rating);
  if (typeof stored.message_id !== 'string' || rating === undefined) return undefined;
  return {
    messageId: stored.message_id,
    feedback: {
      rating,
      tags: asStrings(stored.tags),
      comment: typeof stored.comment === 'string' ? stored.comment : null,
      updatedAt: asString(stored.updated_at),
    },
  };
}

// Feedback on the coach's answers, as the coaching use cases keep it, and what they need from its
// storage: record or remove the feedback on one answer, and read a tenant's feedback for the
// export. The DynamoDB adapter in storage/ implements it; nothing here knows how.
import type { CoachingTopic, FeedbackRating } from '../domain/kernel.js';
import type { Message, MessageLocation } from './conversation-entity.js';

export interface Feedback {
  readonly rating: FeedbackRating;
  readonly tags: readonly string[];
  readonly comment: string | null;
  readonly updatedAt: string;
}

/** A message of the history, with the feedback its user gave on it (only an answer has any). */
export interface HistoryMessage extends Message {
  readonly feedback: Feedback | null;
}

/** The answer feedback is given on: its conversation, its id and where it is kept. */
export interface RatedAnswer {
  readonly conversationId: string;
  readonly tenantId: string;
  readonly topic: CoachingTopic;
  readonly messageId: string;
  readonly location: MessageLocation;
}

/**
 * What became of a write: done; or refused, because the place holds no such message (it never
 * did, or it was replaced), holds the user's message of that id, or the conversation was erased.
 */
export type FeedbackWrite = 'done' | 'no_such_message' | 'user_message' | 'erased';

export interface FeedbackQuery {
  readonly tenantId: string;
  /** Inclusive bounds on when the feedback was last given, as ISO-8601 UTC timestamps. */
  readonly from?: string;
  readonly to?: string;
  readonly topic?: CoachingTopic;
  readonly rating?: FeedbackRating;
  readonly pageSize: number;
  /** A previous page's `nextCursor`: the page after it. */
  readonly cursor?: string;
}

/** One answer's feedback, with what the export says of the answer. */
export interface ExportedFeedback {
  readonly conversationId: string;
  readonly messageId: string;
  readonly topic: string;
  readonly feedback: Feedback;
  /** The model that wrote the answer, from its metadata; null when it names none. */
  readonly model: string | null;
  /** The prompt template version that produced it, from its metadata; null when it names none. */
  readonly promptVersion: { readonly key: string; readonly versionId: string } | null;
  readonly aiResponse: string;
  /** The user's message the answer replied to; null for the coach's opening message. */
  readonly userMessage: string | null;
}

export interface FeedbackPage {
  readonly items: readonly ExportedFeedback[];
  readonly nextCursor: string | null;
}

export interface FeedbackRepository {
  /** Records (or replaces) the feedback on the answer, only while its place still holds it. */
  record(answer: RatedAnswer, feedback: Feedback): Promise<FeedbackWrite>;
  /** Removes the answer's feedback, if any, only while its place still holds it. */
  remove(answer: RatedAnswer): Promise<FeedbackWrite>;
  /**
   * A tenant's feedback, newest first, on answers their conversations still hold; a cursor the
   * repository did not write (or wrote for another tenant or outside the bounds) is an
   * InvalidCursorError.
   */
  export(query: FeedbackQuery): Promise<FeedbackPage>;
}

// The coaching use cases' log lines, written in one place: each names the conversation, its
// owner and its topic; bookkeeping that fails after the user's answer is a warning with its
// reason, never a failure of the request.
import type { Principal } from '../domain/kernel.js';
import type { Logger } from '../observability/logger.js';

interface Subject {
  readonly conversationId: string;
  readonly topic: string;
}

export type TurnOutcomeFields =
  | { readonly outcome: 'ok' }
  | {
      readonly outcome: 'failed';
      readonly error: string;
    };

export function coachingLog(logger: Logger) {
  const who = (principal: Principal, conversation: Subject) => ({
    conversation_id: conversation.conversationId,
    user_id: principal.userId,
    tenant_id: principal.tenantId,
    topic: conversation.topic,
  });
  return {
    /** A step in the conversation's life: initiated, paused, resumed, completed, deleted. */
    event(event: string, principal: Principal, conversation: Subject): void {
      logger.info({ event, ...who(principal, conversation) });
    },

    /** The one line every message turn leaves, answered or failed, with its model and tokens. */
    messageProcessed(
      principal: Principal,
      conversation: Subject,
      outcome: TurnOutcomeFields,
      details: Readonly<Record<string, unknown>>,
    ): void {
      logger.info({
        event: 'message_processed',
        ...outcome,
        ...who(principal, conversation),
        ...details,
      });
    },

    /** Bookkeeping that did not happen (usage, a session's status, a lease's release). */
    notRecorded(event: string, conversationId: string, error: unknown): void {
      logger.warn({ event, conversation_id: conversationId, reason: (error as Error).message });
    },
  };
}

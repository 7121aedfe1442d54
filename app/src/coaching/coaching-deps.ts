// What the coaching use cases work with: the storage, template and model ports, the
// conversation's jobs, metrics, the logger, the turn limit and the clock; and the two rules several of them apply (who owns a
// conversation, which model a template's requests go to).
import type { Principal } from '../domain/principal.js';
import type { CoachingTopic } from '../domain/vocabulary.js';
import { ConversationNotFoundError, PermissionDeniedError } from '../errors.js';
import type { LlmProvider } from '../llm/port.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import type { CoachingTemplate } from '../prompts/template.js';
import type { ConversationRepository, StoredConversation } from './conversation-records.js';
import type { SessionRepository } from './session-records.js';

/**
 * The jobs a conversation's turns ran as (`Prefer: respond-async`), as the coaching use cases
 * see them; jobs/ implements this.
 */
export interface ConversationJobs {
  /** Deletes every job of the conversation, whatever its status. */
  eraseConversation(conversationId: string): Promise<void>;
}

export interface CoachingDeps {
  readonly conversations: ConversationRepository;
  readonly sessions: SessionRepository;
  readonly jobs: ConversationJobs;
  readonly templates: { coaching(topic: CoachingTopic): Promise<CoachingTemplate> };
  readonly llm: LlmProvider;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly maxTurns: number;
  readonly now: () => Date;
}

/** The model a template's requests go to, as the session records it. */
export function modelFor(llm: LlmProvider, template: CoachingTemplate): string {
  return llm.modelFor?.(template.model) ?? llm.name;
}

/** The conversation, when the principal owns it; another tenant's reads as a missing one. */
export function authorize(
  principal: Principal,
  conversationId: string,
  conversation: StoredConversation | undefined,
): StoredConversation {
  if (!conversation || conversation.tenantId !== principal.tenantId) {
    throw new ConversationNotFoundError(conversationId);
  }
  if (conversation.userId !== principal.userId)
    throw new PermissionDeniedError(`conversation ${conversationId}`);
  return conversation;
}

export async function ownedConversation(
  deps: CoachingDeps,
  principal: Principal,
  conversationId: string,
): Promise<StoredConversation> {
  return authorize(principal, conversationId, await deps.conversations.get(conversationId));
}

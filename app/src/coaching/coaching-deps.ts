// What the coaching use cases work with: the storage ports (conversations, feedback on answers,
// sessions), the template and model ports, the spend budgets, the port to the jobs a turn can
// run as, metrics, the logger, the turn limit, each delivery's model budget, the lease's timing and the clock; and the two rules several of them apply (who owns a
// conversation, which model a template's requests go to).
import type { BudgetGate, SpendPricing } from '../budgets/budgets.js';
import type { Principal, CoachingTopic, Delivery } from '../domain/kernel.js';
import { ConversationNotFoundError, PermissionDeniedError } from '../errors.js';
import type { LlmProvider } from '../llm/port.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import type { Served } from '../prompts/catalog.js';
import type { CoachingTemplate } from '../prompts/template.js';
import type { LeaseTiming } from './conversation-lease.js';
import type { ConversationRepository, StoredConversation } from './conversation-records.js';
import type { FeedbackRepository } from './feedback-records.js';
import type { SessionRepository } from './session-records.js';
import type { TurnJobs } from './turn-records.js';

export interface CoachingDeps {
  readonly conversations: ConversationRepository;
  readonly feedback: FeedbackRepository;
  readonly sessions: SessionRepository;
  readonly jobs: TurnJobs;
  /** Each template as served, with the version it came from (which every answer records). */
  readonly templates: { coaching(topic: CoachingTopic): Promise<Served<CoachingTemplate>> };
  /**
   * The model, unmetered: a turn books its own calls, with what they produced (the commit), so
   * that a turn and its spend are counted together, once.
   */
  readonly llm: LlmProvider;
  /** The tenant's and the user's spend budgets, checked as the last step before the model. */
  readonly spendBudgets: BudgetGate;
  /** Prices a finished call into its add to the usage counters (budgets/budgets.ts). */
  readonly priceSpend: SpendPricing;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly maxTurns: number;
  /**
   * A turn's model budget by how it is delivered: LLM_TIMEOUT_MS (within API Gateway's 30 s),
   * LLM_STREAM_TIMEOUT_MS and LLM_ASYNC_TIMEOUT_MS.
   */
  readonly budgets: Readonly<Record<Delivery, number>>;
  readonly leases: LeaseTiming;
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

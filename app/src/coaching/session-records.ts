// A coaching session, the record of one coaching run (the model used, token totals, estimated
// cost, the outcome), and what the coaching use cases need from its storage. The DynamoDB
// adapter in storage/ implements it.
import type { TokenUsage, ConversationStatus } from '../domain/kernel.js';

export interface CoachingSession {
  readonly sessionId: string;
  readonly conversationId: string;
  readonly tenantId: string;
  readonly userId: string;
  readonly topic: string;
  readonly status: ConversationStatus;
  readonly startedAt: string;
  readonly completedAt: string | null;
  readonly model: string;
  readonly provider: string;
  readonly turns: number;
  readonly failedCalls: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly estimatedCostUsd: number;
  readonly outcome?: Readonly<Record<string, unknown>>;
}

export interface ModelCall {
  readonly model: string;
  readonly provider: string;
  readonly usage: TokenUsage;
  readonly costUsd: number;
  readonly failed: boolean;
}

/** Which sessions to list, each served by one of the table's GSIs; newest first. */
export type SessionQuery =
  | { readonly by: 'user'; readonly tenantId: string; readonly userId: string }
  | {
      readonly by: 'topic';
      readonly tenantId: string;
      readonly userId: string;
      readonly topic: string;
    }
  | {
      readonly by: 'tenant';
      readonly tenantId: string;
      /** ISO-8601 bounds on `started_at`, inclusive. */
      readonly from: string;
      readonly to: string;
    };

/**
 * A session's storage, once it exists: it is created with its conversation, and a model call is
 * added to it with what the call produced (conversation-records.ts).
 */
export interface SessionRepository {
  /**
   * After its conversation's erasure: keeps the tenant's usage (tenant, topic, model, token
   * totals, cost, dates) and drops the user id, the conversation and the outcome.
   */
  erase(sessionId: string, at: string): Promise<void>;
  get(sessionId: string): Promise<CoachingSession | undefined>;
  /** At most `limit` sessions matching the query, from its GSI (never a Scan). */
  list(query: SessionQuery, limit?: number): Promise<CoachingSession[]>;
  updateStatus(
    sessionId: string,
    status: ConversationStatus,
    at: string,
    outcome?: Record<string, unknown>,
  ): Promise<void>;
}

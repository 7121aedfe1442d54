// What the coaching use cases need from storage. The DynamoDB adapters in storage/ implement
// these; nothing here knows how.
import type { TokenUsage } from '../domain/usage.js';
import type { ConversationStatus } from '../domain/vocabulary.js';
import type { Conversation, Message } from './conversation.js';

export interface IdempotencyRecord {
  readonly turn: number;
  readonly bodyHash: string;
  /** Epoch milliseconds after which the key is free again. */
  readonly expiresAt: number;
}

/** A conversation as stored, with what only storage needs to know. */
export interface StoredConversation extends Conversation {
  readonly idempotency: Readonly<Record<string, IdempotencyRecord>>;
  /** Set while a message is being processed; the turn's exclusive right to commit. */
  readonly lease?: { readonly id: string; readonly expiresAt: number };
  readonly messageCount: number;
  /** Messages stored inline by the original service, before any turn items. */
  readonly inlineMessages: readonly Message[];
}

export interface TurnLease {
  readonly leaseId: string;
  readonly expiresAt: number;
  readonly idempotencyKey?: string;
  readonly maxUserTurns: number;
  readonly now: number;
}

export type BeginTurnResult =
  | { readonly ok: true; readonly conversation: StoredConversation }
  /** The lease was refused; `current` is the item as it stands (undefined when it is gone). */
  | { readonly ok: false; readonly current?: StoredConversation };

export interface CommittedTurn {
  readonly turn: number;
  readonly messages: readonly [Message, Message];
  /** The response to replay for this Idempotency-Key, when the request had one. */
  readonly idempotency?: {
    readonly key: string;
    readonly record: IdempotencyRecord;
    readonly response: unknown;
  };
}

export interface ListQuery {
  readonly userId: string;
  readonly tenantId: string;
  readonly activeOnly: boolean;
  readonly pageSize: number;
  /** Items to skip (page-based paging); ignored when `cursor` is given. */
  readonly offset: number;
  /** A previous page's `nextCursor`: the page after it, whatever was added since. */
  readonly cursor?: string;
}

export interface ListPage {
  readonly items: readonly StoredConversation[];
  readonly total: number;
  readonly hasMore: boolean;
  /** Where the next page starts, when there is one. */
  readonly nextCursor: string | null;
}

export interface ConversationRepository {
  create(conversation: Conversation, opening: Message): Promise<void>;
  get(conversationId: string): Promise<StoredConversation | undefined>;
  /** The whole history in order: inline (original format) messages, then committed turns. */
  messages(conversation: StoredConversation): Promise<Message[]>;
  /** One page; a cursor the repository did not write is an InvalidCursorError. */
  list(query: ListQuery): Promise<ListPage>;
  beginTurn(
    conversationId: string,
    userId: string,
    tenantId: string,
    lease: TurnLease,
  ): Promise<BeginTurnResult>;
  commitTurn(
    before: StoredConversation,
    after: Conversation,
    lease: TurnLease,
    turn: CommittedTurn,
  ): Promise<boolean>;
  releaseTurn(conversationId: string, leaseId: string): Promise<void>;
  /** The stored response of a turn made with an Idempotency-Key. */
  turnResponse(conversationId: string, turn: number): Promise<unknown>;
  updateStatus(
    conversationId: string,
    from: ConversationStatus,
    to: ConversationStatus,
    changes: {
      readonly updatedAt: string;
      readonly completedAt?: string;
      readonly metadata: Record<string, unknown>;
    },
  ): Promise<boolean>;
  delete(conversationId: string): Promise<void>;
}

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

export interface SessionRepository {
  create(session: CoachingSession): Promise<void>;
  get(sessionId: string): Promise<CoachingSession | undefined>;
  /** At most `limit` sessions matching the query, from its GSI (never a Scan). */
  list(query: SessionQuery, limit?: number): Promise<CoachingSession[]>;
  recordCall(sessionId: string, call: ModelCall, at: string): Promise<void>;
  updateStatus(
    sessionId: string,
    status: ConversationStatus,
    at: string,
    outcome?: Record<string, unknown>,
  ): Promise<void>;
}

// A conversation as the coaching use cases keep it, and what they need from its storage:
// the turn's lease and commit, the history, the list, status changes. The DynamoDB adapter
// in storage/ implements it; nothing here knows how.
import type { SpendAdd } from '../budgets/spend-records.js';
import type { ConversationStatus } from '../domain/kernel.js';
import type { Conversation, Message, TurnUndo } from './conversation-entity.js';
import type { HistoryMessage } from './feedback-records.js';
import type { CoachingSession, ModelCall } from './session-records.js';

export interface IdempotencyRecord {
  readonly turn: number;
  /** The request body's digest, to tell a retry from a reuse of its key. */
  readonly bodyHash: string;
  /** Epoch milliseconds after which the key is free again. */
  readonly expiresAt: number;
  /** The job that ran the turn, when a job did: a retry that prefers a job gets that one. */
  readonly jobId?: string;
}

/** The lease of a turn in flight, as the conversation item holds it. */
export interface StoredLease {
  readonly id: string;
  /** Epoch milliseconds; past it, another turn may take the conversation over. */
  readonly expiresAt: number;
  /** The job that holds it, when a job does. */
  readonly jobId?: string;
  /** The digest of the turn's Idempotency-Key, when it has one. */
  readonly keyDigest?: string;
  /** The digest of the turn's body. */
  readonly bodyHash?: string;
}

/** A conversation as stored, with what only storage needs to know. */
export interface StoredConversation extends Conversation {
  /** Records by the digest of their Idempotency-Key (keyDigest), never by the client's text. */
  readonly idempotency: Readonly<Record<string, IdempotencyRecord>>;
  /** Set while a message is being processed; the turn's exclusive right to commit. */
  readonly lease?: StoredLease;
  readonly messageCount: number;
  /**
   * Turns committed on the item, regenerates included (which leave `turnCount` as it was): a
   * status change decided before one is refused, so `completed_at` follows every message.
   */
  readonly commits: number;
  /** Messages stored inline by the original service, before any turn items. */
  readonly inlineMessages: readonly Message[];
}

export interface TurnLease {
  readonly leaseId: string;
  readonly expiresAt: number;
  /** The digest of the request's Idempotency-Key, when it has one. */
  readonly keyDigest?: string;
  /** The digest of the request's body, to tell a retry of its key from a reuse. */
  readonly bodyHash: string;
  /** The job that takes the lease, when the turn runs as one. */
  readonly jobId?: string;
  readonly maxUserTurns: number;
  /** A regenerate: only a conversation that holds a turn to replace can be leased for it. */
  readonly replacesTurn?: boolean;
  readonly now: number;
}

/** A lease that was granted, with its fencing number: higher than any lease before it. */
export interface HeldLease extends TurnLease {
  readonly fence: number;
}

export type BeginTurnResult =
  | { readonly ok: true; readonly conversation: StoredConversation; readonly lease: HeldLease }
  /** The lease was refused; `current` is the item as it stands (undefined when it is gone). */
  | { readonly ok: false; readonly current?: StoredConversation };

/**
 * A model call's bookkeeping: its line on the conversation's coaching session and its spend on
 * the usage counters. Written with the turn it answered (the commit), or on its own when no
 * turn commits; either way under a token of the lease's, so it is counted once.
 */
export interface CallBooking {
  /** The session and the call's line on it, when the conversation has a session. */
  readonly session?: { readonly sessionId: string; readonly call: ModelCall; readonly at: string };
  readonly spend: SpendAdd;
}

export interface CommittedTurn {
  readonly turn: number;
  readonly messages: readonly [Message, Message];
  /** What the turn changed, kept with it so that a regenerate can give the state before it back. */
  readonly undo: TurnUndo;
  /**
   * Whether the turn replaces the answer of the turn item it writes (a regenerate): the item's
   * feedback goes with the replaced answer; the Idempotency-Keys that answered with it stay, and
   * replay the new one.
   */
  readonly replacing: boolean;
  /** The turn's answer: replayed for the Idempotency-Keys that name the turn, and its job's result. */
  readonly response: unknown;
  /** The Idempotency-Key's record, when the request had one. */
  readonly idempotency?: {
    /** The digest of the Idempotency-Key. */
    readonly keyDigest: string;
    readonly record: IdempotencyRecord;
  };
  /** The model call that answered, booked with the turn. */
  readonly booking: CallBooking;
  /** The job that ran the turn, when one did: it succeeds with the commit, or not at all. */
  readonly job?: { readonly jobId: string; readonly at: Date };
}

/** The last turn, as a regenerate finds it: the user message it answers, and its undo. */
export interface ReplaceableTurn {
  readonly userMessage: Message;
  /** Undefined for a turn stored before turns kept what they changed. */
  readonly undo?: TurnUndo;
}

/**
 * How a commit ended: written, or refused because the conversation moved on (erased, paused,
 * completed, taken over; or the turn's job past its deadline or gone). A commit the store could
 * not be made to answer throws a ServiceUnavailableError instead, once the lease is let go so
 * that the turn can no longer land; only when even that cannot be done is its outcome unknown.
 */
export type CommitOutcome = 'committed' | 'refused';

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
  /** The conversation, its opening message and its session, all or none. */
  create(conversation: Conversation, opening: Message, session: CoachingSession): Promise<void>;
  get(conversationId: string): Promise<StoredConversation | undefined>;
  /**
   * The whole history in order (inline, original format, messages, then committed turns), each
   * answer with its feedback, and the run's session (when it has one and it can be read): in one
   * round trip and, for a history of up to 98 turns, one call besides the conversation's own read.
   */
  history(
    conversation: StoredConversation,
  ): Promise<{ messages: HistoryMessage[]; session?: CoachingSession }>;
  /** One page; a cursor the repository did not write is an InvalidCursorError. */
  list(query: ListQuery): Promise<ListPage>;
  beginTurn(
    conversationId: string,
    userId: string,
    tenantId: string,
    lease: TurnLease,
  ): Promise<BeginTurnResult>;
  /**
   * Writes the turn, its booking and its job's success as one, only if the lease is still held
   * and the conversation still active: nothing of the turn is left behind otherwise. An answer
   * the store lost is resolved (sent again, read back) until `resolveBy` (epoch ms).
   */
  commitTurn(
    before: StoredConversation,
    after: Conversation,
    lease: HeldLease,
    turn: CommittedTurn,
    resolveBy: number,
  ): Promise<CommitOutcome>;
  /** Books a call that no commit carries (it failed, or its turn lost): once per lease. */
  bookCall(lease: HeldLease, booking: CallBooking): Promise<void>;
  /**
   * Moves the lease's expiry on, only while this lease holds the conversation and it is still
   * active: the conversation as it stands, or undefined when the lease is no longer this one's
   * (taken over, released) or the conversation is no longer active (paused, completed, erased).
   */
  renewLease(
    conversationId: string,
    leaseId: string,
    expiresAt: number,
  ): Promise<StoredConversation | undefined>;
  /** Lets the lease go; false when it was no longer this one's (committed, lapsed, erased). */
  releaseTurn(conversationId: string, leaseId: string): Promise<boolean>;
  /** Turn item `turn` of the conversation, when it is whole: what a regenerate replaces. */
  replaceableTurn(
    conversation: StoredConversation,
    turn: number,
  ): Promise<ReplaceableTurn | undefined>;
  /** The stored response of a turn made with an Idempotency-Key. */
  turnResponse(conversationId: string, turn: number): Promise<unknown>;
  /**
   * Changes the status only if neither the status nor the committed turns changed since `seen`;
   * a change whose answer was lost is recognised as this one's when it landed.
   */
  updateStatus(
    seen: StoredConversation,
    to: ConversationStatus,
    changes: {
      readonly updatedAt: string;
      readonly completedAt?: string;
      readonly metadata: Record<string, unknown>;
    },
  ): Promise<boolean>;
  /**
   * The first step of erasing the owner's conversation: from here on it is invisible, refuses
   * every turn and status change, and holds no text. Also resumes an erasure cut short;
   * undefined when the owner has no such conversation.
   */
  beginErasure(conversationId: string, owner: Owner): Promise<Erasure | undefined>;
  /** Erases every turn (a turn still in flight can write none after this) and the item. */
  completeErasure(erasure: Erasure, at: string): Promise<void>;
}

export interface Owner {
  readonly userId: string;
  readonly tenantId: string;
}

/** A conversation being erased: what the rest of the erasure needs. */
export interface Erasure {
  readonly conversationId: string;
  readonly topic: string;
  readonly sessionId?: string;
  readonly turnCount: number;
  /** Higher than the lease of any turn that may still be in flight. */
  readonly fence: number;
}

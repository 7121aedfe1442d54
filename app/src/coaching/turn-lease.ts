// A turn's lease: the conversation item's conditional update that lets exactly one message turn
// proceed, and everything decided before the model is asked. A refused lease becomes the
// contract's answer (a replayed Idempotency-Key's stored result, or the error that says why);
// an unused lease is released so the conversation is exactly as before.
import { createHash, randomUUID } from 'node:crypto';
import type { Principal } from '../domain/principal.js';
import {
  type AppError,
  ConversationBusyError,
  ConversationLimitReachedError,
  ConversationNotFoundError,
  ConversationNotActiveError,
  IdempotencyKeyReusedError,
} from '../errors.js';
import { authorize, type CoachingDeps } from './coaching-deps.js';
import { coachingLog } from './coaching-log.js';
import type { HeldLease, StoredConversation, TurnLease } from './conversation-records.js';
import type { MessageInput, TurnResult } from './message-turn.js';

/**
 * A turn holds its lease for its model budget plus this margin (the storage calls around the
 * model), before the lease lapses and another request may take over.
 */
const LEASE_MARGIN_MS = 8_000;
/** The budget of a turn that names none: a buffered turn's (LLM_TIMEOUT_MS's default). */
const DEFAULT_BUDGET_MS = 22_000;

/**
 * A short, fixed-size digest (128 bits). Idempotency keys are compared and stored by digest:
 * the client chooses a key's text (`__proto__`, `constructor`, …), so it never becomes a name.
 */
const digest = (text: string): string =>
  createHash('sha256').update(text).digest('base64url').slice(0, 22);

/** A conversation leased for one turn: only this turn can commit until the lease lapses. */
export interface LeasedTurn {
  readonly conversation: StoredConversation;
  readonly lease: HeldLease;
  /** Identifies the request's body for its Idempotency-Key. */
  readonly bodyHash: string;
  /** The digest of the request's Idempotency-Key, when it has one. */
  readonly keyDigest?: string;
  /** Epoch milliseconds, once the lease was won: the user message's time. */
  readonly startedAt: number;
}

export type TurnStart = LeasedTurn | { readonly replay: TurnResult };

export async function leaseTurn(
  deps: CoachingDeps,
  principal: Principal,
  conversationId: string,
  input: MessageInput,
): Promise<TurnStart> {
  const bodyHash = digest(JSON.stringify([input.userMessage, input.metadata]));
  const keyDigest = input.idempotencyKey === undefined ? undefined : digest(input.idempotencyKey);
  const now = deps.now().getTime();
  const lease: TurnLease = {
    leaseId: randomUUID(),
    now,
    expiresAt: now + (input.budgetMs ?? DEFAULT_BUDGET_MS) + LEASE_MARGIN_MS,
    keyDigest,
    maxUserTurns: deps.maxTurns,
  };
  const begun = await deps.conversations.beginTurn(
    conversationId,
    principal.userId,
    principal.tenantId,
    lease,
  );
  if (begun.ok) {
    const startedAt = deps.now().getTime();
    return { conversation: begun.conversation, lease: begun.lease, bodyHash, keyDigest, startedAt };
  }
  const conversation = authorize(principal, conversationId, begun.current);
  return { replay: await refusal(deps, conversationId, conversation, lease, bodyHash) };
}

/** Explains why a turn's lease was refused: a replay of the same request, or the error. */
async function refusal(
  deps: CoachingDeps,
  conversationId: string,
  conversation: StoredConversation,
  lease: TurnLease,
  bodyHash: string,
): Promise<TurnResult> {
  const { keyDigest } = lease;
  const record =
    keyDigest !== undefined && Object.hasOwn(conversation.idempotency, keyDigest)
      ? conversation.idempotency[keyDigest]
      : undefined;
  if (record && record.expiresAt >= lease.now) {
    if (record.bodyHash !== bodyHash) throw new IdempotencyKeyReusedError();
    const replay = await deps.conversations.turnResponse(conversationId, record.turn);
    if (replay) return replay as TurnResult;
  }
  if (conversation.status !== 'active') {
    throw new ConversationNotActiveError(conversationId, conversation.status, 'send a message');
  }
  if (conversation.userTurns >= deps.maxTurns) {
    throw new ConversationLimitReachedError(conversationId, deps.maxTurns);
  }
  // The real wait: the lease's holder may have crashed, and then it lapses only at its expiry.
  const waitMs = (conversation.lease?.expiresAt ?? lease.now) - lease.now;
  throw new ConversationBusyError(conversationId, Math.max(1, Math.floor(waitMs / 1000) + 1));
}

/**
 * Why a leased turn could not commit: the conversation was erased (404), paused or completed
 * (409 not active), or the lease lapsed and another turn took over (409 busy).
 */
export async function lostTurn(deps: CoachingDeps, turn: LeasedTurn): Promise<AppError> {
  const { conversationId } = turn.conversation;
  const current = await deps.conversations.get(conversationId);
  if (!current) return new ConversationNotFoundError(conversationId);
  if (current.status !== 'active') {
    return new ConversationNotActiveError(conversationId, current.status, 'send a message');
  }
  return new ConversationBusyError(conversationId);
}

/** Frees the conversation for the next turn; a store that cannot be reached lets it lapse. */
export async function releaseLease(deps: CoachingDeps, turn: LeasedTurn): Promise<void> {
  const { conversationId } = turn.conversation;
  await deps.conversations
    .releaseTurn(conversationId, turn.lease.leaseId)
    .catch((error: Error) =>
      coachingLog(deps.logger).notRecorded('turn_lease_not_released', conversationId, error),
    );
}

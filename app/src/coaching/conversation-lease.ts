// A turn's lease on its conversation: the conditional update that lets exactly one turn proceed,
// short and renewed by its live holder while the turn works, so a second caller is told a real,
// short wait and a holder that died frees the conversation within seconds. Everything that can
// refuse a turn is decided when the lease is asked for: a refusal becomes the contract's answer
// (the key's stored answer, the key's job still running, or the error that says why). A lease let
// go unused leaves the conversation exactly as before.
import { randomUUID } from 'node:crypto';
import { bodyDigest, digest, isBodyDigest, type Principal } from '../domain/kernel.js';
import {
  type AppError,
  ConversationBusyError,
  ConversationLimitReachedError,
  ConversationNotActiveError,
  ConversationNotFoundError,
  IdempotencyKeyReusedError,
  NothingToRegenerateError,
} from '../errors.js';
import { authorize, type CoachingDeps } from './coaching-deps.js';
import { coachingLog } from './coaching-log.js';
import type { StoredConversation, StoredLease, TurnLease } from './conversation-records.js';
import { placeMessageId } from './conversation-entity.js';
import { isRegenerate, type LeasedTurn, type TurnInput, type TurnResult } from './turn-records.js';

export interface LeaseTiming {
  /** How long a lease holds unrenewed: a holder that died frees the conversation by then. */
  readonly ttlMs: number;
  /** How often its live holder renews it. */
  readonly renewEveryMs: number;
}

/**
 * The contract asks that a holder that died free the conversation within 15 s; a live holder
 * renews its lease three times within its lifetime, so one slow renewal never loses it. A turn
 * that ends within the first period (the common, fast one) writes no renewal at all.
 */
export const LEASE_TIMING: LeaseTiming = { ttlMs: 10_000, renewEveryMs: 3_000 };

/** What a second caller is told to wait while the holder is alive (the contract: at most 2). */
const LIVE_HOLDER_WAIT_SECONDS = 1;

/** A lease that was won, with the conversation as it stood then. */
export interface WonLease extends LeasedTurn {
  readonly conversation: StoredConversation;
}

export type LeaseOutcome =
  | { readonly won: WonLease }
  /**
   * The key's turn was answered before: its answer as the turn now stands, and the id of the job
   * that holds it (the one that ran the turn, or one the answer names, made when first asked for).
   */
  | { readonly replay: TurnResult; readonly jobId: string }
  /** A job asked with the key of a job still running: that job, and the lease it holds. */
  | { readonly runningJob: string; readonly leaseId: string };

export interface Holder {
  /** The job that asks for the lease, when the turn runs as one. */
  readonly jobId?: string;
  /** How long the lease holds before its first renewal. */
  readonly holdMs: number;
}

/** Only a job joins the job its key already names; any other turn is told the key is busy. */
export function takeLease(
  deps: CoachingDeps,
  principal: Principal,
  conversationId: string,
  input: TurnInput,
  holder: { readonly holdMs: number },
): Promise<Exclude<LeaseOutcome, { readonly runningJob: string; readonly leaseId: string }>>;
export function takeLease(
  deps: CoachingDeps,
  principal: Principal,
  conversationId: string,
  input: TurnInput,
  holder: Holder,
): Promise<LeaseOutcome>;
export async function takeLease(
  deps: CoachingDeps,
  principal: Principal,
  conversationId: string,
  input: TurnInput,
  holder: Holder,
): Promise<LeaseOutcome> {
  const now = deps.now().getTime();
  const { idempotencyKey } = input;
  const regenerate = isRegenerate(input);
  const body = regenerate ? ['regenerate'] : [input.userMessage, input.metadata];
  const lease: TurnLease = {
    leaseId: randomUUID(),
    now,
    expiresAt: now + holder.holdMs,
    // A regenerate's keys are its own: its digest can never be a message key's, so neither
    // route ever answers with the other's turn.
    keyDigest:
      idempotencyKey === undefined
        ? undefined
        : digest(regenerate ? `${REGENERATE_KEY_SCOPE}${idempotencyKey}` : idempotencyKey),
    bodyHash: bodyDigest(body),
    jobId: holder.jobId,
    // A regenerate replaces the last turn and adds none: a conversation at the limit may have it.
    maxUserTurns: regenerate ? deps.maxTurns + 1 : deps.maxTurns,
    replacesTurn: regenerate,
  };
  const begun = await deps.conversations.beginTurn(
    conversationId,
    principal.userId,
    principal.tenantId,
    lease,
  );
  if (begun.ok) {
    const startedAt = deps.now().getTime();
    return {
      won: { conversationId, conversation: begun.conversation, lease: begun.lease, startedAt },
    };
  }
  const conversation = authorize(principal, conversationId, begun.current);
  return refusal(deps, conversation, lease, { regenerate, body });
}

/** Heads a regenerate's key before its digest: no message key (printable text) starts so. */
const REGENERATE_KEY_SCOPE = '\u0000regenerate\u0000';

/** What a refused turn was asked to do, as its error says. */
export const turnAction = (regenerate: boolean) =>
  regenerate ? 'regenerate an answer' : 'send a message';

/** Explains why a turn's lease was refused: an answer for the same request, or the error. */
async function refusal(
  deps: CoachingDeps,
  conversation: StoredConversation,
  lease: TurnLease,
  { regenerate, body }: { readonly regenerate: boolean; readonly body: unknown },
): Promise<LeaseOutcome> {
  const { conversationId } = conversation;
  const { keyDigest } = lease;
  if (keyDigest !== undefined) {
    const record = Object.hasOwn(conversation.idempotency, keyDigest)
      ? conversation.idempotency[keyDigest]
      : undefined;
    if (record && record.expiresAt >= lease.now) {
      if (!isBodyDigest(record.bodyHash, body)) throw new IdempotencyKeyReusedError();
      const stored = await deps.conversations.turnResponse(conversationId, record.turn);
      if (stored) {
        const replay = storedAnswer(stored, record.turn);
        // Named by the key and the answer, so every retry of the key asks for the same job.
        const answerJob = `job_${digest(JSON.stringify([conversationId, keyDigest, replay.messageId]))}`;
        return { replay, jobId: record.jobId ?? answerJob };
      }
    }
    const held = conversation.lease;
    if (held?.keyDigest === keyDigest && held.expiresAt >= lease.now) {
      if (held.bodyHash === undefined || !isBodyDigest(held.bodyHash, body)) {
        throw new IdempotencyKeyReusedError();
      }
      if (lease.jobId !== undefined && held.jobId !== undefined) {
        return { runningJob: held.jobId, leaseId: held.id };
      }
    }
  }
  if (conversation.status !== 'active') {
    throw new ConversationNotActiveError(
      conversationId,
      conversation.status,
      turnAction(regenerate),
    );
  }
  if (!regenerate && conversation.userTurns >= deps.maxTurns) {
    throw new ConversationLimitReachedError(conversationId, deps.maxTurns);
  }
  // A turn in flight may yet give a fresh conversation an answer to regenerate: busy first.
  const holder = conversation.lease;
  const held = holder !== undefined && holder.expiresAt >= lease.now;
  if (regenerate && conversation.turnCount === 0 && !held) {
    throw new NothingToRegenerateError(
      conversationId,
      nothingToRegenerate(conversation, undefined),
    );
  }
  throw busy(deps, conversationId, conversation.lease);
}

/** Why a conversation has no answer to regenerate, as its 409 says. */
export function nothingToRegenerate(conversation: StoredConversation, last: unknown): string {
  if (conversation.turnCount > 0) {
    return last === undefined
      ? 'its last turn cannot be read whole'
      : 'its last answer was stored before answers could be regenerated';
  }
  return conversation.inlineMessages.length > 0
    ? 'its history was kept by the original service, which did not keep what each answer changed'
    : 'it holds only the coach’s opening message';
}

/**
 * A keyed turn's stored answer, to replay. One stored before messages had ids names none: its
 * answer is the turn item's second message, whose id is then derived from that place.
 */
const storedAnswer = (stored: unknown, turn: number): TurnResult =>
  ({
    messageId: placeMessageId({ kind: 'turn', turn, slot: 1 }),
    ...(stored as Partial<TurnResult>),
  }) as TurnResult;

/**
 * 409 busy, with the real wait. A live holder renews every period, so its lease always has more
 * than `ttlMs - renewEveryMs` left: then the wait is a short poll, since nobody knows when the
 * holder's model will answer. Less than that, allowing for one late renewal, and the holder has
 * stopped renewing: the wait is the time until its lease lapses.
 */
export function busy(
  deps: Pick<CoachingDeps, 'now' | 'leases'>,
  conversationId: string,
  held: StoredLease | undefined,
): ConversationBusyError {
  const left = (held?.expiresAt ?? 0) - deps.now().getTime();
  const live = left > deps.leases.ttlMs - 2 * deps.leases.renewEveryMs;
  const waitSeconds = live ? LIVE_HOLDER_WAIT_SECONDS : Math.max(1, Math.ceil(left / 1000));
  return new ConversationBusyError(conversationId, waitSeconds, held?.jobId);
}

/** A lease kept alive while its turn works. */
export interface KeptLease {
  /** Aborted once a renewal finds the lease lost: the turn can no longer commit. */
  readonly lost: AbortSignal;
  /** Stops renewing, once a renewal in flight has settled. */
  stop(): Promise<void>;
}

/**
 * Renews the lease every period until stopped. A renewal refused (the lease taken over or let
 * go, the conversation paused, completed or erased) marks it lost; one the store did not answer
 * is tried again next period, while the commit's own condition still keeps a lapsed lease from
 * committing.
 */
export function keepLease(deps: CoachingDeps, turn: LeasedTurn): KeptLease {
  const lost = new AbortController();
  const { conversationId, lease } = turn;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let renewal: Promise<void> = Promise.resolve();
  const renew = async () => {
    try {
      const expiresAt = deps.now().getTime() + deps.leases.ttlMs;
      const held = await deps.conversations.renewLease(conversationId, lease.leaseId, expiresAt);
      if (!held) lost.abort();
    } catch (error) {
      coachingLog(deps.logger).notRecorded('turn_lease_not_renewed', conversationId, error);
    }
  };
  const schedule = () => {
    if (stopped || lost.signal.aborted) return;
    timer = setTimeout(() => {
      renewal = renew().then(schedule);
    }, deps.leases.renewEveryMs);
  };
  schedule();
  return {
    lost: lost.signal,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await renewal;
    },
  };
}

/**
 * Why a leased turn cannot commit: the conversation was erased (404), paused or completed
 * (409 not active), or another turn holds it now (409 busy).
 */
export async function lostTurn(
  deps: CoachingDeps,
  turn: LeasedTurn,
  regenerate: boolean,
): Promise<AppError> {
  const { conversationId } = turn;
  const current = await deps.conversations.get(conversationId);
  if (!current) return new ConversationNotFoundError(conversationId);
  if (current.status !== 'active') {
    return new ConversationNotActiveError(conversationId, current.status, turnAction(regenerate));
  }
  return busy(deps, conversationId, current.lease);
}

/** Frees the conversation for the next turn; a store that cannot be reached lets it lapse. */
export async function releaseLease(deps: CoachingDeps, turn: LeasedTurn): Promise<void> {
  const { conversationId } = turn;
  await deps.conversations
    .releaseTurn(conversationId, turn.lease.leaseId)
    .catch((error: Error) =>
      coachingLog(deps.logger).notRecorded('turn_lease_not_released', conversationId, error),
    );
}

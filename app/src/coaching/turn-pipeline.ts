// How a coaching turn works. However its answer is delivered (buffered: the response; stream: the
// coach's words as the model writes them; job: run by a worker and polled), a turn is one
// pipeline of steps, each one call down:
//
//   lease    the conversation is this turn's alone (conversation-lease.ts); everything that can
//            refuse the turn is decided here, before the model is asked: a replayed key, busy,
//            not active, the turn limit, nothing to regenerate. A job's turn is leased when the
//            job is accepted, and its worker resumes it under that lease. A regenerate reads the
//            last turn here and builds on the conversation as it was before it (conversation-entity.ts).
//   budget   the tenant and the user have budget left (budgets/budgets.ts): the last check before
//            the model, after the lease decided a replay (which is never refused); a spent budget
//            is the 429, the lease let go and nothing stored. A job is checked when accepted (no
//            202, no job) and again by its worker, whose job then fails with that 429.
//   ask      the coach answers (coach-request.ts) within the delivery's budget, while the lease
//            is renewed; a renewal that finds the lease lost stops the model.
//   apply    the answer becomes the turn's two messages and the conversation's next state
//            (the entity's rules: conversation-entity.ts), and what the turn changed is kept
//            with it so that a regenerate can undo it.
//   commit   one transaction, for the lease's holder only, while the conversation is active:
//            the turn (a regenerate's over the turn it replaces, its feedback going with it),
//            the call's line on the session and its spend on the usage counters, and
//            a job's success, all or none; a turn that lost to a pause, complete, erasure or
//            takeover says which. An answer the store lost is resolved before anyone is told:
//            the turn landed (its answer), or it never will (503, nothing stored).
//   record   the metrics and the log line; a call no commit carries is booked on its own.
//   release  a turn that did not commit lets the conversation go, exactly as it was.
import {
  type AcceptedJob,
  newId,
  type Principal,
  type TokenUsage,
  type Delivery,
} from '../domain/kernel.js';
import { asAppError, NothingToRegenerateError, UnresolvedWriteError } from '../errors.js';
import type { StreamSink, StructuredResult } from '../llm/port.js';
import { estimateCostUsd } from '../llm/pricing.js';
import type { Served } from '../prompts/catalog.js';
import { spendFields } from '../budgets/budgets.js';
import type { CoachingTemplate } from '../prompts/template.js';
import {
  answerMetadata,
  applyTurn,
  type Conversation,
  type Message,
  mintMessageId,
  isComplete,
  phaseProgress,
  turnUndo,
  undoTurn,
} from './conversation-entity.js';
import { type CoachAnswer, coachRequest, turnAttribution } from './coach-request.js';
import { modelFor, type CoachingDeps } from './coaching-deps.js';
import { coachingLog } from './coaching-log.js';
import type { CallBooking, CommitOutcome, CommittedTurn } from './conversation-records.js';
import {
  busy,
  keepLease,
  lostTurn,
  nothingToRegenerate,
  releaseLease,
  takeLease,
  type KeptLease,
  type WonLease,
} from './conversation-lease.js';
import { isRegenerate, type LeasedTurn, type TurnInput, type TurnResult } from './turn-records.js';

export type TurnOutcome =
  | { readonly delivery: 'buffered'; readonly result: TurnResult }
  /** The turn may go ahead; `answer` runs it, its words going to the sink as they come. */
  | { readonly delivery: 'stream'; readonly answer: (sink: StreamSink) => Promise<TurnResult> }
  | { readonly delivery: 'job'; readonly job: AcceptedJob };

/** A message sent to a conversation, or its last one again, answered the way the client asked. */
export async function sendMessage(
  deps: CoachingDeps,
  principal: Principal,
  conversationId: string,
  input: TurnInput,
  delivery: Delivery,
  requestId: string,
): Promise<TurnOutcome> {
  if (delivery === 'job') {
    return { delivery, job: await queueTurn(deps, principal, conversationId, input, requestId) };
  }
  const start = await takeLease(deps, principal, conversationId, input, {
    holdMs: deps.leases.ttlMs,
  });
  if ('replay' in start) {
    const { replay } = start;
    if (delivery === 'buffered') return { delivery, result: replay };
    return {
      delivery,
      answer: (sink) => {
        sink.delta(replay.aiResponse);
        return Promise.resolve(replay);
      },
    };
  }
  const { turn, userMessage, replacing } = await turnBasis(deps, start.won, input);
  const template = await leasedTemplate(deps, turn);
  await budgetLeft(deps, principal, turn);
  const run = { principal, turn, template, userMessage, replacing, delivery };
  if (delivery === 'buffered') return { delivery, result: await runTurn(deps, run) };
  return { delivery, answer: (sink) => runTurn(deps, run, sink) };
}

/**
 * The job delivery: the turn is leased now, for as long as its job may wait for a worker, and
 * handed to the job. A key whose turn was answered names the job that holds its answer (the job
 * that ran the turn, or one made of the answer once); a key whose job still runs names that job.
 */
async function queueTurn(
  deps: CoachingDeps,
  principal: Principal,
  conversationId: string,
  input: TurnInput,
  requestId: string,
): Promise<AcceptedJob> {
  const jobId = newId('job');
  const start = await takeLease(deps, principal, conversationId, input, {
    jobId,
    holdMs: deps.jobs.startWithinMs + deps.leases.ttlMs,
  });
  if ('runningJob' in start) {
    const running = await deps.jobs.find(start.runningJob);
    if (running && running.status !== 'failed') return running;
    // The key's job failed, and its worker could not let the lease go (the store failed it):
    // nothing of that turn was stored, so its lease goes now and the client's retry runs anew.
    if (running) await deps.conversations.releaseTurn(conversationId, start.leaseId);
    throw busy(deps, conversationId, undefined);
  }
  if ('replay' in start) {
    const { replay, jobId: answerJobId } = start;
    return (
      (await deps.jobs.find(answerJobId)) ??
      deps.jobs.answered({
        jobId: answerJobId,
        principal,
        conversationId,
        result: replay,
        requestId,
      })
    );
  }
  // A regenerate with nothing to regenerate is refused now, not by its job.
  await turnBasis(deps, start.won, input);
  // The job keeps the leased turn, not the conversation as it reads now: its worker reads it
  // again under the lease.
  const { conversation: _readAgainByTheWorker, ...turn } = start.won;
  await budgetLeft(deps, principal, turn);
  return underLease(deps, turn, () =>
    deps.jobs.queue({ jobId, principal, turn, input, requestId }),
  );
}

/**
 * A job's worker picks its turn up. The lease held unrenewed while the job waited; renewing it
 * now reads the conversation under it. A pause, complete or erasure that landed meanwhile wins:
 * the lease goes and the job fails with what the turn would have answered.
 */
export async function resumeTurn(
  deps: CoachingDeps,
  principal: Principal,
  turn: LeasedTurn,
  input: TurnInput,
): Promise<TurnResult> {
  const { conversationId, lease } = turn;
  const expiresAt = deps.now().getTime() + deps.leases.ttlMs;
  const conversation = await deps.conversations.renewLease(
    conversationId,
    lease.leaseId,
    expiresAt,
  );
  if (!conversation) {
    const lost = await lostTurn(deps, turn, isRegenerate(input));
    await releaseLease(deps, turn);
    throw lost;
  }
  const basis = await turnBasis(deps, { ...turn, conversation }, input);
  const template = await leasedTemplate(deps, basis.turn);
  await budgetLeft(deps, principal, basis.turn);
  return runTurn(deps, { principal, ...basis, template, delivery: 'job' });
}

/** A leased turn, ready to be asked: what its answer builds on, and what it answers. */
interface TurnBasis {
  /** The lease, with the conversation the answer builds on (for a regenerate, as it was). */
  readonly turn: WonLease;
  /** The user message the answer answers: the new one, or the replaced answer's, as it is. */
  readonly userMessage: Message;
  /** Whether the answer replaces the last one (a regenerate). */
  readonly replacing: boolean;
}

/**
 * What the turn answers, on what. A regenerate builds on the conversation as it was before the
 * last turn, undone with what that turn kept; a conversation whose history does not end with an
 * answer this service can undo exactly has nothing to regenerate, and the lease goes.
 */
async function turnBasis(deps: CoachingDeps, turn: WonLease, input: TurnInput): Promise<TurnBasis> {
  const { conversation } = turn;
  if (!isRegenerate(input)) {
    // Never before the conversation's last change, whatever the clock of the instance behind it.
    const timestamp = later(new Date(turn.startedAt).toISOString(), conversation.updatedAt);
    const userMessage: Message = {
      // The turn item this turn writes holds the user's message, then the coach's answer.
      messageId: mintMessageId(conversation.turnCount + 1, 0),
      role: 'user',
      content: input.userMessage,
      timestamp,
      metadata: input.metadata,
    };
    return { turn, userMessage, replacing: false };
  }
  // The lease's own condition grants a regenerate only a conversation with a turn to replace.
  const last = await underLease(deps, turn, () =>
    deps.conversations.replaceableTurn(conversation, conversation.turnCount),
  );
  if (!last?.undo) {
    await releaseLease(deps, turn);
    throw new NothingToRegenerateError(
      turn.conversationId,
      nothingToRegenerate(conversation, last),
    );
  }
  return {
    turn: { ...turn, conversation: undoTurn(conversation, last.undo) },
    userMessage: last.userMessage,
    replacing: true,
  };
}

/** A step under the lease before the model: if it throws, the lease goes, the conversation as it was. */
async function underLease<T>(
  deps: CoachingDeps,
  turn: LeasedTurn,
  step: () => Promise<T>,
): Promise<T> {
  try {
    return await step();
  } catch (error) {
    await releaseLease(deps, turn);
    throw error;
  }
}

/** The conversation's template, read under the lease. */
function leasedTemplate(deps: CoachingDeps, turn: WonLease): Promise<Served<CoachingTemplate>> {
  return underLease(deps, turn, () => deps.templates.coaching(turn.conversation.topic));
}

/** The budget step: a tenant or user whose budget is spent gets the 429, and the lease goes. */
function budgetLeft(deps: CoachingDeps, principal: Principal, turn: LeasedTurn): Promise<void> {
  return underLease(deps, turn, () => deps.spendBudgets.assertWithinBudget(principal));
}

/** A leased turn on its way to the model: for whom, on what, with which template, delivered how. */
interface LeasedRun extends TurnBasis {
  readonly principal: Principal;
  readonly template: Served<CoachingTemplate>;
  readonly delivery: Delivery;
}

/** Ask, apply, commit and record on a leased conversation; unless committed, release it. */
async function runTurn(deps: CoachingDeps, run: LeasedRun, sink?: StreamSink): Promise<TurnResult> {
  const { principal, turn } = run;
  const lease = keepLease(deps, turn);
  let committed = false;
  try {
    const answer = await ask(deps, run, lease, sink);
    const applied = applyAnswer(run, answer, deps.now());
    const outcome = lease.lost.aborted ? 'refused' : await commit(deps, turn, applied, answer);
    if (outcome === 'refused') {
      await bookCall(deps, turn, bookingOf(deps, turn, answerCall(answer), true));
      throw await lostTurn(deps, turn, run.replacing);
    }
    committed = true;
    recordTurn(deps, principal, run, applied.after, answer);
    return applied.result;
  } finally {
    await lease.stop();
    if (!committed) await releaseLease(deps, turn);
  }
}

/**
 * How long a commit whose answer was lost is sent again before it is read back: a store that
 * recovers within it stores the turn, and the route still answers within API Gateway's 30 s.
 */
const COMMIT_RESOLVE_MS = 6000;

/**
 * The turn, its call's booking and its job's success, as one. A commit that did not land (the
 * store's failure, resolved) leaves its call to be booked on its own; one whose outcome stayed
 * unknown may have carried it, so it is only logged.
 */
async function commit(
  deps: CoachingDeps,
  turn: WonLease,
  applied: AppliedTurn,
  answer: StructuredResult<CoachAnswer>,
): Promise<CommitOutcome> {
  const call = answerCall(answer);
  try {
    return await deps.conversations.commitTurn(
      turn.conversation,
      applied.after,
      turn.lease,
      committedTurn(turn, applied, bookingOf(deps, turn, call, false), deps.now()),
      deps.now().getTime() + COMMIT_RESOLVE_MS,
    );
  } catch (error) {
    if (error instanceof UnresolvedWriteError) {
      coachingLog(deps.logger).notRecorded('turn_outcome_unknown', turn.conversationId, error);
    } else await bookCall(deps, turn, bookingOf(deps, turn, call, true));
    throw error;
  }
}

/** The coach's answer, within the delivery's budget and only while the lease holds. */
async function ask(
  deps: CoachingDeps,
  { principal, turn, template, userMessage, replacing, delivery }: LeasedRun,
  lease: KeptLease,
  sink: StreamSink | undefined,
): Promise<StructuredResult<CoachAnswer>> {
  const request = coachRequest(turn.conversation, template, userMessage.content, {
    timeoutMs: deps.budgets[delivery],
    signal: lease.lost,
  });
  try {
    return await (sink ? deps.llm.stream(request, sink) : deps.llm.generate(request));
  } catch (thrown) {
    // A lost lease stopped the call: the turn says why it cannot commit, not how the call ended.
    const error = lease.lost.aborted ? await lostTurn(deps, turn, replacing) : thrown;
    recordFailedCall(deps, principal, turn, template, error);
    const usage = (error as { usage?: TokenUsage }).usage;
    if (usage) {
      const call = { model: modelFor(deps.llm, template), provider: deps.llm.name, usage };
      await bookCall(deps, turn, bookingOf(deps, turn, { ...call, answered: false }, true));
    }
    throw error;
  }
}

// ---- apply: the answer becomes the turn's two messages and the conversation's next state ----

/** How long an Idempotency-Key replays its turn's answer. */
const IDEMPOTENCY_MS = 24 * 60 * 60 * 1000;

/** The later of two ISO-8601 UTC timestamps of the same format. */
const later = (a: string, b: string): string => (a > b ? a : b);

interface AppliedTurn {
  /** The turn item's number. */
  readonly number: number;
  /** The conversation as it stands once the turn is committed. */
  readonly after: Conversation;
  readonly messages: readonly [Message, Message];
  readonly result: TurnResult;
  /** Whether the turn replaces the last answer (a regenerate). */
  readonly replacing: boolean;
}

function applyAnswer(
  { turn, template, userMessage, replacing }: LeasedRun,
  answer: StructuredResult<CoachAnswer>,
  now: Date,
): AppliedTurn {
  const reply = answer.output;
  const number = turn.conversation.turnCount + 1;
  const assistantMessage: Message = {
    messageId: mintMessageId(number, 1),
    role: 'assistant',
    content: reply.ai_response,
    timestamp: later(now.toISOString(), userMessage.timestamp),
    metadata: answerMetadata(answer.model, template.promptVersion),
  };
  const after = applyTurn(
    turn.conversation,
    userMessage,
    assistantMessage,
    {
      aiResponse: reply.ai_response,
      followUpQuestion: reply.follow_up_question,
      insights: reply.insights,
      identifiedValues: reply.identified_values,
      resultStatus: reply.result_status,
    },
    template,
  );
  const result: TurnResult = {
    conversationId: turn.conversationId,
    messageId: assistantMessage.messageId,
    aiResponse: reply.ai_response,
    followUpQuestion: reply.follow_up_question,
    phase: after.phase,
    progress: phaseProgress[after.phase],
    isComplete: isComplete(after),
    insights: after.insights,
    identifiedValues: after.identifiedValues,
    nextSteps: reply.next_steps,
  };
  return { number, after, messages: [userMessage, assistantMessage], result, replacing };
}

/**
 * What the commit writes: the turn's number, its messages and answer, the key's record, the
 * call's booking and, for a job's turn, the job's success.
 */
function committedTurn(
  turn: WonLease,
  applied: AppliedTurn,
  booking: CallBooking,
  at: Date,
): CommittedTurn {
  const { number } = applied;
  const { keyDigest, bodyHash, jobId } = turn.lease;
  return {
    turn: number,
    messages: applied.messages,
    undo: turnUndo(turn.conversation, applied.after),
    replacing: applied.replacing,
    response: applied.result,
    idempotency:
      keyDigest === undefined
        ? undefined
        : {
            keyDigest,
            record: { turn: number, bodyHash, expiresAt: turn.startedAt + IDEMPOTENCY_MS, jobId },
          },
    booking,
    job: jobId === undefined ? undefined : { jobId, at },
  };
}

// ---- record: the call's booking, the metrics and the log line ----
// A call that failed, or whose turn could not commit, was still paid for, so it is booked too.
// Bookkeeping never fails the turn: the user's answer matters more.

/** A finished model call, as its booking needs it. */
interface FinishedModelCall {
  readonly model: string;
  readonly provider: string;
  readonly usage: TokenUsage;
  /** Whether the model answered (an answer counts as a turn on the usage counters). */
  readonly answered: boolean;
}

const answerCall = (answer: StructuredResult<CoachAnswer>): FinishedModelCall => ({
  model: answer.model,
  provider: answer.provider,
  usage: answer.usage,
  answered: true,
});

/**
 * A call's booking: its line on the session (a turn, or a failed call when no turn came of it)
 * and its spend, priced now. The token metrics are counted here, once per call.
 */
function bookingOf(
  deps: CoachingDeps,
  turn: WonLease,
  call: FinishedModelCall,
  failed: boolean,
): CallBooking {
  const { conversation } = turn;
  const at = deps.now();
  deps.metrics.add('LLMInputTokens', call.usage.inputTokens, 'Count');
  deps.metrics.add('LLMOutputTokens', call.usage.outputTokens, 'Count');
  const spend = deps.priceSpend({
    attribution: turnAttribution(conversation),
    model: call.model,
    usage: call.usage,
    answered: call.answered,
    at,
  });
  const costUsd = estimateCostUsd(call.model, call.usage) ?? 0;
  return {
    session: conversation.sessionId
      ? {
          sessionId: conversation.sessionId,
          call: { model: call.model, provider: call.provider, usage: call.usage, costUsd, failed },
          at: at.toISOString(),
        }
      : undefined,
    spend,
  };
}

/** Books a call no commit carries; a store that cannot take it gets the numbers logged. */
async function bookCall(deps: CoachingDeps, turn: WonLease, booking: CallBooking): Promise<void> {
  try {
    await deps.conversations.bookCall(turn.lease, booking);
  } catch (error) {
    deps.logger.warn({
      event: 'spend_not_recorded',
      conversation_id: turn.conversationId,
      ...spendFields(booking.spend),
      reason: (error as Error).message,
    });
  }
}

/** After the commit: the metrics and the log line. */
function recordTurn(
  deps: CoachingDeps,
  principal: Principal,
  { turn, replacing }: LeasedRun,
  after: Conversation,
  answer: StructuredResult<CoachAnswer>,
): void {
  deps.metrics.add(replacing ? 'AnswerRegenerated' : 'MessageProcessed', 1, 'Count');
  coachingLog(deps.logger).messageProcessed(
    principal,
    turn.conversation,
    { outcome: 'ok' },
    {
      phase: after.phase,
      model: answer.model,
      input_tokens: answer.usage.inputTokens,
      output_tokens: answer.usage.outputTokens,
      duration_ms: deps.now().getTime() - turn.startedAt,
    },
  );
}

/** A model call that failed: the turn's log line with its error. */
function recordFailedCall(
  deps: CoachingDeps,
  principal: Principal,
  turn: WonLease,
  template: CoachingTemplate,
  error: unknown,
): void {
  const usage = (error as { usage?: TokenUsage }).usage;
  coachingLog(deps.logger).messageProcessed(
    principal,
    turn.conversation,
    { outcome: 'failed', error: asAppError(error).code },
    {
      model: modelFor(deps.llm, template),
      input_tokens: usage?.inputTokens ?? 0,
      output_tokens: usage?.outputTokens ?? 0,
      duration_ms: deps.now().getTime() - turn.startedAt,
    },
  );
}

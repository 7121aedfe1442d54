// How a coaching turn works. However its answer is delivered (buffered: the response; stream: the
// coach's words as the model writes them; job: run by a worker and polled), a turn is one
// pipeline of steps, each one call down:
//
//   lease    the conversation is this turn's alone (conversation-lease.ts); everything that can
//            refuse the turn is decided here, before the model is asked: a replayed key, busy,
//            not active, the turn limit. A job's turn is leased when the job is accepted, and its
//            worker resumes it under that lease.
//   ask      the coach answers (coach-request.ts) within the delivery's budget, while the lease
//            is renewed; a renewal that finds the lease lost stops the model.
//   apply    the answer becomes the turn's two messages and the conversation's next state
//            (apply-answer.ts).
//   commit   one conditional write, for the lease's holder only, while the conversation is
//            active; a turn that lost it to a pause, complete, erasure or takeover says which.
//   record   the call's tokens and cost on the session, the metrics, the log line
//            (turn-usage.ts).
//   release  a turn that did not commit lets the conversation go, exactly as it was.
import type { AcceptedJob } from '../domain/accepted-job.js';
import { newId } from '../domain/ids.js';
import type { Principal } from '../domain/principal.js';
import type { Delivery } from '../domain/vocabulary.js';
import type { StreamSink, StructuredResult } from '../llm/port.js';
import type { CoachingTemplate } from '../prompts/template.js';
import { applyAnswer, committedTurn } from './apply-answer.js';
import type { CoachAnswer } from './coach-answer.js';
import { coachRequest } from './coach-request.js';
import type { CoachingDeps } from './coaching-deps.js';
import {
  busy,
  keepLease,
  lostTurn,
  releaseLease,
  takeLease,
  type KeptLease,
  type WonLease,
} from './conversation-lease.js';
import type { LeasedTurn, TurnInput, TurnResult } from './turn-records.js';
import { recordFailedCall, recordTurn, recordUncommitted } from './turn-usage.js';

export type TurnOutcome =
  | { readonly delivery: 'buffered'; readonly result: TurnResult }
  /** The turn may go ahead; `answer` runs it, its words going to the sink as they come. */
  | { readonly delivery: 'stream'; readonly answer: (sink: StreamSink) => Promise<TurnResult> }
  | { readonly delivery: 'job'; readonly job: AcceptedJob };

/** A message sent to a conversation, answered the way the client asked. */
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
  const turn = start.won;
  const run = { principal, turn, template: await leasedTemplate(deps, turn), input, delivery };
  if (delivery === 'buffered') return { delivery, result: await runTurn(deps, run) };
  return { delivery, answer: (sink) => runTurn(deps, run, sink) };
}

/**
 * The job delivery: the turn is leased now, for as long as its job may wait for a worker, and
 * handed to the job. A key whose turn was answered names the job that answered it (or a job that
 * is that answer); a key whose job still runs names that job.
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
    if (running) return running;
    throw busy(deps, conversationId, undefined);
  }
  if ('replay' in start) {
    const answeredBy = start.jobId === undefined ? undefined : await deps.jobs.find(start.jobId);
    return (
      answeredBy ??
      deps.jobs.answered({ principal, conversationId, result: start.replay, requestId })
    );
  }
  const { conversation: _unread, ...turn } = start.won;
  try {
    return await deps.jobs.queue({ jobId, principal, turn, input, requestId });
  } catch (error) {
    await releaseLease(deps, turn);
    throw error;
  }
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
    const lost = await lostTurn(deps, turn);
    await releaseLease(deps, turn);
    throw lost;
  }
  const resumed = { ...turn, conversation };
  const template = await leasedTemplate(deps, resumed);
  return runTurn(deps, { principal, turn: resumed, template, input, delivery: 'job' });
}

/** The conversation's template, read under the lease; a failed read lets the lease go. */
async function leasedTemplate(deps: CoachingDeps, turn: WonLease): Promise<CoachingTemplate> {
  try {
    return await deps.templates.coaching(turn.conversation.topic);
  } catch (error) {
    await releaseLease(deps, turn);
    throw error;
  }
}

/** A leased turn on its way to the model: for whom, on what, with which template, delivered how. */
interface LeasedRun {
  readonly principal: Principal;
  readonly turn: WonLease;
  readonly template: CoachingTemplate;
  readonly input: TurnInput;
  readonly delivery: Delivery;
}

/** Ask, apply, commit and record on a leased conversation; unless committed, release it. */
async function runTurn(deps: CoachingDeps, run: LeasedRun, sink?: StreamSink): Promise<TurnResult> {
  const { principal, turn, template, input } = run;
  const lease = keepLease(deps, turn);
  let committed = false;
  try {
    const answer = await ask(deps, run, lease, sink);
    const applied = applyAnswer(turn, template, input, answer, deps.now());
    committed =
      !lease.lost.aborted &&
      (await deps.conversations.commitTurn(
        turn.conversation,
        applied.after,
        turn.lease,
        committedTurn(turn, applied),
      ));
    if (!committed) {
      await recordUncommitted(deps, turn, answer);
      throw await lostTurn(deps, turn);
    }
    await recordTurn(deps, principal, turn, applied.after, answer);
    return applied.result;
  } finally {
    await lease.stop();
    if (!committed) await releaseLease(deps, turn);
  }
}

/** The coach's answer, within the delivery's budget and only while the lease holds. */
async function ask(
  deps: CoachingDeps,
  { principal, turn, template, input, delivery }: LeasedRun,
  lease: KeptLease,
  sink: StreamSink | undefined,
): Promise<StructuredResult<CoachAnswer>> {
  const request = coachRequest(turn.conversation, template, input.userMessage, {
    timeoutMs: deps.budgets[delivery],
    signal: lease.lost,
  });
  try {
    return await (sink ? deps.llm.stream(request, sink) : deps.llm.generate(request));
  } catch (thrown) {
    // A lost lease stopped the call: the turn says why it cannot commit, not how the call ended.
    const error = lease.lost.aborted ? await lostTurn(deps, turn) : thrown;
    await recordFailedCall(deps, principal, turn, template, error);
    throw error;
  }
}

// The jobs use cases, bound to their dependencies by createJobs: accepting work through the ports
// the coaching and analysis use cases hand their work to, the worker's run, reading a job back,
// and a job's failure as the contract shows it (failing what a stopped server left open is
// recover-jobs.ts). Each story below opens with what it does.
import { randomUUID } from 'node:crypto';
import type { AnalysisJobs, QueuedAnalysis } from '../analysis/analysis-deps.js';
import type { TurnJobs, AnsweredTurn, QueuedTurn } from '../coaching/turn-records.js';
import { type Principal, bodyDigest, isBodyDigest, newId } from '../domain/kernel.js';
import {
  IdempotencyKeyReusedError,
  ServiceUnavailableError,
  JobNotFoundError,
  asAppError,
  errorEnvelope,
} from '../errors.js';
import type { DrainableDispatcher } from './dispatcher.js';
import type { JobDeps } from './job-deps.js';
import type { Job, JobResult, JobWork, JobOutcome, JobError } from './job-records.js';
import { START_WITHIN_MS, JOB_KEPT_MS, jobTimes } from './job-timing.js';
import { failJobs, failUnfinishedJobs } from './recover-jobs.js';

export function createJobs(deps: JobDeps) {
  const turnJobs: TurnJobs = {
    startWithinMs: START_WITHIN_MS,
    queue: (turn) => queueTurn(deps, turn),
    answered: (turn) => answeredTurn(deps, turn),
    find: async (jobId) => {
      const job = await deps.jobs.get(jobId);
      return job && asSeen(job, deps.now());
    },
    eraseConversation: (conversationId) => deps.jobs.eraseConversation(conversationId),
  };
  const analysisJobs: AnalysisJobs = {
    queue: (request) => queueAnalysis(deps, request),
  };
  return {
    turnJobs,
    analysisJobs,
    get: (principal: Principal, jobId: string) => readJob(deps, principal, jobId),
    /** The worker's entry: runs the job once, whoever calls it and however often. */
    run: (jobId: string) => runJob(deps, jobId),
    /** Fails these jobs (a stop cut them off) and frees their conversations. */
    fail: (jobIds: readonly string[]) => failJobs(deps, jobIds),
    /** Fails every job still open (a start-up after a stop) and frees their conversations. */
    failUnfinished: () => failUnfinishedJobs(deps),
    /**
     * A stop of the process that runs them: nothing new starts, running jobs get `graceMs`,
     * and the rest fail (503) with their conversations freed. Nothing to do where jobs run
     * elsewhere.
     */
    async stop(graceMs: number): Promise<{ finished: number; failed: number }> {
      const dispatcher = deps.dispatcher as Partial<DrainableDispatcher>;
      if (!dispatcher.drain) return { finished: 0, failed: 0 };
      const { finished, unfinished } = await dispatcher.drain(graceMs);
      return { finished, failed: await failJobs(deps, unfinished) };
    },
  };
}

export type Jobs = ReturnType<typeof createJobs>;

// ---- accepting work ----
// Accepting work as a job (`Prefer: respond-async`): the job is stored, then handed to the
// dispatcher, and the caller gets it back to answer 202. Everything a synchronous call decides
// before the model is asked has been decided by then: a message's turn comes here leased and
// within its budgets (the turn pipeline took its conversation's lease, and its Idempotency-Key
// is the conversation's); an analysis's Idempotency-Key names its job here, until that job fails
// (then the key is free, as for a failed turn), and its budgets are checked once the key names
// no job.

interface NewJob {
  readonly jobId?: string;
  readonly principal: Principal;
  readonly requestId: string;
  /** What to run, or (as `result`) the answer the job already is: it keeps no request text. */
  readonly content:
    { readonly work: JobWork } | { readonly result: JobResult; readonly conversationId: string };
}

function newJob(deps: JobDeps, spec: NewJob): Job {
  const acceptedAt = deps.now().getTime();
  const at = new Date(acceptedAt).toISOString();
  const { content } = spec;
  const kind = 'work' in content ? content.work.kind : content.result.kind;
  const conversationId =
    'work' in content
      ? content.work.kind === 'message'
        ? content.work.conversationId
        : null
      : content.conversationId;
  return {
    jobId: spec.jobId ?? newId('job'),
    kind,
    status: 'work' in content ? 'queued' : 'succeeded',
    userId: spec.principal.userId,
    tenantId: spec.principal.tenantId,
    conversationId,
    createdAt: at,
    updatedAt: at,
    ...jobTimes(acceptedAt, deps.budgetMs),
    requestId: spec.requestId,
    work: 'work' in content ? content.work : null,
    result: 'result' in content ? content.result : null,
    error: null,
  };
}

/** Fails a job that was stored but will never run; false when it had moved on. */
const discard = (deps: JobDeps, job: Job, failure: ServiceUnavailableError) =>
  deps.jobs
    .abandon(job.jobId, jobError(failure, job.requestId), deps.now(), ['queued'])
    .catch(() => false);

/** Hands a stored job on; one nothing will run fails now, rather than reading queued. */
async function dispatch(deps: JobDeps, job: Job): Promise<Job> {
  try {
    await deps.dispatcher.dispatch(job);
  } catch (error) {
    const failure = new ServiceUnavailableError('jobs', 2, (error as Error).message);
    await discard(deps, job, failure);
    throw failure;
  }
  return job;
}

/** A job for a leased turn; on a failure the caller still holds the lease, and lets it go. */
export async function queueTurn(deps: JobDeps, queued: QueuedTurn): Promise<Job> {
  const { turn, input } = queued;
  const job = newJob(deps, {
    jobId: queued.jobId,
    principal: queued.principal,
    requestId: queued.requestId,
    content: { work: { kind: 'message', conversationId: turn.conversationId, input, turn } },
  });
  await deps.jobs.create(job);
  return dispatch(deps, job);
}

/**
 * A job that is a turn's answer already (its key was answered synchronously first), under the id
 * the answer names: every retry of the key, two at once too, gets the one job.
 */
export async function answeredTurn(deps: JobDeps, answered: AnsweredTurn): Promise<Job> {
  const job = newJob(deps, {
    jobId: answered.jobId,
    principal: answered.principal,
    requestId: answered.requestId,
    content: {
      result: { kind: 'message', turn: answered.result },
      conversationId: answered.conversationId,
    },
  });
  return deps.jobs.createOnce(job);
}

/** Where a key was found free: nothing there, or a failed (or expired) job it may replace. */
type KeyState = { readonly job: Job } | { readonly free: true; readonly replacing?: string };

/** The job an Idempotency-Key already names, or that it is free; another body is a 422. */
async function keyState(deps: JobDeps, scope: string, body: unknown): Promise<KeyState> {
  const now = deps.now();
  const record = await deps.jobs.keyRecord(scope);
  if (!record || record.expiresAt < now.getTime()) return { free: true, replacing: record?.jobId };
  if (!isBodyDigest(record.bodyHash, body)) throw new IdempotencyKeyReusedError();
  const job = await deps.jobs.get(record.jobId);
  if (!job || asSeen(job, now).status === 'failed') return { free: true, replacing: record.jobId };
  return { job };
}

/**
 * An analysis's job, or the job its Idempotency-Key (scoped to the user and the type) names. The
 * request's last check (`admit`) comes once the key names no job, before anything is stored.
 */
export async function queueAnalysis(deps: JobDeps, queued: QueuedAnalysis): Promise<Job> {
  const { principal, input, idempotencyKey, requestId } = queued;
  const job = newJob(deps, {
    principal,
    requestId,
    content: { work: { kind: 'analysis', input } },
  });
  if (idempotencyKey === undefined) {
    await queued.admit();
    await deps.jobs.create(job);
    return dispatch(deps, job);
  }
  const body = [input];
  // The key's scope is digested as a body is (of strings only, so as it always was).
  const scope = bodyDigest([
    'analysis',
    principal.tenantId,
    principal.userId,
    input.type,
    idempotencyKey,
  ]);
  const state = await keyState(deps, scope, body);
  if ('job' in state) return state.job;
  await queued.admit();
  // The job is written before its key, so a request that loses the race for the key always
  // finds the winner's job.
  await deps.jobs.create(job);
  const record = {
    jobId: job.jobId,
    bodyHash: bodyDigest(body),
    expiresAt: Date.parse(job.createdAt) + JOB_KEPT_MS,
  };
  let claimed: boolean;
  try {
    claimed = await deps.jobs.claimKey(scope, record, state.replacing);
  } catch (error) {
    await discard(deps, job, new ServiceUnavailableError('jobs', 1, 'its key was not recorded'));
    throw error;
  }
  if (!claimed) {
    await discard(deps, job, new ServiceUnavailableError('jobs', 1, 'another request won its key'));
    const winner = await keyState(deps, scope, body);
    if ('job' in winner) return winner.job;
    throw new ServiceUnavailableError('jobs', 1, 'a job with this Idempotency-Key just failed');
  }
  return dispatch(deps, job);
}

// ---- the worker's run ----
// The worker's story, whoever runs it (this process, or another invocation in AWS): claim the
// job (queued → running, a conditional write, so a retried or redelivered worker finds it taken
// and does nothing), run the same use case a synchronous call runs, and record the outcome
// (running → succeeded | failed, again conditional). A job that can no longer start in time
// fails, and a message job's conversation is let go. Each run has an id of its own, left on the
// job by its claim, so a claim whose answer was lost is known as this run's when read back. A
// message job's success is written by its turn's commit, with the turn, so it never reads
// failed while its turn is in the history.

export type RunReport = 'succeeded' | 'failed' | 'not_run';

export async function runJob(deps: JobDeps, jobId: string): Promise<RunReport> {
  const workerId = randomUUID();
  const job = await persisted(() => deps.jobs.start(jobId, deps.now(), workerId));
  if (!job) {
    await refuseLate(deps, jobId);
    return 'not_run';
  }
  const outcome = await outcomeOf(deps, job);
  const committedWithTurn = outcome.status === 'succeeded' && outcome.result.kind === 'message';
  const recorded =
    committedWithTurn ||
    (await persisted(() => deps.jobs.finish(jobId, outcome, deps.now(), workerId)));
  countOutcome(deps, job, outcome, recorded);
  deps.logger.info({
    event: 'job_finished',
    job_id: jobId,
    kind: job.kind,
    user_id: job.userId,
    tenant_id: job.tenantId,
    conversation_id: job.conversationId ?? undefined,
    status: outcome.status,
    error: outcome.status === 'failed' ? outcome.error.error : undefined,
    recorded,
  });
  return outcome.status;
}

/** Attempts of a job's own write, and the pause before the next (times the attempt). */
const JOB_WRITE_ATTEMPTS = 4;
const JOB_WRITE_PAUSE_MS = 250;

/**
 * A job's claim or outcome, sent again while the store fails it: a job left queued or running
 * for one failed write would read so until its deadline, and its turn would wait as long. Each
 * is safe to repeat: it carries this run's id, and knows its own earlier success.
 */
async function persisted<T>(write: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await write();
    } catch (error) {
      if (!(error instanceof ServiceUnavailableError) || attempt >= JOB_WRITE_ATTEMPTS) throw error;
      await new Promise((resolve) => setTimeout(resolve, JOB_WRITE_PAUSE_MS * attempt));
    }
  }
}

/**
 * The platform alarms on these: a job the service failed (5xx; a conversation deleted first is
 * the client's story, not an incident), and one whose outcome came after its deadline.
 */
function countOutcome(deps: JobDeps, job: Job, outcome: JobOutcome, recorded: boolean): void {
  if (!recorded && deps.now().getTime() > job.deadline) {
    deps.metrics.add('JobExpired', 1, 'Count');
  } else if (recorded && outcome.status === 'failed' && outcome.error.status >= 500) {
    deps.metrics.add('JobFailed', 1, 'Count');
  }
}

async function outcomeOf(deps: JobDeps, job: Job): Promise<JobOutcome> {
  try {
    return { status: 'succeeded', result: await work(deps, job) };
  } catch (error) {
    return { status: 'failed', error: jobError(error, job.requestId) };
  }
}

/** The same use case the synchronous route runs, with the job's budget. */
async function work(deps: JobDeps, job: Job): Promise<JobResult> {
  // The principal as the accepting request authenticated it; a job's work acts for its owner.
  const principal: Principal = {
    userId: job.userId,
    tenantId: job.tenantId,
    roles: [],
    scopes: [],
  };
  const { work } = job;
  if (!work) throw new Error(`job ${job.jobId} was claimed with no work to run`);
  if (work.kind === 'message') {
    return { kind: 'message', turn: await deps.turns.resume(principal, work.turn, work.input) };
  }
  const analysis = await deps.analyses.run(principal, work.input, deps.budgetMs);
  return { kind: 'analysis', analysis };
}

/**
 * A job the worker could not claim: already claimed (nothing to do), gone, or queued past the
 * time it could start, which then fails for good and frees its conversation.
 */
async function refuseLate(deps: JobDeps, jobId: string): Promise<void> {
  const job = await deps.jobs.get(jobId);
  if (job?.status !== 'queued') return;
  if (!(await deps.jobs.abandon(jobId, expiredError(job), deps.now(), ['queued']))) return;
  deps.metrics.add('JobExpired', 1, 'Count');
  deps.logger.warn({
    event: 'job_expired',
    job_id: jobId,
    kind: job.kind,
    reason: 'not started in time',
  });
  await releaseConversation(deps, job);
}

/** Lets a message job's conversation go, if its lease is still the job's. */
export async function releaseConversation(deps: JobDeps, job: Job): Promise<void> {
  if (job.work?.kind === 'message') await deps.turns.release(job.work.turn);
}

// ---- reading a job ----
// Reading a job back: its owner's only (anyone else's reads as a missing one, as for
// conversations in another tenant), and as it stands now: open past its deadline is failed.

export async function readJob(deps: JobDeps, principal: Principal, jobId: string): Promise<Job> {
  const job = await deps.jobs.get(jobId);
  if (!job || job.userId !== principal.userId || job.tenantId !== principal.tenantId) {
    throw new JobNotFoundError(jobId);
  }
  return asSeen(job, deps.now());
}

// ---- a job's failure ----
// A job's failure as the contract shows it: the error envelope the synchronous call would have
// answered, plus its status. Built here, not at the edge, because the worker that meets the
// failure may be another process than the one that accepted the request.

export function jobError(error: unknown, requestId: string): JobError {
  return errorEnvelope(asAppError(error), requestId, 'job');
}

/** What a job that ran out of time (or lost its worker) failed with. */
export const expiredError = (job: Pick<Job, 'requestId'>): JobError =>
  jobError(new ServiceUnavailableError('jobs', 1, 'the job did not finish in time'), job.requestId);

/** The job as a reader sees it: one still open past its deadline has failed. */
export function asSeen(job: Job, now: Date): Job {
  const open = job.status === 'queued' || job.status === 'running';
  if (!open || now.getTime() <= job.deadline) return job;
  return {
    ...job,
    status: 'failed',
    updatedAt: new Date(job.deadline).toISOString(),
    error: expiredError(job),
  };
}

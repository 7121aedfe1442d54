// Accepting work as a job (`Prefer: respond-async`): the job is stored, then handed to the
// dispatcher, and the caller gets it back to answer 202. Everything a synchronous call decides
// before the model is asked has been decided by then: a message's turn comes here leased and
// within its budgets (the turn pipeline took its conversation's lease, and its Idempotency-Key
// is the conversation's); an analysis's Idempotency-Key names its job here, until that job fails
// (then the key is free, as for a failed turn), and its budgets are checked once the key names
// no job.
import { createHash } from 'node:crypto';
import type { QueuedAnalysis } from '../analysis/analysis-deps.js';
import type { AnsweredTurn, QueuedTurn } from '../coaching/turn-records.js';
import { newId } from '../domain/ids.js';
import type { Principal } from '../domain/principal.js';
import { IdempotencyKeyReusedError, ServiceUnavailableError } from '../errors.js';
import type { JobDeps } from './job-deps.js';
import { asSeen, jobError } from './job-errors.js';
import type { Job, JobResult, JobWork } from './job-records.js';
import { JOB_KEPT_MS, jobTimes } from './job-timing.js';

const digest = (parts: readonly unknown[]): string =>
  createHash('sha256').update(JSON.stringify(parts)).digest('base64url').slice(0, 22);

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

/** A job that is a turn's answer already (its key was answered synchronously first). */
export async function answeredTurn(deps: JobDeps, answered: AnsweredTurn): Promise<Job> {
  const job = newJob(deps, {
    principal: answered.principal,
    requestId: answered.requestId,
    content: {
      result: { kind: 'message', turn: answered.result },
      conversationId: answered.conversationId,
    },
  });
  await deps.jobs.create(job);
  return job;
}

/** Where a key was found free: nothing there, or a failed (or expired) job it may replace. */
type KeyState = { readonly job: Job } | { readonly free: true; readonly replacing?: string };

/** The job an Idempotency-Key already names, or that it is free; another body is a 422. */
async function keyState(deps: JobDeps, scope: string, bodyHash: string): Promise<KeyState> {
  const now = deps.now();
  const record = await deps.jobs.keyRecord(scope);
  if (!record || record.expiresAt < now.getTime()) return { free: true, replacing: record?.jobId };
  if (record.bodyHash !== bodyHash) throw new IdempotencyKeyReusedError();
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
  const bodyHash = digest([input]);
  const scope = digest([
    'analysis',
    principal.tenantId,
    principal.userId,
    input.type,
    idempotencyKey,
  ]);
  const state = await keyState(deps, scope, bodyHash);
  if ('job' in state) return state.job;
  await queued.admit();
  // The job is written before its key, so a request that loses the race for the key always
  // finds the winner's job.
  await deps.jobs.create(job);
  const record = { jobId: job.jobId, bodyHash, expiresAt: Date.parse(job.createdAt) + JOB_KEPT_MS };
  let claimed: boolean;
  try {
    claimed = await deps.jobs.claimKey(scope, record, state.replacing);
  } catch (error) {
    await discard(deps, job, new ServiceUnavailableError('jobs', 1, 'its key was not recorded'));
    throw error;
  }
  if (!claimed) {
    await discard(deps, job, new ServiceUnavailableError('jobs', 1, 'another request won its key'));
    const winner = await keyState(deps, scope, bodyHash);
    if ('job' in winner) return winner.job;
    throw new ServiceUnavailableError('jobs', 1, 'a job with this Idempotency-Key just failed');
  }
  return dispatch(deps, job);
}

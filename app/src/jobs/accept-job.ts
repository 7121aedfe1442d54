// Accepting work with `Prefer: respond-async`: everything a synchronous call decides before the
// model is asked is decided here too (a message job takes its conversation's lease, so busy,
// not active, not found and the turn limit answer as usual), then the job is stored, handed to
// the dispatcher, and the caller gets it back to answer 202. An Idempotency-Key with the same
// body names the same job, until that job fails (then the key is free, as for a failed turn).
import { createHash } from 'node:crypto';
import type { AnalysisInput } from '../analysis/analysis-input.js';
import type { MessageInput } from '../coaching/message-turn.js';
import { leaseTurn, releaseLease } from '../coaching/turn-lease.js';
import { newId } from '../domain/ids.js';
import type { Principal } from '../domain/principal.js';
import { IdempotencyKeyReusedError, ServiceUnavailableError } from '../errors.js';
import type { JobDeps } from './job-deps.js';
import { JOB_KEPT_MS, jobTimes } from './job-timing.js';
import { asSeen, jobError } from './job-errors.js';
import type { Job, JobResult, JobWork } from './job-records.js';
import { releaseConversation } from './run-job.js';

const digest = (parts: readonly unknown[]): string =>
  createHash('sha256').update(JSON.stringify(parts)).digest('base64url').slice(0, 22);

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

interface NewJob {
  readonly principal: Principal;
  readonly requestId: string;
  readonly work: JobWork;
  readonly acceptedAt: number;
  /** Set when the answer is already known (a synchronous turn with the same key succeeded). */
  readonly result?: JobResult;
}

function newJob(deps: JobDeps, spec: NewJob): Job {
  const at = new Date(spec.acceptedAt).toISOString();
  return {
    jobId: newId('job'),
    kind: spec.work.kind,
    status: spec.result ? 'succeeded' : 'queued',
    userId: spec.principal.userId,
    tenantId: spec.principal.tenantId,
    conversationId: spec.work.kind === 'message' ? spec.work.conversationId : null,
    createdAt: at,
    updatedAt: at,
    ...jobTimes(spec.acceptedAt, deps.budgetMs),
    requestId: spec.requestId,
    // A job that is its answer already keeps none of the request's text.
    work: spec.result ? null : spec.work,
    result: spec.result ?? null,
    error: null,
  };
}

/** Marks a job that was stored but will never be dispatched; nobody was told its id. */
const discard = (deps: JobDeps, job: Job, reason: string) =>
  deps.jobs
    .abandon(
      job.jobId,
      jobError(new ServiceUnavailableError('jobs', 1, reason), job.requestId),
      deps.now(),
      ['queued'],
    )
    .catch(() => false);

/**
 * Stores the job, points its key at it, and hands it on. The job is written before its key, so
 * a request that loses the race for the key always finds the winner's job. `undo` lets go of
 * what the job held when it is not taken.
 */
async function store(
  deps: JobDeps,
  job: Job,
  key:
    { readonly scope: string; readonly bodyHash: string; readonly replacing?: string } | undefined,
  undo: () => Promise<void>,
): Promise<Job> {
  try {
    await deps.jobs.create(job);
  } catch (error) {
    await undo();
    throw error;
  }
  if (key) {
    const record = {
      jobId: job.jobId,
      bodyHash: key.bodyHash,
      expiresAt: Date.parse(job.createdAt) + JOB_KEPT_MS,
    };
    let claimed: boolean;
    try {
      claimed = await deps.jobs.claimKey(key.scope, record, key.replacing);
    } catch (error) {
      await discard(deps, job, 'its Idempotency-Key could not be recorded');
      await undo();
      throw error;
    }
    if (!claimed) {
      // A request with the same key got there first: its job is the answer.
      await discard(deps, job, 'another request with its Idempotency-Key won');
      await undo();
      const state = await keyState(deps, key.scope, key.bodyHash);
      if ('job' in state) return state.job;
      throw new ServiceUnavailableError('jobs', 1, 'a job with this Idempotency-Key just failed');
    }
  }
  if (job.status !== 'queued') return job;
  try {
    await deps.dispatcher.dispatch(job);
  } catch (error) {
    // Nothing will run it: it fails now, rather than reading queued until its deadline.
    const failure = new ServiceUnavailableError('jobs', 2, (error as Error).message);
    await deps.jobs
      .abandon(job.jobId, jobError(failure, job.requestId), deps.now(), ['queued'])
      .catch(() => false);
    await releaseConversation(deps, job);
    throw failure;
  }
  return job;
}

export async function acceptMessageJob(
  deps: JobDeps,
  principal: Principal,
  conversationId: string,
  input: MessageInput,
  requestId: string,
): Promise<Job> {
  const bodyHash = digest([input.userMessage, input.metadata]);
  const scope =
    input.idempotencyKey === undefined
      ? undefined
      : digest([
          'message',
          principal.tenantId,
          principal.userId,
          conversationId,
          input.idempotencyKey,
        ]);
  let replacing: string | undefined;
  if (scope) {
    const state = await keyState(deps, scope, bodyHash);
    if ('job' in state) return state.job;
    replacing = state.replacing;
  }
  // The lease covers the wait for a worker as well as the turn's own budget.
  const acceptedAt = deps.now().getTime();
  const { startBy } = jobTimes(acceptedAt, deps.budgetMs);
  const start = await leaseTurn(deps.coaching, principal, conversationId, {
    ...input,
    budgetMs: startBy - acceptedAt + deps.budgetMs,
  });
  if ('replay' in start) {
    // A synchronous turn with this key already answered: the job is that answer.
    const job = newJob(deps, {
      principal,
      requestId,
      acceptedAt,
      work: { kind: 'message', conversationId, input, bodyHash, startedAt: acceptedAt },
      result: { kind: 'message', turn: start.replay },
    });
    return store(deps, job, scope ? { scope, bodyHash, replacing } : undefined, () =>
      Promise.resolve(),
    );
  }
  const job = newJob(deps, {
    principal,
    requestId,
    acceptedAt,
    work: {
      kind: 'message',
      conversationId,
      input: { ...input, budgetMs: deps.budgetMs },
      lease: start.lease,
      bodyHash,
      startedAt: start.startedAt,
    },
  });
  return store(deps, job, scope ? { scope, bodyHash, replacing } : undefined, () =>
    releaseLease(deps.coaching, start),
  );
}

export async function acceptAnalysisJob(
  deps: JobDeps,
  principal: Principal,
  input: AnalysisInput,
  idempotencyKey: string | undefined,
  requestId: string,
): Promise<Job> {
  const bodyHash = digest([input]);
  const scope =
    idempotencyKey === undefined
      ? undefined
      : digest(['analysis', principal.tenantId, principal.userId, input.type, idempotencyKey]);
  let replacing: string | undefined;
  if (scope) {
    const state = await keyState(deps, scope, bodyHash);
    if ('job' in state) return state.job;
    replacing = state.replacing;
  }
  const job = newJob(deps, {
    principal,
    requestId,
    acceptedAt: deps.now().getTime(),
    work: { kind: 'analysis', input },
  });
  return store(deps, job, scope ? { scope, bodyHash, replacing } : undefined, () =>
    Promise.resolve(),
  );
}

// The worker's story, whoever runs it (this process, or another invocation in AWS): claim the
// job (queued → running, a conditional write, so a retried or redelivered worker finds it taken
// and does nothing), run the same use case a synchronous call runs, and record the outcome
// (running → succeeded | failed, again conditional). A job that can no longer start in time
// fails, and a message job's conversation is let go. Each run has an id of its own, left on the
// job by its claim, so a claim whose answer was lost is known as this run's when read back. A
// message job's success is written by its turn's commit, with the turn, so it never reads
// failed while its turn is in the history.
import { randomUUID } from 'node:crypto';
import type { Principal } from '../domain/principal.js';
import { ServiceUnavailableError } from '../errors.js';
import type { JobDeps } from './job-deps.js';
import { expiredError, jobError } from './job-errors.js';
import type { Job, JobOutcome, JobResult } from './job-records.js';

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

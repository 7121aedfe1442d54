// A job's failure as the contract shows it: the error envelope the synchronous call would have
// answered, plus its status. Built here, not at the edge, because the worker that meets the
// failure may be another process than the one that accepted the request.
import { asAppError, errorEnvelope, ServiceUnavailableError } from '../errors.js';
import type { Job, JobError } from './job-records.js';

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

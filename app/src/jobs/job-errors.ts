// A job's failure as the contract shows it: the error envelope the synchronous call would have
// answered, plus its status. Built here, not at the edge, because the worker that meets the
// failure may be another process than the one that accepted the request.
import { AppError, ServiceUnavailableError, ValidationError } from '../errors.js';
import type { Job, JobError } from './job-records.js';

const INTERNAL_MESSAGE = 'An unexpected error occurred. Please try again later.';

export function jobError(error: unknown, requestId: string): JobError {
  if (!(error instanceof AppError)) {
    return {
      status: 500,
      error: 'internal_server_error',
      message: INTERNAL_MESSAGE,
      detail: INTERNAL_MESSAGE,
      request_id: requestId,
    };
  }
  return {
    ...error.fields,
    status: error.status,
    error: error.code,
    message: error.message,
    detail: error instanceof ValidationError ? error.issues : error.message,
    request_id: requestId,
  };
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

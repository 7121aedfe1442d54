// The event that hands a job to another invocation of the function (lambda-dispatcher.ts), as
// plain data: Lambda delivers an asynchronous invocation's payload to the handler unchanged, and
// delivers it again on a retry or a duplicate, so it names the job and nothing else. Everything
// the worker needs is in the job's stored item.

/** Marks the payload as ours: no AWS service sends an event with this `source`. */
export const JOB_EVENT_SOURCE = 'purposepath.coaching.job';

export interface JobEvent {
  readonly source: typeof JOB_EVENT_SOURCE;
  readonly job_id: string;
}

/** The ids newId('job') mints: the prefix and 32 hex digits. */
const jobIdPattern = /^job_[0-9a-f]{32}$/;

export function jobEvent(jobId: string): JobEvent {
  return { source: JOB_EVENT_SOURCE, job_id: jobId };
}

export type ReadJobEvent =
  /** Not a job event at all (an HTTP API request, or something else). */
  | { readonly kind: 'other' }
  | { readonly kind: 'job'; readonly jobId: string }
  /** Marked as a job event, but not one this service sends: refused, never retried. */
  | { readonly kind: 'malformed'; readonly reason: string };

export function readJobEvent(event: unknown): ReadJobEvent {
  if (typeof event !== 'object' || event === null) return { kind: 'other' };
  const { source, job_id: jobId } = event as Record<string, unknown>;
  if (source !== JOB_EVENT_SOURCE) return { kind: 'other' };
  if (typeof jobId !== 'string' || !jobIdPattern.test(jobId)) {
    return { kind: 'malformed', reason: 'job_id is not a job id' };
  }
  return { kind: 'job', jobId };
}

// The function has one handler (`lambda.handler`) and two kinds of caller: API Gateway's HTTP API
// (payload format 2.0) and the function itself, handing on a job (jobs/lambda-dispatcher.ts).
// This tells them apart and runs the worker for a job event. Anything else is logged and refused
// with an answer, not an error: an error would make Lambda retry an event nothing here can handle.
//
// What the worker throws and what it records (docs/architecture.md, "Jobs in AWS"):
// - the work's own failures (the model throttled or unusable, the conversation paused or deleted
//   first, the job too late to start) are recorded on the job by runJob, and the invocation ends
//   well: Lambda has nothing to retry;
// - only a failure to read or write the job itself (its storage unreachable) escapes, so the
//   invocation fails and Lambda records the event in the failed-job queue, which alarms. A retry
//   could not help: a claimed job is never claimed twice, and past its start-by time none starts.
import type { RunReport } from '../jobs/job-use-cases.js';
import { readJobEvent } from '../jobs/job-event.js';
import type { Logger } from '../observability/logger.js';

export interface EventRoutes {
  /** Serves an HTTP API event through the app. */
  readonly http: () => Promise<unknown>;
  /** The worker: runs the job once, however often it is asked (jobs/job-use-cases.ts). */
  readonly runJob: (jobId: string) => Promise<RunReport>;
  readonly logger: Logger;
}

/** What the handler answers to an event it will not handle. */
export interface Refusal {
  readonly refused: true;
  readonly reason: string;
}

/** An HTTP API payload 2.0 event, as API Gateway sends it (scripts/apigw-events.ts). */
export function isHttpApiEvent(event: unknown): boolean {
  if (typeof event !== 'object' || event === null) return false;
  const { version, requestContext } = event as { version?: unknown; requestContext?: unknown };
  const http = (requestContext as { http?: { method?: unknown } } | undefined)?.http;
  return version === '2.0' && typeof http?.method === 'string';
}

export async function handleLambdaEvent(event: unknown, routes: EventRoutes): Promise<unknown> {
  if (isHttpApiEvent(event)) return routes.http();
  const job = readJobEvent(event);
  if (job.kind === 'job') return runJobEvent(job.jobId, routes);
  const reason =
    job.kind === 'malformed' ? job.reason : 'neither an HTTP API request nor a job event';
  // The shape only: an unknown payload may carry anything, and the log keeps none of it.
  routes.logger.warn({ event: 'lambda_event_refused', reason, shape: shapeOf(event) });
  const refusal: Refusal = { refused: true, reason };
  return refusal;
}

async function runJobEvent(jobId: string, routes: EventRoutes): Promise<unknown> {
  try {
    const report = await routes.runJob(jobId);
    // not_run: a redelivery, a retry, or an event for a job already finished or expired.
    if (report === 'not_run') routes.logger.info({ event: 'job_event_not_run', job_id: jobId });
    return { job_id: jobId, report };
  } catch (error) {
    const { name, message } = error as Error;
    routes.logger.error({
      event: 'job_worker_failed',
      job_id: jobId,
      reason: `${name}: ${message}`,
    });
    throw error;
  }
}

function shapeOf(event: unknown): string {
  if (event === null || typeof event !== 'object') return event === null ? 'null' : typeof event;
  if (Array.isArray(event)) return `array(${event.length})`;
  const keys = Object.keys(event);
  return `object{${keys.slice(0, 10).join(',')}${keys.length > 10 ? ',…' : ''}}`;
}

// What the jobs use cases work with: their repository and dispatcher, the coaching and analysis
// use cases' own dependencies (a job runs the same stories), the budget, the logger and the clock.
import type { AnalysisDeps } from '../analysis/analysis-deps.js';
import type { CoachingDeps } from '../coaching/coaching-deps.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import type { JobDispatcher } from './dispatcher.js';
import type { JobRepository } from './job-records.js';

export interface JobDeps {
  readonly jobs: JobRepository;
  readonly dispatcher: JobDispatcher;
  readonly coaching: CoachingDeps;
  readonly analysis: AnalysisDeps;
  /** A job's model budget (LLM_ASYNC_TIMEOUT_MS). */
  readonly budgetMs: number;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly now: () => Date;
}

/** How long after its acceptance a job may still be started (Lambda's shortest event age). */
export const START_WITHIN_MS = 60_000;
/** Beyond its model budget, what a job's storage calls may take (template, commit, result). */
export const FINISH_MARGIN_MS = 15_000;
/** Jobs and the Idempotency-Keys that name them are kept this long. */
export const JOB_KEPT_MS = 24 * 60 * 60 * 1000;

/** The latest a job accepted at `acceptedAt` may start, and the moment it reads failed. */
export function jobTimes(acceptedAt: number, budgetMs: number) {
  const startBy = acceptedAt + START_WITHIN_MS;
  return { startBy, deadline: startBy + budgetMs + FINISH_MARGIN_MS };
}

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
  readonly logger: Logger;
  /** JobFailed and JobExpired, which the platform's alarms watch. */
  readonly metrics: Metrics;
  readonly now: () => Date;
}

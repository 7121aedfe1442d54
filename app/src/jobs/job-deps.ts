// What the jobs use cases work with: their repository and dispatcher, the narrow part of each
// feature a worker runs (a leased coaching turn, an analysis), the budget, the logger, metrics
// and the clock.
import type { AnalysisInput } from '../analysis/analysis-input.js';
import type { StoredAnalysis } from '../analysis/analysis-records.js';
import type { LeasedTurns } from '../coaching/turn-records.js';
import type { Principal } from '../domain/kernel.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import type { JobDispatcher } from './dispatcher.js';
import type { JobRepository } from './job-records.js';

/** What a worker runs of the analyses: one analysis, within the job's budget. */
export interface AnalysisRunner {
  run(principal: Principal, input: AnalysisInput, timeoutMs: number): Promise<StoredAnalysis>;
}

export interface JobDeps {
  readonly jobs: JobRepository;
  readonly dispatcher: JobDispatcher;
  readonly turns: LeasedTurns;
  readonly analyses: AnalysisRunner;
  /** A job's model budget (LLM_ASYNC_TIMEOUT_MS). */
  readonly budgetMs: number;
  readonly logger: Logger;
  /** JobFailed and JobExpired, which the platform's alarms watch. */
  readonly metrics: Metrics;
  readonly now: () => Date;
}

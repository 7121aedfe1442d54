// What the analysis use cases work with: the repository, the templates, the model, the
// budgets, the port to the jobs an analysis can run as, metrics, the logger and the clock.
import type { BudgetGate } from '../budgets/budgets.js';
import type { AcceptedJob, Principal, AnalysisType } from '../domain/kernel.js';
import type { LlmProvider } from '../llm/port.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import type { Served } from '../prompts/catalog.js';
import type { AnalysisTemplate } from '../prompts/template.js';
import type { AnalysisInput } from './analysis-input.js';
import type { AnalysisRepository } from './analysis-records.js';

/** An analysis asked for as a job (`Prefer: respond-async`). */
export interface QueuedAnalysis {
  readonly principal: Principal;
  readonly input: AnalysisInput;
  /** Names the job, scoped to the user and the analysis type, until it fails. */
  readonly idempotencyKey?: string;
  readonly requestId: string;
  /**
   * The last check before the job is stored, once its key names no job (a replay is never
   * refused): the budgets. Its refusal is the request's answer; nothing is stored.
   */
  readonly admit: () => Promise<void>;
}

/** Where an analysis goes to be run by a job's worker (jobs/ implements this). */
export interface AnalysisJobs {
  /** A job for the analysis, or the job its Idempotency-Key already names. */
  queue(analysis: QueuedAnalysis): Promise<AcceptedJob>;
}

export interface AnalysisDeps {
  readonly repository: AnalysisRepository;
  /** Each template as served, with the version it came from (which every analysis records). */
  readonly templates: { analysis(type: AnalysisType): Promise<Served<AnalysisTemplate>> };
  readonly llm: LlmProvider;
  /** Checked last before the model: a synchronous analysis's, and a job's at accept and at run. */
  readonly budgets: BudgetGate;
  readonly jobs: AnalysisJobs;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly now: () => Date;
}

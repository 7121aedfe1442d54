// What the analysis use cases work with: the repository, the templates, the model, the
// budgets, metrics, the logger and the clock.
import type { BudgetGate } from '../budgets/budgets.js';
import type { AnalysisType } from '../domain/vocabulary.js';
import type { LlmProvider } from '../llm/port.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import type { AnalysisTemplate } from '../prompts/template.js';
import type { AnalysisRepository } from './analysis-records.js';

export interface AnalysisDeps {
  readonly repository: AnalysisRepository;
  readonly templates: { analysis(type: AnalysisType): Promise<AnalysisTemplate> };
  readonly llm: LlmProvider;
  /** Checked before a synchronous analysis asks the model (a job's is checked when accepted). */
  readonly budgets: BudgetGate;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly now: () => Date;
}

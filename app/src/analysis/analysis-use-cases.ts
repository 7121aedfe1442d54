// The analysis use cases bound to their dependencies: what the HTTP routes call. Running one
// (run-analysis.ts), reading one back (read-analysis.ts), and a tenant's usage report.
import type { Principal } from '../domain/principal.js';
import type { AnalysisDeps } from './analysis-deps.js';
import type { AnalysisInput } from './analysis-input.js';
import type { UsageQuery, UsageRecord } from './analysis-records.js';
import { readAnalysis } from './read-analysis.js';
import { runAnalysis } from './run-analysis.js';

export function createAnalyses(deps: AnalysisDeps) {
  return {
    async run(principal: Principal, input: AnalysisInput) {
      await deps.budgets.assertWithinBudget(principal);
      return runAnalysis(deps, principal, input);
    },
    get: (principal: Principal, analysisId: string) => readAnalysis(deps, principal, analysisId),
    /** Every usage record of the tenant in the period, oldest first. */
    usage: (query: UsageQuery): Promise<UsageRecord[]> => deps.repository.usage(query),
  };
}

export type Analyses = ReturnType<typeof createAnalyses>;

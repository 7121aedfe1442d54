// The analysis use cases bound to their dependencies: what the HTTP routes call, and what a job's
// worker runs. Asking for an analysis answers it the way the client asked, at once or as a job
// (run-analysis.ts runs it), once the budgets allow it: a job is checked when accepted and again
// when its worker starts, since the budget is the last check before the model. Reading one back
// (read-analysis.ts), and a tenant's usage report.
import type { AcceptedJob, Principal, Delivery } from '../domain/kernel.js';
import type { AnalysisDeps } from './analysis-deps.js';
import type { AnalysisInput } from './analysis-input.js';
import type { StoredAnalysis, UsageQuery, UsageRecord } from './analysis-records.js';
import { readAnalysis } from './read-analysis.js';
import { runAnalysis } from './run-analysis.js';

export type AnalysisReply =
  | { readonly delivery: 'buffered'; readonly analysis: StoredAnalysis }
  | { readonly delivery: 'job'; readonly job: AcceptedJob };

/** An analysis is answered at once or as a job; it is never streamed. */
export type AnalysisDelivery = Exclude<Delivery, 'stream'>;

export function createAnalyses(deps: AnalysisDeps) {
  return {
    request: async (
      principal: Principal,
      input: AnalysisInput,
      delivery: AnalysisDelivery,
      options: { readonly idempotencyKey?: string; readonly requestId: string },
    ): Promise<AnalysisReply> => {
      const admit = () => deps.budgets.assertWithinBudget(principal);
      if (delivery === 'job') {
        return { delivery, job: await deps.jobs.queue({ principal, input, ...options, admit }) };
      }
      await admit();
      return { delivery, analysis: await runAnalysis(deps, principal, input) };
    },
    /** A job's worker: the analysis, if the budgets still allow it, within the job's timeout. */
    run: async (principal: Principal, input: AnalysisInput, timeoutMs: number) => {
      await deps.budgets.assertWithinBudget(principal);
      return runAnalysis(deps, principal, input, { timeoutMs });
    },
    get: (principal: Principal, analysisId: string) => readAnalysis(deps, principal, analysisId),
    /** Every usage record of the tenant in the period, oldest first. */
    usage: (query: UsageQuery): Promise<UsageRecord[]> => deps.repository.usage(query),
  };
}

export type Analyses = ReturnType<typeof createAnalyses>;

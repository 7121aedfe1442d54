// What the analysis and suggestion use cases need from storage; storage/analysis-repository.ts
// implements it on the analyses table.
import type { StoredAnalysis, UsageRecord } from './analysis.js';

export interface UsageQuery {
  readonly tenantId: string;
  /** ISO timestamps, inclusive; either may be left open. */
  readonly from?: string;
  readonly to?: string;
}

export interface AnalysisRepository {
  /** Stores a completed analysis together with its usage. */
  save(analysis: StoredAnalysis): Promise<void>;
  /** Stores the usage of a call that left no analysis behind (a failure or a suggestion). */
  recordUsage(record: UsageRecord): Promise<void>;
  /** A completed analysis, or undefined when there is none with this id. */
  get(analysisId: string): Promise<StoredAnalysis | undefined>;
  /** Every usage record of a tenant in the period, oldest first. */
  usage(query: UsageQuery): Promise<UsageRecord[]>;
}

// What every model call for an analysis or a suggestion leaves behind: a usage record (model,
// tokens, estimated cost), and for a completed analysis its outcome; and what the use cases
// need from the storage that keeps them (storage/analysis-repository.ts, the analyses table).
import type { PromptVersionRef, TokenUsage, AnalysisType } from '../domain/kernel.js';
import { estimateCostUsd } from '../llm/pricing.js';
import type { AlignmentOutput, KpiOutput, OperationsOutput, StrategyOutput } from './outputs.js';

/** What the model found, tagged with the analysis it answers. */
export type AnalysisOutcome =
  | { readonly type: 'alignment'; readonly output: AlignmentOutput }
  | { readonly type: 'strategy'; readonly output: StrategyOutput }
  | { readonly type: 'kpi'; readonly output: KpiOutput }
  | { readonly type: 'operations'; readonly output: OperationsOutput };

export interface ModelUsage {
  readonly model: string;
  readonly provider: string;
  readonly inputTokens: number;
  readonly outputTokens: number;
  /** Null when the model has no known price. */
  readonly estimatedCostUsd: number | null;
  readonly durationMs: number;
}

/** One model call made for a tenant: an analysis (kept or failed) or an onboarding suggestion. */
export interface UsageRecord {
  /** `anls_…` for analyses, `sugg_…` for suggestions. */
  readonly id: string;
  readonly kind: 'analysis' | 'suggestion';
  readonly status: 'completed' | 'failed';
  readonly tenantId: string;
  readonly userId: string;
  readonly createdAt: string;
  /** The analysis type (`alignment`, …), or `onboarding` for a suggestion. */
  readonly subject: AnalysisType | 'onboarding';
  /** The operations method (`swot`, …) or the suggestion kind (`niche`, …). */
  readonly detail?: string;
  readonly usage: ModelUsage;
}

/** A completed analysis as stored and as returned to its owner. */
export interface StoredAnalysis extends UsageRecord {
  readonly kind: 'analysis';
  readonly status: 'completed';
  readonly outcome: AnalysisOutcome;
  /** The template version that asked for it; absent on analyses stored before versions were. */
  readonly promptVersion?: PromptVersionRef;
}

export const ANALYSIS_VERSION = '1.0';

/** Usage of one model call, with the cost estimate the usage report sums. */
export function modelUsage(
  model: string,
  provider: string,
  tokens: TokenUsage,
  durationMs: number,
): ModelUsage {
  return {
    model,
    provider,
    inputTokens: tokens.inputTokens,
    outputTokens: tokens.outputTokens,
    estimatedCostUsd: estimateCostUsd(model, tokens) ?? null,
    durationMs,
  };
}

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

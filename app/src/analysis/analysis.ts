// The analysis entity: what an owner asks to have analysed, what the model found, and the usage
// record every model call leaves behind (so usage per tenant can be reported).
import type { AnalysisType } from '../domain/vocabulary.js';
import type {
  AlignmentOutput,
  KpiOutput,
  OperationsOutput,
  OperationsType,
  StrategyOutput,
} from './outputs.js';

export type BusinessContext = Readonly<Record<string, unknown>>;

export type AnalysisInput =
  | {
      readonly type: 'alignment';
      readonly textToAnalyze: string;
      readonly context: BusinessContext;
    }
  | {
      readonly type: 'strategy';
      readonly currentStrategy: string;
      readonly context: BusinessContext;
    }
  | {
      readonly type: 'kpi';
      readonly currentKpis: readonly string[];
      readonly context: BusinessContext;
    }
  | {
      readonly type: 'operations';
      readonly specificType: OperationsType;
      readonly description: string;
      readonly context: BusinessContext;
    };

/** The input of one analysis type, e.g. `InputOf<'kpi'>`. */
export type InputOf<T extends AnalysisInput['type']> = Extract<AnalysisInput, { type: T }>;

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
}

export const ANALYSIS_VERSION = '1.0';

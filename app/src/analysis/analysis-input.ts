// What an owner asks to have analysed: the analysis type, its text or KPIs, and the business
// context they share (purpose, core values, goals, ...).
import type { OperationsType } from './outputs.js';

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

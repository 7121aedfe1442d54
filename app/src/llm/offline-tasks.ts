// What the deterministic offline coach is told about a request, one variant per use case.
import type { AnalysisInput } from '../analysis/analysis.js';
import type { OnboardingKind, Phase, ResultStatus } from '../domain/vocabulary.js';
import type { CoachingTemplate } from '../prompts/template.js';

export interface CoachingTurnTask {
  readonly kind: 'coaching_turn';
  readonly template: CoachingTemplate;
  readonly userMessage: string;
  /** User messages so far, this one included. */
  readonly userTurns: number;
  readonly identifiedValues: readonly string[];
  readonly phase: Phase;
  readonly resultStatus: ResultStatus;
}

export interface AnalysisTask {
  readonly kind: 'analysis';
  readonly input: AnalysisInput;
}

export interface OnboardingSuggestionTask {
  readonly kind: 'onboarding_suggestion';
  readonly suggestionKind: OnboardingKind;
  /** The owner's current draft, possibly empty. */
  readonly current: string;
  /** The template's starting sentence for this kind. */
  readonly opener: string;
}

export type OfflineTask = CoachingTurnTask | AnalysisTask | OnboardingSuggestionTask;

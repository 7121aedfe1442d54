// Which `{{name}}` placeholders the service fills, template by template and field by field
// (analysis/model-requests.ts and suggestions/suggest-onboarding.ts fill them). Anywhere else a
// placeholder would reach the model as written, so a template that uses one there is refused.
import { analysisTypes, onboardingKinds, type AnalysisType } from '../domain/kernel.js';
import type { PromptKey } from './prompt-keys.js';

export interface FilledField {
  /** The field of the template, e.g. ["instructions"] or ["instructions", "niche"]. */
  readonly path: readonly string[];
  /** The names filled in it. */
  readonly names: readonly string[];
  /** The names that carry the user's input: without them the model never sees it. */
  readonly required: readonly string[];
}

const analysisInputs: Record<AnalysisType, { input: string; extra: readonly string[] }> = {
  alignment: { input: 'text_to_analyze', extra: [] },
  strategy: { input: 'current_strategy', extra: [] },
  kpi: { input: 'current_kpis', extra: [] },
  operations: { input: 'description', extra: ['specific_analysis_type'] },
};

const filled = new Map<PromptKey, readonly FilledField[]>([
  ...analysisTypes.map((type): [PromptKey, FilledField[]] => {
    const { input, extra } = analysisInputs[type];
    return [
      `analysis/${type}`,
      [{ path: ['instructions'], names: [input, ...extra, 'context'], required: [input] }],
    ];
  }),
  [
    'suggestions/onboarding',
    onboardingKinds.map((kind) => ({
      path: ['instructions', kind],
      names: ['current'],
      required: ['current'],
    })),
  ],
]);

/** The fields of a template where the service fills placeholders (none in a coaching template). */
export function filledFields(key: PromptKey): readonly FilledField[] {
  return filled.get(key) ?? [];
}

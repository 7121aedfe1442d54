// The offline onboarding suggestion: the template's opener for the field, then the owner's own
// draft reflected back with what the field still needs. Deterministic: same draft, same text.
import { contentWords, quote, quoted, sentences } from '../domain/text.js';
import type { OnboardingKind } from '../domain/kernel.js';
import type { OnboardingSuggestion } from './onboarding-suggestion.js';

/** What the offline suggestion is told about the field it fills in. */
export interface OfflineSuggestionInput {
  readonly kind: OnboardingKind;
  /** The owner's current draft, possibly empty. */
  readonly current: string;
  /** The template's starting sentence for this kind. */
  readonly opener: string;
}

const advice: Record<OnboardingKind, string> = {
  niche:
    'now say exactly which market you serve, the problem you solve for it, and what sets you apart.',
  ica: 'now describe that one client: their situation, what they struggle with, and what makes them ready to buy.',
  valueProposition:
    'now lead with the result your clients get, then say why you deliver it better or differently.',
};

const examples: Record<OnboardingKind, string> = {
  niche:
    'For example: "I help [specific kind of business] solve [problem] through [your approach]."',
  ica: 'For example: "My ideal client is a [role] at a [stage] business who struggles with [problem] and wants [outcome]."',
  valueProposition: 'For example: "I help [who] achieve [result] by [how], unlike [alternative]."',
};

export function offlineOnboardingSuggestion(task: OfflineSuggestionInput): OnboardingSuggestion {
  const draft = task.current.trim();
  if (!draft) {
    return {
      suggestion: `${task.opener} ${examples[task.kind]} Replace the brackets with your own words.`,
    };
  }
  const first = sentences(draft)[0] ?? draft;
  // A run of letters longer than any word (pasted code, a URL) is not one worth keeping.
  const keyWords = contentWords(draft)
    .filter((w) => w.length <= 30)
    .slice(0, 3);
  const keep =
    keyWords.length > 0
      ? ` Keep the ${keyWords.length === 1 ? 'word that carries' : 'words that carry'} your meaning: ${quoted(keyWords)}.`
      : '';
  return {
    suggestion: `${task.opener} Building on your draft, "${quote(first, 200)}", ${advice[task.kind]}${keep}`,
  };
}

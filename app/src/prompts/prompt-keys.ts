// The nine prompt templates by name: `coaching/{topic}`, `analysis/{type}` and
// `suggestions/onboarding`, each stored as `<key>.yaml` (a file of prompts/, an object of the bucket).
import {
  analysisTypes,
  coachingTopics,
  type AnalysisType,
  type CoachingTopic,
} from '../domain/kernel.js';

export type PromptKey =
  | `coaching/${CoachingTopic}`
  | `analysis/${AnalysisType}`
  | 'suggestions/onboarding';

export type TemplateKind = 'coaching' | 'analysis' | 'suggestion';

export const promptKeys: readonly PromptKey[] = [
  ...coachingTopics.map((topic) => `coaching/${topic}` as const),
  ...analysisTypes.map((type) => `analysis/${type}` as const),
  'suggestions/onboarding',
];

const known = new Set<string>(promptKeys);

/** True only for the nine keys: anything else (another path, `..`, an encoded slash) is not one. */
export function isPromptKey(value: string): value is PromptKey {
  return known.has(value);
}

export function kindOf(key: PromptKey): TemplateKind {
  if (key.startsWith('coaching/')) return 'coaching';
  if (key.startsWith('analysis/')) return 'analysis';
  return 'suggestion';
}

/** The file under prompts/ and the object key in the bucket. */
export function fileOf(key: PromptKey): string {
  return `${key}.yaml`;
}

/** The template a file or object key holds, if it is one of the nine. */
export function keyOfFile(file: string): PromptKey | undefined {
  const key = file.replace(/\.yaml$/, '');
  return file.endsWith('.yaml') && isPromptKey(key) ? key : undefined;
}

// What an offline analysis reads out of the owner's business context: lists given as arrays
// or as comma-separated text, and the stated values, purpose words and goals.
import type { BusinessContext } from '../analysis-input.js';
import { contentWords, quote } from '../../domain/text.js';

/** Strings from a context entry: a list of strings, or one string split at commas. */
export function listFrom(value: unknown): string[] {
  if (Array.isArray(value)) {
    return value.filter((v): v is string => typeof v === 'string' && v.trim() !== '');
  }
  if (typeof value === 'string') {
    return value
      .split(/[,;\n]|\band\b/)
      .map((v) => v.trim())
      .filter(Boolean);
  }
  return [];
}

export function textFrom(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return listFrom(value).join('. ');
  return '';
}

interface StatedIntent {
  readonly values: string[];
  readonly purposeWords: string[];
  readonly goals: string[];
}

export function statedIntent(context: BusinessContext): StatedIntent {
  const purpose = textFrom(context.purpose ?? context.mission ?? context.purpose_statement);
  // Quoted back in the answer's sentences, so each is kept short however long it was sent.
  return {
    values: listFrom(context.core_values ?? context.values).map((v) => quote(v, 80)),
    purposeWords: contentWords(purpose),
    goals: listFrom(context.goals ?? context.goal).map((g) => quote(g, 160)),
  };
}

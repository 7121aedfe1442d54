// The offline alignment analysis: which stated core values and purpose words the text
// reflects and which it leaves out, whether it states something measurable, and scores that
// follow those shares.
import type { InputOf } from '../analysis-input.js';
import type { AlignmentOutput, Priority } from '../outputs.js';
import { OFFLINE_NOTE, clampScore } from './assessment.js';
import { statedIntent } from './business-context.js';
import { hasAnyStem, listing, mentions, quoted, words } from '../../domain/text.js';

const measurableSignals: readonly RegExp[] = [
  /\d/,
  /%|\bpercent/i,
  /\b(by|within|before)\s+(the\s+)?(end|q[1-4]|\d|january|february|march|april|may|june|july|august|september|october|november|december|next)/i,
  /\b(week|month|quarter|year)s?\b/i,
  /\b(increase|reduce|grow|cut|double|target|reach|achieve)\w*/i,
];

function measurableSignalCount(text: string): number {
  return measurableSignals.filter((signal) => signal.test(text)).length;
}

/** Words that show a common value without naming it: "honest" shows integrity. */
const valueSigns: Readonly<Record<string, readonly string[]>> = {
  integrity: ['honest', 'truth', 'transparen', 'ethic', 'trustworth'],
  honesty: ['honest', 'truth', 'transparen'],
  family: ['famil', 'parent', 'children'],
  sustainability: ['sustain', 'environment', 'recycl', 'renewabl'],
  innovation: ['innovat', 'invent', 'pioneer'],
  craftsmanship: ['craft', 'handmade', 'artisan'],
  quality: ['quality', 'craft', 'excellen'],
  community: ['communit', 'neighbo'],
  respect: ['respect', 'dignity'],
  excellence: ['excellen', 'quality'],
  care: ['care', 'caring', 'compassion'],
};

function reflects(textWords: readonly string[], value: string): boolean {
  return mentions(textWords, value) || hasAnyStem(textWords, valueSigns[value.toLowerCase()] ?? []);
}

/** "1 of 3 purpose words" with the noun in the number the count needs. */
const countOf = (n: number, total: number, noun: string) =>
  `${n} of ${total} ${total === 1 ? noun : `${noun}s`}`;

export function offlineAlignment(input: InputOf<'alignment'>): AlignmentOutput {
  const text = input.textToAnalyze;
  const textWords = words(text);
  const intent = statedIntent(input.context);
  const reflected = intent.values.filter((v) => reflects(textWords, v));
  const missing = intent.values.filter((v) => !reflected.includes(v));
  const purposeFound = intent.purposeWords.filter((w) => mentions(textWords, w));
  const purposeMissing = intent.purposeWords.filter((w) => !purposeFound.includes(w));
  const goalsReflected = intent.goals.filter((g) => mentions(textWords, g));
  const signals = measurableSignalCount(text);

  const ratioScore = (found: number, total: number) =>
    total === 0 ? 40 : clampScore(25 + (70 * found) / total);
  const purposeAlignment = ratioScore(purposeFound.length, intent.purposeWords.length);
  const valuesAlignment = ratioScore(reflected.length, intent.values.length);
  const goalClarity = clampScore(25 + 14 * signals + 10 * goalsReflected.length);
  const overall = clampScore(0.4 * purposeAlignment + 0.4 * valuesAlignment + 0.2 * goalClarity);

  const strengths = [
    ...reflected.map((v) => `The text reflects your stated value "${v}".`),
    ...(purposeFound.length > 0
      ? [
          `It echoes your purpose in the ${purposeFound.length === 1 ? 'word' : 'words'} ${quoted(purposeFound)}.`,
        ]
      : []),
    ...goalsReflected.map((g) => `It supports your goal "${g}".`),
    ...(signals >= 2 ? ['It states something measurable, with a number or a timeframe.'] : []),
  ];
  const misalignments = [
    ...missing.map((v) => `Your stated value "${v}" does not show in the text.`),
    ...(intent.purposeWords.length > 0 && purposeFound.length * 2 < intent.purposeWords.length
      ? [`The text leaves out the language of your purpose: ${quoted(purposeMissing)}.`]
      : []),
    ...(signals < 2 ? ['The text names no measurable goal or deadline.'] : []),
  ];
  const recommendations: AlignmentOutput['recommendations'] = [
    ...missing.slice(0, 3).map((v, i) => ({
      action: `Show "${v}" in what you commit to: add one concrete practice or promise that demonstrates it.`,
      rationale: `"${v}" is one of your stated core values, but the text never expresses it.`,
      priority: (i === 0 ? 'high' : 'medium') as Priority,
    })),
    ...(purposeMissing.length > 0 && purposeFound.length * 2 < intent.purposeWords.length
      ? [
          {
            action: `Tie the text back to your purpose, using its own words such as ${quoted(purposeMissing, 3)}.`,
            rationale:
              'Readers should see why this matters for the purpose the business exists for.',
            priority: 'medium' as Priority,
          },
        ]
      : []),
    ...(signals < 2
      ? [
          {
            action: 'Add one measurable target with a deadline.',
            rationale: 'Without a number and a date nobody can tell whether the intent was met.',
            priority: (missing.length === 0 ? 'high' : 'medium') as Priority,
          },
        ]
      : []),
  ];
  if (recommendations.length === 0) {
    recommendations.push({
      action: 'Keep this wording and use it as the model for related plans and messages.',
      rationale: 'It already reflects every stated value and the purpose, with measurable intent.',
      priority: 'low',
    });
  }

  // Only what the context gave is counted: no "0 of 0 stated values".
  const shares = [
    ...(intent.values.length > 0
      ? [
          countOf(reflected.length, intent.values.length, 'stated value') +
            (reflected.length > 0 ? ` (${quoted(reflected)})` : ''),
        ]
      : []),
    ...(intent.purposeWords.length > 0
      ? [countOf(purposeFound.length, intent.purposeWords.length, 'purpose word')]
      : []),
  ];
  const unstated = [
    ...(intent.values.length === 0 ? ['core values'] : []),
    ...(intent.purposeWords.length === 0 ? ['purpose'] : []),
  ];
  const stated =
    (shares.length > 0 ? ` The text reflects ${listing(shares)}.` : '') +
    (unstated.length > 0
      ? ` No ${unstated.join(' or ')} ${unstated.length === 1 ? 'was' : 'were'} given in the context, so ${unstated.length === 1 ? 'that score is' : 'those scores are'} conservative.`
      : '');
  return {
    scores: {
      overall_score: overall,
      purpose_alignment: purposeAlignment,
      values_alignment: valuesAlignment,
      goal_clarity: goalClarity,
    },
    overall_assessment: `${OFFLINE_NOTE} overall alignment ${overall} of 100.${stated} The most important change: ${recommendations[0]?.action ?? ''}`,
    strengths: strengths.slice(0, 10),
    misalignments: misalignments.slice(0, 10),
    recommendations: recommendations.slice(0, 5),
  };
}

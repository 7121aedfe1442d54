// The offline alignment analysis: which stated core values and purpose words the text
// reflects and which it leaves out, whether it states something measurable, and scores that
// follow those shares.
import type { InputOf } from '../analysis-input.js';
import type { AlignmentOutput, Priority } from '../outputs.js';
import { OFFLINE_NOTE, clampScore } from './assessment.js';
import { statedIntent } from './business-context.js';
import { mentions, quoted, words } from './text.js';

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

export function offlineAlignment(input: InputOf<'alignment'>): AlignmentOutput {
  const text = input.textToAnalyze;
  const textWords = words(text);
  const intent = statedIntent(input.context);
  const reflected = intent.values.filter((v) => mentions(textWords, v));
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
      ? [`It echoes your purpose in the words ${quoted(purposeFound)}.`]
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

  const stated =
    intent.values.length + intent.purposeWords.length === 0
      ? ' No purpose or core values were given in the context, so those two scores are conservative.'
      : ` The text reflects ${reflected.length} of ${intent.values.length} stated values` +
        `${reflected.length > 0 ? ` (${quoted(reflected)})` : ''} and ${purposeFound.length} of ` +
        `${intent.purposeWords.length} purpose words.`;
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

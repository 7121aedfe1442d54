// The offline strategy analysis: which of six elements of a complete strategy the text names,
// quoting the owner's sentence for each; the missing ones become weaknesses and recommendations.
import type { InputOf } from '../analysis-input.js';
import type { StrategyOutput } from '../outputs.js';
import { OFFLINE_NOTE, clampScore } from './assessment.js';
import { listFrom, statedIntent } from './business-context.js';
import {
  hasAnyStem,
  listing,
  mentions,
  quote,
  quoted,
  sentences,
  words,
} from '../../domain/text.js';

interface StrategyElement {
  readonly name: string;
  readonly stems: readonly string[];
  /** Whether a sentence names the element; by default, any of its stems starts a word of it. */
  readonly namedIn?: (sentence: string, sentenceWords: readonly string[]) => boolean;
  readonly category: string;
  readonly gap: string;
  readonly action: string;
  readonly impact: string;
  /** What to build on once the strategy names this element. */
  readonly opportunity: string;
}

const directionStems = ['target', 'goal', 'increase', 'grow', 'reduce', 'double', 'reach'];
const timeStems = ['year', 'quarter', 'month', 'week', 'deadline'];

const numberWords = ['two', 'three', 'four', 'five', 'ten', 'hundred', 'thousand', 'million'];

/** "20%", "two years", "double": a quantity someone could check. */
function statesANumber(sentence: string, sentenceWords: readonly string[]): boolean {
  return (
    /\d/.test(sentence) ||
    hasAnyStem(sentenceWords, ['double', 'triple', 'halve']) ||
    sentenceWords.some((w) => numberWords.includes(w))
  );
}

const uncapitalised = (sentence: string) => sentence.charAt(0).toLowerCase() + sentence.slice(1);

const strategyElements: readonly StrategyElement[] = [
  {
    name: 'target customer',
    stems: ['customer', 'client', 'segment', 'market', 'audience', 'buyer', 'owners'],
    category: 'Positioning',
    gap: 'It does not say who exactly the business serves.',
    action: 'Name the one customer segment you will win first and what they need most.',
    impact: 'Focuses marketing and sales effort on the buyers most likely to say yes.',
    opportunity:
      'Learn more about the customers you describe: ask ten of them what they would pay more for.',
  },
  {
    name: 'differentiation',
    stems: ['unique', 'differen', 'only', 'better', 'premium', 'special', 'niche', 'advantage'],
    category: 'Positioning',
    gap: 'It does not say why a customer would choose you over the alternatives.',
    action:
      'Write down the one advantage competitors cannot easily copy and build the offer on it.',
    impact: 'Protects price and margin against competitors.',
    opportunity: 'Make the advantage you describe the headline of every offer.',
  },
  {
    name: 'revenue model',
    stems: ['price', 'pricing', 'subscript', 'fee', 'margin', 'revenue', 'recurring', 'retainer'],
    category: 'Pricing',
    gap: 'It does not say how the business makes money or at what price.',
    action: 'Decide the pricing model and the price points that fund the strategy.',
    impact: 'Makes the strategy financially testable.',
    opportunity: 'Test a price step on the revenue model you describe with a few customers.',
  },
  {
    name: 'channels',
    stems: ['online', 'partner', 'referr', 'marketing', 'sales', 'channel', 'website', 'social'],
    category: 'Marketing',
    gap: 'It does not say how customers will find and buy from you.',
    action: 'Pick the two channels that reach your target customers and plan them.',
    impact: 'Turns the strategy into a predictable flow of leads.',
    opportunity: 'Grow the channel you already describe before you add another.',
  },
  {
    name: 'measurable targets',
    stems: directionStems,
    // "Grow through partnerships" is a direction; a target needs a number to reach.
    namedIn: (sentence, sentenceWords) =>
      statesANumber(sentence, sentenceWords) &&
      (hasAnyStem(sentenceWords, directionStems) || /[%$€£]/.test(sentence)),
    category: 'Finance',
    gap: 'It sets no measurable target.',
    action: 'Set two or three numeric targets (revenue, customers, margin) the strategy must hit.',
    impact: 'Lets you tell early whether the strategy works.',
    opportunity: 'Use the targets you set to decide where to put more effort each month.',
  },
  {
    name: 'timeframe',
    stems: timeStems,
    namedIn: (sentence, sentenceWords) =>
      hasAnyStem(sentenceWords, timeStems) || /\b20\d\d\b|\bq[1-4]\b/i.test(sentence),
    category: 'Operations',
    gap: 'It gives no timeframe.',
    action: 'Put the strategy on a calendar: milestones for the next four quarters.',
    impact: 'Creates a rhythm for reviewing progress.',
    opportunity: 'Plan milestones backwards from the timeframe you set.',
  },
];

/** The first sentence of the text that names the element, if any does. */
function evidenceOf(element: StrategyElement, text: readonly string[]): string | undefined {
  return text.find((s) =>
    element.namedIn ? element.namedIn(s, words(s)) : hasAnyStem(words(s), element.stems),
  );
}

/** The weakness a missing element leaves; a direction without a number is named as such. */
function gapOf(element: StrategyElement, textWords: readonly string[]): string {
  return element.name === 'measurable targets' && hasAnyStem(textWords, directionStems)
    ? 'It names a direction but no number to reach, so nobody can tell when it has worked.'
    : element.gap;
}

export function offlineStrategy(input: InputOf<'strategy'>): StrategyOutput {
  const text = input.currentStrategy;
  const textWords = words(text);
  const textSentences = sentences(text);
  const evidence = new Map(strategyElements.map((e) => [e, evidenceOf(e, textSentences)]));
  const present = strategyElements.filter((e) => evidence.get(e) !== undefined);
  const absent = strategyElements.filter((e) => !present.includes(e));
  const intent = statedIntent(input.context);
  const purposeFound = intent.purposeWords.filter((w) => mentions(textWords, w));
  const score = clampScore(
    20 + (70 * present.length) / strategyElements.length + (purposeFound.length > 0 ? 8 : 0),
  );

  // One strength per quoted sentence, naming every element it carries: no sentence twice.
  const namedBySentence = new Map<string, string[]>();
  for (const e of present) {
    const sentence = quote(evidence.get(e) ?? '');
    namedBySentence.set(sentence, [...(namedBySentence.get(sentence) ?? []), e.name]);
  }
  const strengths = [
    ...[...namedBySentence].map(
      ([sentence, names]) => `It names its ${listing(names)}: "${sentence}"`,
    ),
    ...(purposeFound.length > 0
      ? [`It connects to your purpose through ${quoted(purposeFound, 4)}.`]
      : []),
  ];
  const weaknesses = absent.map((e) => gapOf(e, textWords));
  const opportunities = [
    ...listFrom(input.context.opportunities ?? input.context.market).map(
      (o) => `The context points to an opening: "${quote(o)}".`,
    ),
    ...present.slice(0, 3).map((e) => e.opportunity),
  ];
  const recommendations: StrategyOutput['recommendations'] = absent.slice(0, 5).map((e, i) => ({
    category: e.category,
    recommendation: e.action,
    priority: i < 2 ? 'high' : 'medium',
    rationale: gapOf(e, textWords),
    estimated_impact: e.impact,
  }));
  if (recommendations.length === 0) {
    recommendations.push({
      category: 'Operations',
      recommendation: 'Review the strategy every quarter against the targets it sets.',
      priority: 'low',
      rationale: 'It already names every element a strategy needs; keeping it current is next.',
      estimated_impact: 'Catches drift early.',
    });
  }
  return {
    effectiveness_score: score,
    overall_assessment:
      `${OFFLINE_NOTE} the strategy names ${present.length === 0 ? 'none of the' : `${present.length} of`} ${strategyElements.length} ` +
      `elements of a complete strategy${present.length > 0 ? ` (${listing(present.map((e) => e.name))})` : ''}.` +
      (absent.length > 0
        ? ` The biggest gap: ${absent[0] ? uncapitalised(gapOf(absent[0], textWords)) : ''}`
        : ' Its biggest risk is execution.'),
    strengths: strengths.slice(0, 10),
    weaknesses: weaknesses.slice(0, 10),
    opportunities: opportunities.slice(0, 10),
    recommendations,
  };
}

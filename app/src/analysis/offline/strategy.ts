// The offline strategy analysis: which of six elements of a complete strategy the text names,
// quoting the owner's sentence for each; the missing ones become weaknesses and recommendations.
import type { InputOf } from '../analysis-input.js';
import type { StrategyOutput } from '../outputs.js';
import { OFFLINE_NOTE, clampScore } from './assessment.js';
import { listFrom, statedIntent } from './business-context.js';
import { hasAnyStem, listing, mentions, quote, quoted, sentences, words } from './text.js';

interface StrategyElement {
  readonly name: string;
  readonly stems: readonly string[];
  readonly category: string;
  readonly gap: string;
  readonly action: string;
  readonly impact: string;
}

const strategyElements: readonly StrategyElement[] = [
  {
    name: 'target customer',
    stems: ['customer', 'client', 'segment', 'market', 'audience', 'buyer', 'owners'],
    category: 'Positioning',
    gap: 'It does not say who exactly the business serves.',
    action: 'Name the one customer segment you will win first and what they need most.',
    impact: 'Focuses marketing and sales effort on the buyers most likely to say yes.',
  },
  {
    name: 'differentiation',
    stems: ['unique', 'differen', 'only', 'better', 'premium', 'special', 'niche', 'advantage'],
    category: 'Positioning',
    gap: 'It does not say why a customer would choose you over the alternatives.',
    action:
      'Write down the one advantage competitors cannot easily copy and build the offer on it.',
    impact: 'Protects price and margin against competitors.',
  },
  {
    name: 'revenue model',
    stems: ['price', 'pricing', 'subscript', 'fee', 'margin', 'revenue', 'recurring', 'retainer'],
    category: 'Pricing',
    gap: 'It does not say how the business makes money or at what price.',
    action: 'Decide the pricing model and the price points that fund the strategy.',
    impact: 'Makes the strategy financially testable.',
  },
  {
    name: 'channels',
    stems: ['online', 'partner', 'referr', 'marketing', 'sales', 'channel', 'website', 'social'],
    category: 'Marketing',
    gap: 'It does not say how customers will find and buy from you.',
    action: 'Pick the two channels that reach your target customers and plan them.',
    impact: 'Turns the strategy into a predictable flow of leads.',
  },
  {
    name: 'measurable targets',
    stems: ['target', 'goal', 'increase', 'grow', 'reduce', 'double'],
    category: 'Finance',
    gap: 'It sets no measurable target.',
    action: 'Set two or three numeric targets (revenue, customers, margin) the strategy must hit.',
    impact: 'Lets you tell early whether the strategy works.',
  },
  {
    name: 'timeframe',
    stems: ['year', 'quarter', 'month', 'week', 'deadline'],
    category: 'Operations',
    gap: 'It gives no timeframe.',
    action: 'Put the strategy on a calendar: milestones for the next four quarters.',
    impact: 'Creates a rhythm for reviewing progress.',
  },
];

function sentenceWith(text: string, stems: readonly string[]): string | undefined {
  return sentences(text).find((s) => hasAnyStem(words(s), stems));
}

export function offlineStrategy(input: InputOf<'strategy'>): StrategyOutput {
  const text = input.currentStrategy;
  const textWords = words(text);
  const withDigits = (e: StrategyElement) =>
    e.name === 'measurable targets' && /\d/.test(text) ? true : hasAnyStem(textWords, e.stems);
  const present = strategyElements.filter(withDigits);
  const absent = strategyElements.filter((e) => !present.includes(e));
  const intent = statedIntent(input.context);
  const purposeFound = intent.purposeWords.filter((w) => mentions(textWords, w));
  const score = clampScore(
    20 + (70 * present.length) / strategyElements.length + (purposeFound.length > 0 ? 8 : 0),
  );

  const strengths = [
    ...present.map((e) => {
      const evidence = sentenceWith(text, e.stems);
      return evidence ? `It names its ${e.name}: "${quote(evidence)}"` : `It names its ${e.name}.`;
    }),
    ...(purposeFound.length > 0
      ? [`It connects to your purpose through ${quoted(purposeFound, 4)}.`]
      : []),
  ];
  const weaknesses = absent.map((e) => e.gap);
  const opportunities = [
    ...listFrom(input.context.opportunities ?? input.context.market).map(
      (o) => `The context points to an opening: "${quote(o)}".`,
    ),
    ...present
      .slice(0, 3)
      .map((e) => `Build on the ${e.name} you already describe to win a larger share.`),
  ];
  const recommendations: StrategyOutput['recommendations'] = absent.slice(0, 5).map((e, i) => ({
    category: e.category,
    recommendation: e.action,
    priority: i < 2 ? 'high' : 'medium',
    rationale: e.gap,
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
      `${OFFLINE_NOTE} the strategy names ${present.length} of ${strategyElements.length} ` +
      `elements of a complete strategy${present.length > 0 ? ` (${listing(present.map((e) => e.name))})` : ''}.` +
      (absent.length > 0
        ? ` The biggest gap: ${absent[0]?.gap.toLowerCase() ?? ''}`
        : ' Its biggest risk is execution.'),
    strengths: strengths.slice(0, 10),
    weaknesses: weaknesses.slice(0, 10),
    opportunities: opportunities.slice(0, 10),
    recommendations,
  };
}

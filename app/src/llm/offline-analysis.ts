// The offline analyses: deterministic stand-ins for the model that build each analysis from the
// request itself — which stated values and purpose words the text reflects, which strategy
// elements it names, which business areas the KPIs cover, how the owner's sentences sort into
// SWOT, causes or steps. Every answer still has to pass the analysis's output schema.
import type { AnalysisInput, BusinessContext } from '../analysis/analysis.js';
import type {
  AlignmentOutput,
  KpiOutput,
  OperationsOutput,
  OperationsType,
  StrategyOutput,
} from '../analysis/outputs.js';

type Priority = 'high' | 'medium' | 'low';
type Input<T extends AnalysisInput['type']> = Extract<AnalysisInput, { type: T }>;

const OFFLINE_NOTE = 'Offline analysis (no language model was used):';

const stopWords = new Set(
  'a an and are as at be but by for from has have in into is it its of on or our that the their this to was we were will with you your who what when where which while than then they them there these those about over also more most very just only can could should would'.split(
    ' ',
  ),
);

// ---- text helpers ----

export function words(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}']+/gu) ?? [];
}

/** Words worth matching: no stop words, at least four letters, each once. */
export function contentWords(text: string): string[] {
  return [...new Set(words(text).filter((w) => w.length >= 4 && !stopWords.has(w)))];
}

/** A word's matching stem, so "innovation" also finds "innovative" and "trust" finds "trusted". */
function stem(word: string): string {
  return word.slice(0, Math.max(4, Math.min(6, word.length - 2)));
}

function mentions(textWords: readonly string[], term: string): boolean {
  const termWords = contentWords(term);
  const candidates = termWords.length > 0 ? termWords : words(term);
  return candidates.some((t) => textWords.some((w) => w.startsWith(stem(t))));
}

/** Short cues ("not", "new") must match a whole word; longer ones are stems. */
function hasAnyStem(textWords: readonly string[], stems: readonly string[]): boolean {
  return stems.some((s) => textWords.some((w) => (s.length <= 3 ? w === s : w.startsWith(s))));
}

export function sentences(text: string): string[] {
  return text
    .split(/(?<=[.!?])\s+|\n+/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/** A sentence short enough to quote back. */
export function quote(text: string, max = 160): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 3).trimEnd()}...` : flat;
}

export function listing(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

const quoted = (items: readonly string[]) => listing(items.map((i) => `"${i}"`));

/** Strings from a context entry: a list of strings, or one string split at commas. */
function listFrom(value: unknown): string[] {
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

function textFrom(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return listFrom(value).join('. ');
  return '';
}

interface StatedIntent {
  readonly values: string[];
  readonly purposeWords: string[];
  readonly goals: string[];
}

function statedIntent(context: BusinessContext): StatedIntent {
  const purpose = textFrom(context.purpose ?? context.mission ?? context.purpose_statement);
  return {
    values: listFrom(context.core_values ?? context.values),
    purposeWords: contentWords(purpose),
    goals: listFrom(context.goals ?? context.goal),
  };
}

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

const clampScore = (n: number) => Math.max(0, Math.min(100, Math.round(n)));

// ---- alignment ----

export function offlineAlignment(input: Input<'alignment'>): AlignmentOutput {
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
      ? [`It echoes your purpose in the words ${quoted(purposeFound.slice(0, 6))}.`]
      : []),
    ...goalsReflected.map((g) => `It supports your goal "${g}".`),
    ...(signals >= 2 ? ['It states something measurable, with a number or a timeframe.'] : []),
  ];
  const misalignments = [
    ...missing.map((v) => `Your stated value "${v}" does not show in the text.`),
    ...(intent.purposeWords.length > 0 && purposeFound.length * 2 < intent.purposeWords.length
      ? [`The text leaves out the language of your purpose: ${quoted(purposeMissing.slice(0, 6))}.`]
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
            action: `Tie the text back to your purpose, using its own words such as ${quoted(purposeMissing.slice(0, 3))}.`,
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

// ---- strategy ----

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

export function offlineStrategy(input: Input<'strategy'>): StrategyOutput {
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
      ? [`It connects to your purpose through ${quoted(purposeFound.slice(0, 4))}.`]
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

// ---- kpi ----

interface KpiArea {
  readonly name: string;
  readonly stems: readonly string[];
  readonly suggestion: KpiOutput['recommended_kpis'][number];
}

const kpiAreas: readonly KpiArea[] = [
  {
    name: 'financial results',
    stems: ['revenue', 'profit', 'margin', 'cash', 'cost', 'sales', 'income', 'ebitda', 'spend'],
    suggestion: {
      kpi_name: 'Gross margin',
      description: '(Revenue - direct costs) / revenue, per month, in percent.',
      rationale: 'Shows whether growth is profitable, not just bigger.',
      target_range: null,
      measurement_frequency: 'monthly',
    },
  },
  {
    name: 'customer retention and satisfaction',
    stems: ['customer', 'client', 'retention', 'churn', 'nps', 'satisf', 'referr', 'review'],
    suggestion: {
      kpi_name: 'Customer retention rate',
      description:
        'Customers at the end of the period who were customers at its start, in percent.',
      rationale: 'Keeping customers is cheaper than finding new ones and shows delivered value.',
      target_range: null,
      measurement_frequency: 'quarterly',
    },
  },
  {
    name: 'operational delivery',
    stems: ['deliver', 'cycle', 'time', 'defect', 'utili', 'throughput', 'on-time', 'error'],
    suggestion: {
      kpi_name: 'On-time delivery rate',
      description:
        'Orders or projects delivered by the promised date, in percent of all delivered.',
      rationale: 'Reliability is what customers notice first.',
      target_range: '90-98%',
      measurement_frequency: 'weekly',
    },
  },
  {
    name: 'team engagement',
    stems: ['employee', 'team', 'staff', 'engage', 'turnover', 'hiring', 'training', 'people'],
    suggestion: {
      kpi_name: 'Employee turnover',
      description: 'People who left in the last twelve months / average headcount, in percent.',
      rationale: 'Losing people costs knowledge, time and money.',
      target_range: null,
      measurement_frequency: 'quarterly',
    },
  },
  {
    name: 'pipeline and growth',
    stems: ['lead', 'conversion', 'traffic', 'pipeline', 'signup', 'prospect', 'booking'],
    suggestion: {
      kpi_name: 'Lead-to-customer conversion rate',
      description: 'New customers / qualified leads in the same period, in percent.',
      rationale: 'Shows whether marketing effort turns into revenue.',
      target_range: null,
      measurement_frequency: 'monthly',
    },
  },
];

const measureWords = [
  'rate',
  'ratio',
  'percent',
  'average',
  'number',
  'count',
  'score',
  'days',
  'hours',
  'per',
  'total',
  'growth',
];

function isMeasurable(kpi: string): boolean {
  const kpiWords = words(kpi);
  return /\d|%/.test(kpi) || measureWords.some((m) => kpiWords.includes(m));
}

export function offlineKpi(input: Input<'kpi'>): KpiOutput {
  const intent = statedIntent(input.context);
  const goalWords = [...intent.goals.flatMap(contentWords), ...intent.purposeWords];
  const covered = new Set<string>();

  const currentKpiAnalysis = input.currentKpis.map((kpi) => {
    const kpiWords = words(kpi);
    const areas = kpiAreas.filter((a) => hasAnyStem(kpiWords, a.stems));
    for (const area of areas) covered.add(area.name);
    const measurable = isMeasurable(kpi);
    const tiedToGoal = goalWords.some((g) => mentions(kpiWords, g));
    const relevance: Priority = tiedToGoal ? 'high' : areas.length > 0 ? 'medium' : 'low';
    const area = areas.length > 0 ? listing(areas.map((a) => a.name)) : 'no clear business area';
    return {
      kpi,
      assessment:
        `${measurable ? 'Measurable as written' : 'Not yet measurable as written: define its unit and how it is counted'}; ` +
        `it tracks ${area}${tiedToGoal ? ' and ties directly to your stated goals' : ''}.`,
      relevance,
    };
  });

  const missingAreas = kpiAreas.filter((a) => !covered.has(a.name));
  const measurableCount = input.currentKpis.filter(isMeasurable).length;
  const score = clampScore(
    15 +
      (45 * covered.size) / kpiAreas.length +
      (35 * measurableCount) / Math.max(1, input.currentKpis.length),
  );
  const vague = input.currentKpis.filter((k) => !isMeasurable(k));
  const recommended: KpiOutput['recommended_kpis'] = missingAreas
    .slice(0, 4)
    .map((a) => a.suggestion);
  if (vague[0] !== undefined) {
    recommended.push({
      kpi_name: `${quote(vague[0], 80)} (defined)`,
      description: `The same measure as "${quote(vague[0], 80)}", with a unit, a formula and a data source.`,
      rationale: 'A KPI nobody can calculate the same way twice cannot steer decisions.',
      target_range: null,
      measurement_frequency: 'monthly',
    });
  }
  if (recommended.length === 0) {
    recommended.push({
      kpi_name: 'KPI review',
      description:
        'A monthly check that each KPI still drives a decision, retiring any that do not.',
      rationale: 'The set already covers every area; keeping it lean keeps it useful.',
      target_range: null,
      measurement_frequency: 'monthly',
    });
  }
  return {
    kpi_effectiveness_score: score,
    overall_assessment:
      `${OFFLINE_NOTE} your ${input.currentKpis.length} KPIs cover ${covered.size} of ` +
      `${kpiAreas.length} business areas, and ${measurableCount} of them are measurable as written.` +
      (missingAreas[0] ? ` The biggest blind spot is ${missingAreas[0].name}.` : ''),
    current_kpi_analysis: currentKpiAnalysis,
    missing_kpis: missingAreas.map((a) => a.name),
    recommended_kpis: recommended.slice(0, 5),
  };
}

// ---- operations ----

const cues = {
  threat: [
    'competit',
    'regulat',
    'economy',
    'recession',
    'inflation',
    'rising',
    'supplier',
    'shortage',
    'threat',
    'risk',
  ],
  weakness: [
    'lack',
    'slow',
    'late',
    'poor',
    'struggl',
    'problem',
    'issue',
    'difficult',
    'hard',
    'expensive',
    'costly',
    'losing',
    'lost',
    'fail',
    'miss',
    'delay',
    'complain',
    'bottleneck',
    'manual',
    'not',
    'never',
    'too',
  ],
  opportunity: [
    'demand',
    'grow',
    'opportun',
    'trend',
    'new',
    'partner',
    'expand',
    'untapped',
    'interest',
    'request',
    'asking',
  ],
  strength: [
    'good',
    'strong',
    'loyal',
    'experienc',
    'quality',
    'skilled',
    'reputation',
    'proud',
    'best',
    'trusted',
    'well',
  ],
  cause: [
    'because',
    'due',
    'since',
    'caused',
    'lack',
    'without',
    'manual',
    'nobody',
    'too',
    'never',
  ],
};

function sortSentences(description: string) {
  const sorted = {
    strengths: [] as string[],
    weaknesses: [] as string[],
    opportunities: [] as string[],
    threats: [] as string[],
  };
  for (const s of sentences(description)) {
    const w = words(s);
    if (hasAnyStem(w, cues.threat)) sorted.threats.push(quote(s));
    else if (hasAnyStem(w, cues.weakness)) sorted.weaknesses.push(quote(s));
    else if (hasAnyStem(w, cues.opportunity)) sorted.opportunities.push(quote(s));
    else if (hasAnyStem(w, cues.strength)) sorted.strengths.push(quote(s));
  }
  return sorted;
}

function ownerOf(context: BusinessContext): string {
  return typeof context.owner === 'string' && context.owner.trim()
    ? quote(context.owner, 60)
    : 'Owner';
}

function operationsFindings(
  type: OperationsType,
  input: Input<'operations'>,
): Pick<OperationsOutput, 'specific_analysis_type' | 'findings'> & { focus: string[] } {
  const all = sentences(input.description).map((s) => quote(s));
  const sorted = sortSentences(input.description);
  switch (type) {
    case 'swot': {
      const absent = (what: string, ask: string) => [`The description names no ${what}; ${ask}`];
      return {
        specific_analysis_type: 'swot',
        findings: {
          strengths: sorted.strengths.length
            ? sorted.strengths
            : absent('strengths', 'list what customers praise you for.'),
          weaknesses: sorted.weaknesses.length
            ? sorted.weaknesses
            : absent('weaknesses', 'list what slows the business down.'),
          opportunities: sorted.opportunities.length
            ? sorted.opportunities
            : absent('opportunities', 'list where demand is growing.'),
          threats: sorted.threats.length
            ? sorted.threats
            : absent(
                'external threats',
                'list the competitors, costs or rules that could hurt you.',
              ),
        },
        focus: [...sorted.weaknesses, ...sorted.threats, ...sorted.opportunities],
      };
    }
    case 'root_cause': {
      const problem = sorted.weaknesses[0] ?? all[0] ?? quote(input.description);
      const rest = all.filter((s) => s !== problem);
      const causes = rest.filter((s) => hasAnyStem(words(s), cues.cause));
      const factors = rest.filter((s) => !causes.includes(s));
      return {
        specific_analysis_type: 'root_cause',
        findings: {
          problem,
          root_causes: causes.length
            ? causes.slice(0, 4)
            : [`No cause is stated yet; ask "why" about: ${problem}`],
          contributing_factors: factors.slice(0, 5),
        },
        focus: causes.length ? causes : [problem],
      };
    }
    case 'action_plan': {
      const goal =
        textFrom(input.context.goal) ||
        listFrom(input.context.goals)[0] ||
        `Resolve: ${all[0] ?? quote(input.description)}`;
      const owner = ownerOf(input.context);
      const steps = [
        `Agree how success on "${quote(goal, 80)}" will be measured`,
        ...all.slice(0, 5).map((s) => `Address: ${s}`),
        'Review progress and adjust the plan',
      ];
      return {
        specific_analysis_type: 'action_plan',
        findings: {
          goal: quote(goal, 300),
          action_items: steps.map((action, i) => ({ action, owner, timeline: `Week ${i + 1}` })),
        },
        focus: all.slice(0, 3),
      };
    }
  }
}

export function offlineOperations(input: Input<'operations'>): OperationsOutput {
  const { focus, ...found } = operationsFindings(input.specificType, input);
  const recommendations = focus.slice(0, 4).map((point, i) => ({
    action: `Act on: ${point}`,
    rationale: `It came out of the ${input.specificType.replace('_', ' ')} of what you described.`,
    priority: (i === 0 ? 'high' : i < 3 ? 'medium' : 'low') as Priority,
  }));
  if (recommendations.length === 0) {
    recommendations.push({
      action: 'Describe the situation in more detail: what works, what does not, and why.',
      rationale: 'The description gave too little to sort into findings.',
      priority: 'medium',
    });
  }
  return {
    ...found,
    recommendations,
    priority_actions: recommendations.slice(0, 3).map((r) => r.action),
  } as OperationsOutput;
}

export function offlineAnalysis(input: AnalysisInput): unknown {
  switch (input.type) {
    case 'alignment':
      return offlineAlignment(input);
    case 'strategy':
      return offlineStrategy(input);
    case 'kpi':
      return offlineKpi(input);
    case 'operations':
      return offlineOperations(input);
  }
}

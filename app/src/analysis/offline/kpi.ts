// The offline KPI analysis: each KPI as written, whether it is measurable, which business area
// it tracks and whether it ties to a stated goal; the uncovered areas are the missing KPIs.
import type { InputOf } from '../analysis-input.js';
import type { KpiOutput, Priority } from '../outputs.js';
import { OFFLINE_NOTE, clampScore } from './assessment.js';
import { statedIntent } from './business-context.js';
import { contentWords, hasAnyStem, listing, mentions, quote, words } from '../../domain/text.js';

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

/** Things that are counted or summed by nature: "Monthly revenue" is measurable as written. */
const quantityStems = [
  'revenue',
  'sales',
  'profit',
  'income',
  'ebitda',
  'cost',
  'spend',
  'order',
  'leads',
  'signup',
  'churn',
  'turnover',
  'headcount',
  'booking',
  'visit',
  'download',
  'nps',
  'mrr',
  'arr',
];

function isMeasurable(kpi: string): boolean {
  const kpiWords = words(kpi);
  return (
    /\d|%/.test(kpi) ||
    measureWords.some((m) => kpiWords.includes(m)) ||
    hasAnyStem(kpiWords, quantityStems)
  );
}

/** "your KPI covers …, and it is measurable" / "your 3 KPIs cover …, and 2 of them are …". */
function coverageSentence(kpis: number, covered: number, measurable: number): string {
  const subject = kpis === 1 ? 'your KPI covers' : `your ${kpis} KPIs cover`;
  const areas = `${covered === 0 ? 'none of the' : `${covered} of`} ${kpiAreas.length} business areas`;
  let measured: string;
  if (kpis === 1) measured = measurable === 1 ? 'it is' : 'it is not yet';
  else if (measurable === kpis) measured = kpis === 2 ? 'both are' : `all ${kpis} are`;
  else if (measurable === 0) measured = 'none of them is yet';
  else measured = `${measurable} of them ${measurable === 1 ? 'is' : 'are'}`;
  return `${subject} ${areas}, and ${measured} measurable as written.`;
}

export function offlineKpi(input: InputOf<'kpi'>): KpiOutput {
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
      `${OFFLINE_NOTE} ${coverageSentence(input.currentKpis.length, covered.size, measurableCount)}` +
      (missingAreas[0] ? ` The biggest blind spot is ${missingAreas[0].name}.` : ''),
    current_kpi_analysis: currentKpiAnalysis,
    missing_kpis: missingAreas.map((a) => a.name),
    recommended_kpis: recommended.slice(0, 5),
  };
}

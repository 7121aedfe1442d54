// The offline operations analysis: the owner's sentences sorted into SWOT quadrants, into a
// problem with its stated causes and contributing factors, or into the steps of a plan.
import type { BusinessContext, InputOf } from '../analysis-input.js';
import type { OperationsOutput, OperationsType, Priority } from '../outputs.js';
import { listFrom, textFrom } from './business-context.js';
import { hasAnyStem, quote, sentences, words } from '../../domain/text.js';

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
    'overload',
    'overwhelm',
    'overwork',
    'understaff',
    'backlog',
    'burnout',
    'stretched',
    'behind',
    'waiting',
    'error',
    'mistake',
    'weak',
    'unclear',
    'confus',
    'outdated',
    'broken',
    'inconsisten',
    'unreliab',
    'churn',
    'stress',
    'exhaust',
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

/** A sentence of the owner's worth acting on, and what kind of finding it is. */
interface FocusPoint {
  readonly point: string;
  readonly kind: 'weakness' | 'threat' | 'opportunity' | 'cause' | 'problem' | 'step';
}

const advice: Record<
  FocusPoint['kind'],
  { readonly action: (point: string) => string; readonly rationale: string }
> = {
  weakness: {
    action: (p) => `Fix this weakness: "${p}"`,
    rationale: 'A weakness inside the business is the quickest thing you can change.',
  },
  threat: {
    action: (p) => `Prepare for this threat: "${p}"`,
    rationale: 'An outside risk is cheaper to plan for before it lands.',
  },
  opportunity: {
    action: (p) => `Pursue this opportunity: "${p}"`,
    rationale: 'Your own description already points to this opening.',
  },
  cause: {
    action: (p) => `Remove this cause: "${p}"`,
    rationale: 'Fixing a cause keeps the problem from coming back.',
  },
  problem: {
    action: (p) => `Ask "why" until the cause of this is clear: "${p}"`,
    rationale: 'No cause is stated yet, and fixing only the symptom will not last.',
  },
  step: {
    action: (p) => `Start with: "${p}"`,
    rationale: 'It is among the first things your description names.',
  },
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
  input: InputOf<'operations'>,
): Pick<OperationsOutput, 'specific_analysis_type' | 'findings'> & { focus: FocusPoint[] } {
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
        focus: [
          ...sorted.weaknesses.map((point) => ({ point, kind: 'weakness' as const })),
          ...sorted.threats.map((point) => ({ point, kind: 'threat' as const })),
          ...sorted.opportunities.map((point) => ({ point, kind: 'opportunity' as const })),
        ],
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
        focus: causes.length
          ? causes.map((point) => ({ point, kind: 'cause' as const }))
          : [{ point: problem, kind: 'problem' as const }],
      };
    }
    case 'action_plan': {
      const goal =
        textFrom(input.context.goal).trim() ||
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
        focus: all.slice(0, 3).map((point) => ({ point, kind: 'step' as const })),
      };
    }
  }
}

export function offlineOperations(input: InputOf<'operations'>): OperationsOutput {
  const { focus, ...found } = operationsFindings(input.specificType, input);
  const recommendations = focus.slice(0, 4).map(({ point, kind }, i) => ({
    action: advice[kind].action(point),
    rationale: advice[kind].rationale,
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

// Model answers the fakes can be scripted with: schema-valid structured outputs to start from,
// and their JSON cut into pieces for a streamed answer.

/** The value's JSON text cut into `count` pieces, anywhere (a surrogate pair's middle too). */
export function jsonPieces(value: unknown, count = 4): string[] {
  const text = JSON.stringify(value);
  const size = Math.ceil(text.length / count);
  const pieces: string[] = [];
  for (let i = 0; i < text.length; i += size) pieces.push(text.slice(i, i + size));
  return pieces;
}

/** A valid coaching turn (coachAnswerSchema), as a model would put it in the tool's input. */
export function coachingTurn(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    ai_response: 'Honesty clearly matters to you.',
    follow_up_question: 'When did honesty cost you something?',
    insights: ['Speaks plainly even when it is uncomfortable'],
    identified_values: ['Honesty'],
    next_steps: null,
    result_status: 'exploring',
    ...overrides,
  };
}

const recommendation = {
  action: 'Name sustainability in the supplier promise.',
  rationale: 'It is a stated value the text leaves out.',
  priority: 'high',
};

/** A valid answer of each analysis (and of one operations method), as a model would give it. */
export const analysisAnswers = {
  alignment: {
    scores: { overall_score: 61, purpose_alignment: 70, values_alignment: 48, goal_clarity: 66 },
    overall_assessment: 'Solid on craft, silent on sustainability.',
    strengths: ['Craft is visible in every sentence.'],
    misalignments: ['Sustainability is absent.'],
    recommendations: [recommendation],
  },
  strategy: {
    effectiveness_score: 58,
    overall_assessment: 'A clear channel, an unclear customer.',
    strengths: ['Farmers markets give direct feedback.'],
    weaknesses: ['No target customer.'],
    opportunities: ['Wholesale to cafes.'],
    recommendations: [
      {
        category: 'Positioning',
        recommendation: 'Choose cafes as the first segment.',
        priority: 'high',
        rationale: 'They buy weekly.',
        estimated_impact: 'Steadier revenue.',
      },
    ],
  },
  kpi: {
    kpi_effectiveness_score: 40,
    overall_assessment: 'Financial only.',
    current_kpi_analysis: [{ kpi: 'Revenue', assessment: 'Clear but lagging.', relevance: 'high' }],
    missing_kpis: ['customer retention'],
    recommended_kpis: [
      {
        kpi_name: 'Repeat order rate',
        description: 'Share of cafes ordering again within 30 days.',
        rationale: 'Leading indicator of revenue.',
        target_range: '70-85%',
        measurement_frequency: 'monthly',
      },
    ],
  },
  swot: {
    specific_analysis_type: 'swot',
    findings: {
      strengths: ['Loyal bakers.'],
      weaknesses: ['Late deliveries.'],
      opportunities: ['Organic demand.'],
      threats: ['Price cuts by competitors.'],
    },
    recommendations: [recommendation],
    priority_actions: ['Fix the delivery schedule.'],
  },
} as const;

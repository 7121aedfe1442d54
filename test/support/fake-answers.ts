// Model answers the fakes can be scripted with: schema-valid structured outputs to start from.

/** A valid coaching turn (coachingTurnSchema), as a model would put it in the tool's input. */
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

/** A valid KPI analysis (kpiOutput), as a model would put it in the tool's input. */
export function kpiAnalysis(): Record<string, unknown> {
  return {
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
  };
}

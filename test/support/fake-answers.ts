// Model answers the fakes can be scripted with: schema-valid structured outputs to start from.

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

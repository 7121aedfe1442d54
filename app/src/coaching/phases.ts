// A conversation's phases: forward only, entered by the number of answers and, from synthesis
// on, by where the result stands; and the progress each phase reports. Pure functions; no I/O.
import { phases, type Phase, type ResultStatus } from '../domain/vocabulary.js';
import type { CoachingTemplate } from '../prompts/template.js';

export const phaseProgress: Readonly<Record<Phase, number>> = {
  introduction: 0.1,
  exploration: 0.3,
  deepening: 0.5,
  synthesis: 0.7,
  validation: 0.9,
  completion: 1.0,
};

export function isComplete(conversation: { readonly phase: Phase }): boolean {
  return conversation.phase === 'completion';
}

const later = (a: Phase, b: Phase): Phase => (phases.indexOf(a) >= phases.indexOf(b) ? a : b);

/**
 * The phase after a turn. Answers move the conversation through exploration, deepening and
 * synthesis (the template's thresholds); from synthesis on, the model's view of the result
 * moves it to validation (proposed) and completion (agreed, with enough values named).
 */
export function nextPhase(
  current: Phase,
  userTurns: number,
  resultStatus: ResultStatus,
  itemsNamed: number,
  template: Pick<CoachingTemplate, 'phase_thresholds' | 'completion'>,
): Phase {
  const t = template.phase_thresholds;
  let candidate: Phase = 'introduction';
  if (userTurns >= t.exploration) candidate = 'exploration';
  if (userTurns >= t.deepening) candidate = 'deepening';
  if (userTurns >= t.synthesis) {
    candidate = 'synthesis';
    const enough = itemsNamed >= template.completion.min_items;
    if (resultStatus === 'proposed' && enough) candidate = 'validation';
    if (resultStatus === 'agreed' && enough) {
      candidate =
        phases.indexOf(current) >= phases.indexOf('validation') ? 'completion' : 'validation';
    }
  }
  return later(current, candidate);
}

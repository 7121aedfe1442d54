// What the deterministic offline coach is told about a request, one variant per use case.
import type { ResultStatus } from '../coaching/conversation.js';
import type { CoachingTemplate, Phase } from '../prompts/template.js';

export interface CoachingTurnTask {
  readonly kind: 'coaching_turn';
  readonly template: CoachingTemplate;
  readonly userMessage: string;
  /** User messages so far, this one included. */
  readonly userTurns: number;
  readonly identifiedValues: readonly string[];
  readonly phase: Phase;
  readonly resultStatus: ResultStatus;
}

export type OfflineTask = CoachingTurnTask;

// What a message turn takes and what it answers. Both are plain data: the answer is stored as
// is for Idempotency-Key replays, and either can travel to whatever runs the turn.
import type { Phase } from '../domain/vocabulary.js';

export interface MessageInput {
  readonly userMessage: string;
  readonly metadata: Record<string, unknown>;
  readonly idempotencyKey?: string;
  /**
   * How long the turn may take from its lease, model calls included (a streamed turn's or a job's
   * budget is longer than a buffered turn's); the lease lasts this plus a margin.
   */
  readonly budgetMs?: number;
}

export interface TurnResult {
  readonly conversationId: string;
  readonly aiResponse: string;
  readonly followUpQuestion: string | null;
  readonly phase: Phase;
  readonly progress: number;
  readonly isComplete: boolean;
  readonly insights: readonly string[];
  readonly identifiedValues: readonly string[];
  readonly nextSteps: readonly string[] | null;
}

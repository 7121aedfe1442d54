// What a turn records of its model call: the tokens as metrics always, and the tokens and cost on
// the coaching session when the conversation has one; then the turn's one log line, answered or
// failed. A call that failed, or whose turn could not commit, was still paid for, so it is booked
// too. Bookkeeping never fails the turn: the user's answer matters more.
import type { Principal } from '../domain/principal.js';
import type { TokenUsage } from '../domain/usage.js';
import { asAppError } from '../errors.js';
import type { StructuredResult } from '../llm/port.js';
import { estimateCostUsd } from '../llm/pricing.js';
import type { CoachingTemplate } from '../prompts/template.js';
import type { CoachAnswer } from './coach-answer.js';
import { modelFor, type CoachingDeps } from './coaching-deps.js';
import { coachingLog } from './coaching-log.js';
import type { Conversation } from './conversation-entity.js';
import type { WonLease } from './conversation-lease.js';

interface ModelCall {
  readonly model: string;
  readonly provider: string;
  readonly usage: TokenUsage;
  readonly failed: boolean;
}

const callOf = (answer: StructuredResult<CoachAnswer>, failed: boolean): ModelCall => ({
  model: answer.model,
  provider: answer.provider,
  usage: answer.usage,
  failed,
});

/** After the commit: the call on the session, the metrics and the log line. */
export async function recordTurn(
  deps: CoachingDeps,
  principal: Principal,
  turn: WonLease,
  after: Conversation,
  answer: StructuredResult<CoachAnswer>,
): Promise<void> {
  await recordCall(deps, after, callOf(answer, false));
  deps.metrics.add('MessageProcessed', 1, 'Count');
  coachingLog(deps.logger).messageProcessed(
    principal,
    turn.conversation,
    { outcome: 'ok' },
    {
      phase: after.phase,
      model: answer.model,
      input_tokens: answer.usage.inputTokens,
      output_tokens: answer.usage.outputTokens,
      duration_ms: deps.now().getTime() - turn.startedAt,
    },
  );
}

/** An answer whose turn could not commit: the model was paid for all the same. */
export function recordUncommitted(
  deps: CoachingDeps,
  turn: WonLease,
  answer: StructuredResult<CoachAnswer>,
): Promise<void> {
  return recordCall(deps, turn.conversation, callOf(answer, true));
}

/** A model call that failed: the tokens it used, and the turn's log line with its error. */
export async function recordFailedCall(
  deps: CoachingDeps,
  principal: Principal,
  turn: WonLease,
  template: CoachingTemplate,
  error: unknown,
): Promise<void> {
  const usage = (error as { usage?: TokenUsage }).usage;
  const model = modelFor(deps.llm, template);
  if (usage) {
    await recordCall(deps, turn.conversation, {
      model,
      provider: deps.llm.name,
      usage,
      failed: true,
    });
  }
  coachingLog(deps.logger).messageProcessed(
    principal,
    turn.conversation,
    { outcome: 'failed', error: asAppError(error).code },
    {
      model,
      input_tokens: usage?.inputTokens ?? 0,
      output_tokens: usage?.outputTokens ?? 0,
      duration_ms: deps.now().getTime() - turn.startedAt,
    },
  );
}

/** Books one model call: token metrics always, the session's totals when it has one. */
async function recordCall(
  deps: CoachingDeps,
  conversation: Conversation,
  call: ModelCall,
): Promise<void> {
  deps.metrics.add('LLMInputTokens', call.usage.inputTokens, 'Count');
  deps.metrics.add('LLMOutputTokens', call.usage.outputTokens, 'Count');
  if (!conversation.sessionId) return;
  try {
    const costUsd = estimateCostUsd(call.model, call.usage) ?? 0;
    await deps.sessions.recordCall(
      conversation.sessionId,
      { ...call, costUsd },
      deps.now().toISOString(),
    );
  } catch (error) {
    // Usage is bookkeeping: the user's turn is already decided, so it must not fail now.
    coachingLog(deps.logger).notRecorded(
      'session_usage_not_recorded',
      conversation.conversationId,
      error,
    );
  }
}

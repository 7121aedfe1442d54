// Sending a message, the coaching turn's story: lease the conversation, ask the coach, apply
// the answer, commit the turn, record its usage. Whatever is refused is refused at the lease,
// before the model is asked (turn-lease.ts); a turn that fails after it releases the lease, so
// the conversation is exactly as before, and one that loses its commit to a pause, complete or
// erasure says which. The details of each step live one call down. A streamed turn is the
// same story in two steps: `beginMessage` decides everything before the model is asked (so the
// edge can still answer a refusal as an ordinary error), then its `answer` streams the coach's
// words as they are written.
import type { Principal } from '../domain/principal.js';
import type { TokenUsage } from '../domain/usage.js';
import { AppError } from '../errors.js';
import type { StreamSink, StructuredResult } from '../llm/port.js';
import { estimateCostUsd } from '../llm/pricing.js';
import type { CoachingTemplate } from '../prompts/template.js';
import { modelFor, type CoachingDeps } from './coaching-deps.js';
import { coachingLog } from './coaching-log.js';
import type { CoachingTurn } from './coaching-turn.js';
import { applyTurn, type Conversation, type Message } from './conversation-entity.js';
import type { CommittedTurn } from './conversation-records.js';
import type { MessageInput, TurnResult } from './message-turn.js';
import { isComplete, phaseProgress } from './phases.js';
import { coachingTurnRequest } from './turn-request.js';
import { leaseTurn, lostTurn, releaseLease, type LeasedTurn } from './turn-lease.js';

/** How long an Idempotency-Key replays its turn's answer. */
const IDEMPOTENCY_MS = 24 * 60 * 60 * 1000;

export async function sendMessage(
  deps: CoachingDeps,
  principal: Principal,
  conversationId: string,
  input: MessageInput,
): Promise<TurnResult> {
  return (await beginMessage(deps, principal, conversationId, input)).answer();
}

/** A turn that may go ahead: nothing is left to refuse before the model is asked. */
export interface PendingTurn {
  /**
   * Asks, applies, commits and records (once). With a sink, the coach's words go to it as the
   * model writes them; a replayed Idempotency-Key's stored answer goes to it whole.
   */
  answer(sink?: StreamSink): Promise<TurnResult>;
}

export async function beginMessage(
  deps: CoachingDeps,
  principal: Principal,
  conversationId: string,
  input: MessageInput,
): Promise<PendingTurn> {
  const start = await leaseTurn(deps, principal, conversationId, input);
  if ('replay' in start) {
    const { replay } = start;
    return {
      answer: (sink) => {
        sink?.delta(replay.aiResponse);
        return Promise.resolve(replay);
      },
    };
  }
  const template = await leasedTemplate(deps, start);
  return { answer: (sink) => completeTurn(deps, principal, start, template, input, sink) };
}

/** The conversation's template, read under the lease; a failed read lets the lease go. */
export async function leasedTemplate(
  deps: CoachingDeps,
  turn: LeasedTurn,
): Promise<CoachingTemplate> {
  try {
    return await deps.templates.coaching(turn.conversation.topic);
  } catch (error) {
    await releaseLease(deps, turn);
    throw error;
  }
}

/**
 * Ask, apply, commit and record on a leased conversation; unless committed, release it. A job's
 * worker comes in here too, with the lease its job took when it was accepted (job-turn.ts).
 */
export async function completeTurn(
  deps: CoachingDeps,
  principal: Principal,
  turn: LeasedTurn,
  template: CoachingTemplate,
  input: MessageInput,
  sink: StreamSink | undefined,
): Promise<TurnResult> {
  let committed = false;
  try {
    const answer = await askCoach(deps, principal, turn, template, input, sink);
    const applied = applyAnswer(deps, turn, template, input, answer);
    committed = await deps.conversations.commitTurn(
      turn.conversation,
      applied.after,
      turn.lease,
      committedTurn(turn, applied),
    );
    if (!committed) {
      // The model was paid for: its tokens still count in the tenant's usage.
      await recordCall(deps, turn.conversation, { ...callOf(answer), failed: true });
      throw await lostTurn(deps, turn);
    }
    await recordTurn(deps, principal, turn, applied.after, answer);
    return applied.result;
  } finally {
    if (!committed) await releaseLease(deps, turn);
  }
}

/** The coach's answer. A failed call still books the tokens it used, and logs the failure. */
async function askCoach(
  deps: CoachingDeps,
  principal: Principal,
  turn: LeasedTurn,
  template: CoachingTemplate,
  input: MessageInput,
  sink: StreamSink | undefined,
): Promise<StructuredResult<CoachingTurn>> {
  const { conversation } = turn;
  const request = coachingTurnRequest(conversation, template, input.userMessage, input.budgetMs);
  try {
    return await (sink ? deps.llm.stream(request, sink) : deps.llm.generate(request));
  } catch (error) {
    const usage = (error as { usage?: TokenUsage }).usage;
    const model = modelFor(deps.llm, template);
    if (usage) {
      await recordCall(deps, conversation, {
        model,
        provider: deps.llm.name,
        usage,
        failed: true,
      });
    }
    coachingLog(deps.logger).messageProcessed(
      principal,
      conversation,
      {
        outcome: 'failed',
        error: error instanceof AppError ? error.code : 'internal_server_error',
      },
      {
        model,
        input_tokens: usage?.inputTokens ?? 0,
        output_tokens: usage?.outputTokens ?? 0,
        duration_ms: deps.now().getTime() - turn.startedAt,
      },
    );
    throw error;
  }
}

/** The later of two ISO-8601 UTC timestamps of the same format. */
const later = (a: string, b: string): string => (a > b ? a : b);

interface AppliedTurn {
  /** The conversation as it stands once the turn is committed. */
  readonly after: Conversation;
  readonly messages: readonly [Message, Message];
  readonly result: TurnResult;
}

/** The user's message and the coach's answer as the turn's two messages, and what they change. */
function applyAnswer(
  deps: CoachingDeps,
  turn: LeasedTurn,
  template: CoachingTemplate,
  input: MessageInput,
  answer: StructuredResult<CoachingTurn>,
): AppliedTurn {
  const reply = answer.output;
  // Never before the conversation's last change, whatever the clock of the instance behind it.
  const userMessage: Message = {
    role: 'user',
    content: input.userMessage,
    timestamp: later(new Date(turn.startedAt).toISOString(), turn.conversation.updatedAt),
    metadata: input.metadata,
  };
  const assistantMessage: Message = {
    role: 'assistant',
    content: reply.ai_response,
    timestamp: later(deps.now().toISOString(), userMessage.timestamp),
    metadata: { model: answer.model, follow_up_question: reply.follow_up_question },
  };
  const after = applyTurn(
    turn.conversation,
    userMessage,
    assistantMessage,
    {
      aiResponse: reply.ai_response,
      followUpQuestion: reply.follow_up_question,
      insights: reply.insights,
      identifiedValues: reply.identified_values,
      resultStatus: reply.result_status,
    },
    template,
  );
  const result: TurnResult = {
    conversationId: turn.conversation.conversationId,
    aiResponse: reply.ai_response,
    followUpQuestion: reply.follow_up_question,
    phase: after.phase,
    progress: phaseProgress[after.phase],
    isComplete: isComplete(after),
    insights: after.insights,
    identifiedValues: after.identifiedValues,
    nextSteps: reply.next_steps,
  };
  return { after, messages: [userMessage, assistantMessage], result };
}

/** The turn item to write: its number, its messages and, with a key, the answer to replay. */
function committedTurn(turn: LeasedTurn, applied: AppliedTurn): CommittedTurn {
  const number = turn.conversation.turnCount + 1;
  return {
    turn: number,
    messages: applied.messages,
    idempotency: turn.keyDigest
      ? {
          keyDigest: turn.keyDigest,
          record: {
            turn: number,
            bodyHash: turn.bodyHash,
            expiresAt: turn.startedAt + IDEMPOTENCY_MS,
          },
          response: applied.result,
        }
      : undefined,
  };
}

/** After the commit: the call's tokens and cost on the session, the metrics and the log line. */
async function recordTurn(
  deps: CoachingDeps,
  principal: Principal,
  turn: LeasedTurn,
  after: Conversation,
  answer: StructuredResult<CoachingTurn>,
): Promise<void> {
  await recordCall(deps, after, { ...callOf(answer), failed: false });
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

const callOf = (answer: StructuredResult<CoachingTurn>) => ({
  model: answer.model,
  provider: answer.provider,
  usage: answer.usage,
});

/** Books one model call: token metrics always, the session's totals when it has one. */
async function recordCall(
  deps: CoachingDeps,
  conversation: Conversation,
  call: { model: string; provider: string; usage: TokenUsage; failed: boolean },
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
    // Usage is bookkeeping: the user's turn is already committed, so it must not fail now.
    coachingLog(deps.logger).notRecorded(
      'session_usage_not_recorded',
      conversation.conversationId,
      error,
    );
  }
}

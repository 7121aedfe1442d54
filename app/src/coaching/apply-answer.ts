// A turn's answer applied: the user's message and the coach's answer as the turn's two messages,
// the conversation as it stands once they are committed (conversation-entity.ts), the response
// the client gets, and the turn item that carries it all (with the key's record, for a replay).
import type { StructuredResult } from '../llm/port.js';
import type { CoachingTemplate } from '../prompts/template.js';
import type { CoachAnswer } from './coach-answer.js';
import type { WonLease } from './conversation-lease.js';
import { applyTurn, type Conversation, type Message } from './conversation-entity.js';
import type { CommittedTurn } from './conversation-records.js';
import { isComplete, phaseProgress } from './phases.js';
import type { TurnInput, TurnResult } from './turn-records.js';

/** How long an Idempotency-Key replays its turn's answer. */
const IDEMPOTENCY_MS = 24 * 60 * 60 * 1000;

/** The later of two ISO-8601 UTC timestamps of the same format. */
const later = (a: string, b: string): string => (a > b ? a : b);

export interface AppliedTurn {
  /** The conversation as it stands once the turn is committed. */
  readonly after: Conversation;
  readonly messages: readonly [Message, Message];
  readonly result: TurnResult;
}

export function applyAnswer(
  turn: WonLease,
  template: CoachingTemplate,
  input: TurnInput,
  answer: StructuredResult<CoachAnswer>,
  now: Date,
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
    timestamp: later(now.toISOString(), userMessage.timestamp),
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
    conversationId: turn.conversationId,
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
export function committedTurn(turn: WonLease, applied: AppliedTurn): CommittedTurn {
  const number = turn.conversation.turnCount + 1;
  const { keyDigest, bodyHash, jobId } = turn.lease;
  return {
    turn: number,
    messages: applied.messages,
    idempotency:
      keyDigest === undefined
        ? undefined
        : {
            keyDigest,
            record: { turn: number, bodyHash, expiresAt: turn.startedAt + IDEMPOTENCY_MS, jobId },
            response: applied.result,
          },
  };
}

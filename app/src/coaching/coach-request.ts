// What the model is asked on each coaching turn: the prompt (the template's system prompt with
// what holds for the whole conversation, the recent turns, then this turn's state and the
// user's message), the answer's schema (below) and the offline coach's answer, within the turn's
// budget and until the turn stops it.
import { z } from 'zod';
import { type SpendAttribution, resultStatuses } from '../domain/kernel.js';
import type { ChatMessage, StructuredRequest } from '../llm/port.js';
import type { CoachingTemplate } from '../prompts/template.js';
import type { Conversation, Message } from './conversation-entity.js';
import { offlineCoachAnswer } from './offline-coach.js';

/** Heads the turn's state, which travels in the user's turn: the model must not take it as theirs. */
export const TURN_STATE_NOTE =
  '[Where this coaching session stands, from the coaching service, not from the user:]';

/** The history's first message moves this many messages at a time (3 turns). */
const HISTORY_STEP = 6;

/**
 * The recent messages the model sees, starting at a message whose place in the conversation is
 * a multiple of HISTORY_STEP: once the recent window is full it would drop its oldest messages
 * every turn, and a history whose start moves every turn is a prefix no cache can serve. So the
 * start moves every third turn, and the model sees 7 to 12 of the recent messages.
 */
function cacheableHistory(conversation: Conversation): readonly Message[] {
  const recent = conversation.recentMessages;
  // The opening message, then a user message and an answer a turn.
  const firstPlace = Math.max(0, 1 + 2 * conversation.userTurns - recent.length);
  if (firstPlace === 0) return recent;
  const start = Math.ceil(firstPlace / HISTORY_STEP) * HISTORY_STEP;
  return recent.slice(start - firstPlace);
}

export function coachRequest(
  conversation: Conversation,
  template: CoachingTemplate,
  userMessage: string,
  limits: {
    /** The turn's model budget: its delivery's (LLM_TIMEOUT_MS, LLM_STREAM_… or LLM_ASYNC_…). */
    readonly timeoutMs: number;
    /** Aborted when the turn can no longer commit (its lease was lost): the call stops. */
    readonly signal: AbortSignal;
  },
): StructuredRequest<CoachAnswer> {
  // What holds for the whole conversation goes with the system prompt; what each turn changes
  // comes after the history, so the system prompt and the history stay a prefix the next turn
  // resends unchanged and a model's prompt cache can serve (llm/bedrock.ts).
  const settled = [
    `The result is agreed when: ${template.completion.criteria.join('; ')}.`,
    `Reply in the language "${conversation.language}".`,
    Object.keys(conversation.context).length > 0
      ? `Context from the user's profile: ${JSON.stringify(conversation.context)}`
      : '',
  ].filter(Boolean);
  const state = [
    TURN_STATE_NOTE,
    `Current phase: ${conversation.phase}. ${template.phase_guidance[conversation.phase]}`,
    `Answers so far: ${conversation.userTurns}.`,
    `Values identified so far: ${conversation.identifiedValues.join(', ') || 'none yet'}.`,
    `Insights so far: ${conversation.insights.join('; ') || 'none yet'}.`,
    `The result is ${conversation.resultStatus}.`,
  ];
  const history: ChatMessage[] = cacheableHistory(conversation).map((m) => ({
    role: m.role,
    content: m.content,
  }));
  return {
    system: `${template.system_prompt.trim()}\n\n${settled.join('\n')}`,
    messages: [
      ...history,
      { role: 'user', content: state.join('\n') },
      { role: 'user', content: userMessage },
    ],
    settings: template.model,
    output: {
      name: 'coaching_turn',
      description: `The coach's next turn in a ${template.title} conversation`,
      schema: coachAnswerSchema,
      streamedField: 'ai_response',
    },
    offline: () =>
      offlineCoachAnswer({
        template,
        userMessage,
        userTurns: conversation.userTurns + 1,
        identifiedValues: conversation.identifiedValues,
        resultStatus: conversation.resultStatus,
      }),
    timeoutMs: limits.timeoutMs,
    signal: limits.signal,
    attribution: turnAttribution(conversation),
  };
}

/** Whose spend a turn's model call is: the conversation's owner's, on its topic's template. */
export function turnAttribution(conversation: Conversation): SpendAttribution {
  return {
    tenantId: conversation.tenantId,
    userId: conversation.userId,
    subject: `coaching/${conversation.topic}`,
    kind: 'turn',
  };
}

// ---- the answer's schema ----
// The coach's answer on each turn, as the model (or the offline coach) must give it: what it
// says now, the one question it asks next, what it noticed, and where the result stands.

export const coachAnswerSchema = z.strictObject({
  ai_response: z.string().trim().min(1).max(8000).describe('What the coach says to the user now'),
  follow_up_question: z
    .string()
    .trim()
    .min(1)
    .max(1000)
    .nullable()
    .describe('The one question the coach asks next, or null when none'),
  insights: z
    .array(z.string().trim().min(1).max(500))
    .max(10)
    .describe('New insights from this answer'),
  identified_values: z
    .array(z.string().trim().min(1).max(100))
    .max(10)
    .describe('Values or themes newly identified in this answer'),
  next_steps: z
    .array(z.string().trim().min(1).max(500))
    .max(10)
    .nullable()
    .describe('Concrete next steps once the result is agreed, else null'),
  result_status: z
    .enum(resultStatuses)
    .describe(
      'exploring; proposed when the coach has put the result to the user; agreed when the user confirmed it',
    ),
});
export type CoachAnswer = z.infer<typeof coachAnswerSchema>;

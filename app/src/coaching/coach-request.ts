// What the model is asked on each coaching turn: the prompt (template system prompt, phase
// guidance, accumulated state, recent turns), the answer's schema and the offline coach's answer,
// within the turn's budget and until the turn stops it.
import type { ChatMessage, StructuredRequest } from '../llm/port.js';
import type { CoachingTemplate } from '../prompts/template.js';
import { coachAnswerSchema, type CoachAnswer } from './coach-answer.js';
import type { Conversation } from './conversation-entity.js';
import { offlineCoachAnswer } from './offline-coach.js';

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
  const state = [
    `Current phase: ${conversation.phase}. ${template.phase_guidance[conversation.phase]}`,
    `Answers so far: ${conversation.userTurns}.`,
    `Values identified so far: ${conversation.identifiedValues.join(', ') || 'none yet'}.`,
    `Insights so far: ${conversation.insights.join('; ') || 'none yet'}.`,
    `The result is ${conversation.resultStatus}. It is agreed when: ${template.completion.criteria.join('; ')}.`,
    `Reply in the language "${conversation.language}".`,
    Object.keys(conversation.context).length > 0
      ? `Context from the user's profile: ${JSON.stringify(conversation.context)}`
      : '',
  ].filter(Boolean);
  const history: ChatMessage[] = conversation.recentMessages.map((m) => ({
    role: m.role,
    content: m.content,
  }));
  return {
    system: `${template.system_prompt.trim()}\n\n${state.join('\n')}`,
    messages: [...history, { role: 'user', content: userMessage }],
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
  };
}

// What the model is asked on each coaching turn: the prompt (template system prompt, phase
// guidance, accumulated state, recent turns), the answer's schema and the offline coach's answer.
import type { ChatMessage, StructuredRequest } from '../llm/port.js';
import type { CoachingTemplate } from '../prompts/template.js';
import { coachingTurnSchema, type CoachingTurn } from './coaching-turn.js';
import type { Conversation } from './conversation-entity.js';
import { offlineCoachingTurn } from './offline-coach.js';

export function coachingTurnRequest(
  conversation: Conversation,
  template: CoachingTemplate,
  userMessage: string,
  /** The turn's model budget when it is not the adapter's default (a job's). */
  timeoutMs?: number,
): StructuredRequest<CoachingTurn> {
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
      schema: coachingTurnSchema,
      streamedField: 'ai_response',
    },
    offline: () =>
      offlineCoachingTurn({
        template,
        userMessage,
        userTurns: conversation.userTurns + 1,
        identifiedValues: conversation.identifiedValues,
        resultStatus: conversation.resultStatus,
      }),
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
  };
}

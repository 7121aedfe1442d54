// What the model is asked for on each coaching turn: the structured answer's schema and the
// prompt (template system prompt + phase guidance + accumulated state + recent turns).
import { z } from 'zod';
import { resultStatuses } from '../domain/vocabulary.js';
import type { CoachingTemplate } from '../prompts/template.js';
import type { ChatMessage, StructuredRequest } from '../llm/port.js';
import type { Conversation } from './conversation.js';

export const coachingTurnSchema = z.strictObject({
  ai_response: z.string().trim().min(1).max(8000).describe('What the coach says to the user now'),
  follow_up_question: z
    .string()
    .trim()
    .min(1)
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
export type CoachingTurn = z.infer<typeof coachingTurnSchema>;

export function coachingTurnRequest(
  conversation: Conversation,
  template: CoachingTemplate,
  userMessage: string,
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
    },
    offline: {
      kind: 'coaching_turn',
      template,
      userMessage,
      userTurns: conversation.userTurns + 1,
      identifiedValues: conversation.identifiedValues,
      phase: conversation.phase,
      resultStatus: conversation.resultStatus,
    },
  };
}

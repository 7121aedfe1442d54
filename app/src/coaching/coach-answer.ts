// The coach's answer on each turn, as the model (or the offline coach) must give it: what it
// says now, the one question it asks next, what it noticed, and where the result stands.
import { z } from 'zod';
import { resultStatuses } from '../domain/vocabulary.js';

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

// The legacy onboarding suggestion's answer: one suggested text for the profile field the
// owner is filling in. Every answer, offline or from a model, must pass this schema.
import { z } from 'zod';

export const onboardingSuggestionOutput = z.object({
  suggestion: z
    .string()
    .trim()
    .min(1)
    .max(2000)
    .describe('The suggested text, ready to paste into the field'),
});
export type OnboardingSuggestion = z.infer<typeof onboardingSuggestionOutput>;

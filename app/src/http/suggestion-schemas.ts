// Request and response schemas of the legacy onboarding-suggestion route, which keeps its own
// envelope ({success, data, message, error, request_id}).
import { z } from 'zod';
import { onboardingKinds } from '../domain/kernel.js';
import { onboardingSuggestionOutput } from '../suggestions/onboarding-suggestion.js';

export const onboardingSuggestionBody = z.object({
  kind: z.enum(onboardingKinds).describe('The profile field to suggest text for'),
  current: z
    .string()
    .max(2000)
    .default('')
    .describe('The owner’s current draft of that field, possibly empty; at most 2000 characters'),
});

export const onboardingSuggestionResponse = z.object({
  success: z.literal(true),
  data: onboardingSuggestionOutput,
  message: z.null(),
  error: z.null(),
  request_id: z.string(),
});

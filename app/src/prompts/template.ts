// Prompt templates: the YAML files under prompts/ (and in the S3 bucket) and the schema that
// every one of them must pass before it is served (template-check.ts reads the YAML).
import { z } from 'zod';
import {
  analysisTypes,
  coachingTopics,
  onboardingKinds,
  phases,
  type AnalysisType,
  type CoachingTopic,
  type OnboardingKind,
  type Phase,
} from '../domain/kernel.js';
import type { PromptKey } from './prompt-keys.js';

const text = z.string().trim().min(1);

export const modelSettingsSchema = z.strictObject({
  /** Bedrock model or inference-profile id; when absent the deployment's default model is used. */
  model_id: text.optional(),
  temperature: z.number().min(0).max(1),
  max_tokens: z.number().int().min(64).max(8192),
});
export type ModelSettings = z.infer<typeof modelSettingsSchema>;

const questionSchema = z.strictObject({
  question: text,
  follow_ups: z.array(text).default([]),
});

export const coachingTemplateSchema = z.strictObject({
  kind: z.literal('coaching'),
  topic: z.enum(coachingTopics),
  version: text,
  title: text,
  /** What the coach is asked to find: "core values", "purpose statement", ... */
  result_name: text,
  model: modelSettingsSchema,
  system_prompt: text,
  initial_message: text,
  phase_guidance: z.strictObject(
    Object.fromEntries(phases.map((phase) => [phase, text])) as Record<Phase, typeof text>,
  ),
  /** Number of user answers after which the conversation enters each phase. */
  phase_thresholds: z
    .strictObject({
      exploration: z.number().int().min(1),
      deepening: z.number().int().min(1),
      synthesis: z.number().int().min(1),
    })
    .refine((t) => t.exploration < t.deepening && t.deepening < t.synthesis, {
      message: 'thresholds must increase: exploration < deepening < synthesis',
    }),
  question_bank: z
    .array(z.strictObject({ category: text, questions: z.array(questionSchema).min(1) }))
    .min(1),
  /** Words in the user's answers that point to a value or theme (used by the offline coach). */
  indicators: z.record(text, z.array(text).min(1)).refine((r) => Object.keys(r).length > 0, {
    message: 'at least one indicator',
  }),
  completion: z.strictObject({
    criteria: z.array(text).min(1),
    /** How many values/themes must be named before the result can be proposed. */
    min_items: z.number().int().min(1),
    /** Words that confirm a proposed result (offline coach). */
    confirmation_words: z.array(text).min(1),
  }),
});
export type CoachingTemplate = z.infer<typeof coachingTemplateSchema>;

export const analysisTemplateSchema = z.strictObject({
  kind: z.literal('analysis'),
  analysis_type: z.enum(analysisTypes),
  version: text,
  title: text,
  model: modelSettingsSchema,
  system_prompt: text,
  /** The user prompt; `{{name}}` placeholders are filled from the request. */
  instructions: text,
});
export type AnalysisTemplate = z.infer<typeof analysisTemplateSchema>;

export const suggestionTemplateSchema = z.strictObject({
  kind: z.literal('suggestion'),
  name: z.literal('onboarding'),
  version: text,
  model: modelSettingsSchema,
  system_prompt: text,
  /** One user prompt per onboarding kind; `{{current}}` is the user's current text. */
  instructions: z.strictObject(
    Object.fromEntries(onboardingKinds.map((k) => [k, text])) as Record<OnboardingKind, typeof text>,
  ),
  /** Offline suggestions: a starting sentence per kind, completed from the user's text. */
  offline_openers: z.strictObject(
    Object.fromEntries(onboardingKinds.map((k) => [k, text])) as Record<OnboardingKind, typeof text>,
  ),
});
export type SuggestionTemplate = z.infer<typeof suggestionTemplateSchema>;

/** The key of each template (prompt-keys.ts says where it is stored). */
export const templateKeys = {
  coaching: (topic: CoachingTopic) => `coaching/${topic}` as const satisfies PromptKey,
  analysis: (type: AnalysisType) => `analysis/${type}` as const satisfies PromptKey,
  suggestion: (name: 'onboarding') => `suggestions/${name}` as const satisfies PromptKey,
};

/** A `{{name}}` slot, as fillPlaceholders reads it. */
export const placeholderSlot = /\{\{\s*(\w+)\s*\}\}/g;

/** Fills `{{name}}` placeholders; unknown names are left as they are. */
export function fillPlaceholders(textWithSlots: string, values: Record<string, string>): string {
  return textWithSlots.replace(placeholderSlot, (slot, name: string) =>
    Object.hasOwn(values, name) ? (values[name] as string) : slot,
  );
}

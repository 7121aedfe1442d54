// The service's shared words: what it coaches on, analyses and suggests, and the states a
// conversation moves through. Plain lists, so schemas, templates and storage spell them once.

export const coachingTopics = ['core_values', 'purpose', 'vision', 'goals'] as const;
export type CoachingTopic = (typeof coachingTopics)[number];

export const analysisTypes = ['alignment', 'strategy', 'kpi', 'operations'] as const;
export type AnalysisType = (typeof analysisTypes)[number];

/** The profile fields the legacy onboarding suggestion fills in. */
export const onboardingKinds = ['niche', 'ica', 'valueProposition'] as const;
export type OnboardingKind = (typeof onboardingKinds)[number];

/** A conversation's phases, in the only order it moves through them. */
export const phases = [
  'introduction',
  'exploration',
  'deepening',
  'synthesis',
  'validation',
  'completion',
] as const;
export type Phase = (typeof phases)[number];

export const conversationStatuses = ['active', 'paused', 'completed', 'abandoned'] as const;
export type ConversationStatus = (typeof conversationStatuses)[number];

/** Where the coach and the user stand on the conversation's result. */
export const resultStatuses = ['exploring', 'proposed', 'agreed'] as const;
export type ResultStatus = (typeof resultStatuses)[number];

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

/** What a user says of one of the coach's answers: it helped, or it did not. */
export const feedbackRatings = ['up', 'down'] as const;
export type FeedbackRating = (typeof feedbackRatings)[number];

/** Where the coach and the user stand on the conversation's result. */
export const resultStatuses = ['exploring', 'proposed', 'agreed'] as const;
export type ResultStatus = (typeof resultStatuses)[number];

/**
 * How a client takes a turn's or an analysis's answer: all at once (`buffered`), as the model
 * writes it (`stream`, an event stream), or later from a job it polls (`job`, after a 202).
 */
export const deliveries = ['buffered', 'stream', 'job'] as const;
export type Delivery = (typeof deliveries)[number];

/** A job's status: it moves only forward, queued → running → succeeded | failed. */
export const jobStatuses = ['queued', 'running', 'succeeded', 'failed'] as const;
export type JobStatus = (typeof jobStatuses)[number];

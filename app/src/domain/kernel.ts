// The kernel: the words and plain values every part of the service shares, spelled once. The
// vocabulary (topics, analyses, phases, statuses, deliveries) as plain lists, so schemas,
// templates and storage read them from here; who is asking (`Principal`); the ids the service
// mints; the tokens a model call used and whom it is spent for; which prompt version wrote an
// answer; the periods budgets hold for; what a client is told of accepted work; and the digests
// that tell an Idempotency-Key's retry from a reuse. It imports nothing of the service, and
// everything may import it.

// ---- the vocabulary ----

import { createHash, randomUUID } from 'node:crypto';

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

// ---- principal: who is asking ----
// Who is asking: the caller a verified token names. Every use case acts for one principal.

export interface Principal {
  readonly userId: string;
  readonly tenantId: string;
  readonly email?: string;
  readonly roles: readonly string[];
  readonly scopes: readonly string[];
}

const MAX_ID_CHARACTERS = 256;

/**
 * Whether a user or tenant id is one the contract allows: 1 to 256 characters of well-formed
 * Unicode without control characters. It becomes a storage key, a limiter key and a log field.
 */
export function isIdentifier(value: string): boolean {
  return (
    value.length > 0 && [...value].length <= MAX_ID_CHARACTERS && !/[\p{Cc}\p{Cs}]/u.test(value)
  );
}

// ---- ids ----
// Identifiers the service mints: a short kind prefix and a random UUID without dashes, e.g.
// `conv_3f9a…`, `sess_…`, `anls_…`, `sugg_…`.

export const newId = (prefix: string): string => `${prefix}_${randomUUID().replaceAll('-', '')}`;

// ---- digests: a key's, a body's ----
// Idempotency-Keys and request bodies are compared and stored by digest: short and of fixed size,
// and the client's text (`__proto__`, `constructor`, …) never becomes a name. A body is digested
// as canonical JSON: JSON objects are unordered (RFC 8259), so a retry that sends the same
// members in another order, or a number in another spelling, is the same body.

/** A short, fixed-size digest (128 bits) of a text. */
export const digest = (text: string): string =>
  createHash('sha256').update(text).digest('base64url').slice(0, 22);

/** The JSON text of a parsed value with every object's members in one order, however they came. */
const canonicalJson = (value: unknown): string =>
  JSON.stringify(value, (_name, member: unknown) =>
    member !== null && typeof member === 'object' && !Array.isArray(member)
      ? Object.fromEntries(Object.entries(member).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : member,
  );

/** A request body's digest (of its parsed value), as idempotency records keep it. */
export const bodyDigest = (body: unknown): string => digest(canonicalJson(body));

/**
 * Whether a digest a record holds is this body's. Records written before bodies were digested as
 * canonical JSON hold the digest of the JSON as it was read (members in the order they came) and
 * are kept 24 h, so that one still matches the same body sent again.
 */
export const isBodyDigest = (stored: string, body: unknown): boolean =>
  stored === bodyDigest(body) || stored === digest(JSON.stringify(body));

// ---- usage: tokens and whom they are spent for ----
// Tokens a model call used: what sessions, usage counters and budgets add up, and what a failed
// call still carries in its error. `inputTokens` is the input billed at the model's plain input
// rate; input read from or written to the provider's prompt cache is counted apart, since it is
// billed at the cache's own rates (a provider reports the three parts separately).

export interface TokenUsage {
  readonly inputTokens: number;
  readonly outputTokens: number;
  /** Input read from the prompt cache. */
  readonly cacheReadTokens?: number;
  /** Input written to the prompt cache. */
  readonly cacheWriteTokens?: number;
}

export const noUsage: TokenUsage = { inputTokens: 0, outputTokens: 0 };

export function addUsage(a: TokenUsage, b: TokenUsage): TokenUsage {
  const cacheReadTokens = (a.cacheReadTokens ?? 0) + (b.cacheReadTokens ?? 0);
  const cacheWriteTokens = (a.cacheWriteTokens ?? 0) + (b.cacheWriteTokens ?? 0);
  return {
    inputTokens: a.inputTokens + b.inputTokens,
    outputTokens: a.outputTokens + b.outputTokens,
    ...(cacheReadTokens > 0 ? { cacheReadTokens } : {}),
    ...(cacheWriteTokens > 0 ? { cacheWriteTokens } : {}),
  };
}

/**
 * Who a model call is spent for, as the request that makes it names it: the tenant and user
 * whose budgets and usage it counts in, what it was for (a prompt template key such as
 * `coaching/core_values`, `analysis/kpi` or `suggestions/onboarding`) and what kind of work.
 */
export interface SpendAttribution {
  readonly tenantId: string;
  readonly userId: string;
  readonly subject: string;
  readonly kind: 'turn' | 'analysis' | 'suggestion' | 'preview';
}

// ---- prompt versions ----
// Which version of which prompt template produced an answer: every assistant message and every
// analysis records it, and the history and the analysis show it as `{key, version_id}`.

export interface PromptVersionRef {
  /** The template's key: `coaching/goals`, `analysis/kpi`, `suggestions/onboarding`. */
  readonly key: string;
  /**
   * The prompt store's id of the version: an S3 version id, the embedded history's `<n>.<hex>`,
   * or `sha256:<16 hex>` for the image's own copy, served while the bucket cannot be reached.
   */
  readonly versionId: string;
}

/** As records keep it and responses show it. */
export const promptVersionJson = (ref: PromptVersionRef) => ({
  key: ref.key,
  version_id: ref.versionId,
});

/** Read back from a record: null when it has none (one written before versions were recorded). */
export function promptVersionOf(value: unknown): PromptVersionRef | null {
  if (!value || typeof value !== 'object') return null;
  const { key, version_id: versionId } = value as Record<string, unknown>;
  return typeof key === 'string' && typeof versionId === 'string' ? { key, versionId } : null;
}

// ---- budget periods ----
// The periods spend is counted in and budgets hold for: the tenant's calendar month and the
// user's day, both in UTC. A model call counts in the period in which it finished.

/** A budget beyond this is a typo, not a limit (the environment and the admin route refuse it). */
export const MAX_BUDGET_USD = 1_000_000_000;

/**
 * A budget written as text (the environment, the stack's config): empty is none; otherwise US
 * dollars as plain digits with an optional fraction (`250`, `12.50`), and NaN for anything else.
 */
export function budgetFromText(text: string): number | undefined {
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  return /^\d+(\.\d+)?$/.test(trimmed) ? Number(trimmed) : Number.NaN;
}

/** A budget the service takes: dollars, 0 (which refuses every model call) up to the maximum. */
export function isBudget(usd: number): boolean {
  return Number.isFinite(usd) && usd >= 0 && usd <= MAX_BUDGET_USD;
}

/** `YYYY-MM` of a UTC time. */
export function monthOf(at: Date): string {
  return at.toISOString().slice(0, 7);
}

/** `YYYY-MM-DD` of a UTC time. */
export function dayOf(at: Date): string {
  return at.toISOString().slice(0, 10);
}

/** When the tenant's month that holds `at` ends: the first instant of the next month. */
export function monthEnd(at: Date): Date {
  return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + 1, 1));
}

/** When the user's day that holds `at` ends: the next midnight, UTC. */
export function dayEnd(at: Date): Date {
  return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate() + 1));
}

/** A `YYYY-MM` the API accepts: a real month of a four-digit year. */
export const MONTH_PATTERN = /^\d{4}-(0[1-9]|1[0-2])$/;

// ---- an accepted job ----
// What a client is told of work accepted as a job (`Prefer: respond-async`): the job's id, what it
// runs, where it stands and when it was accepted. The coaching and analysis use cases hand their
// work to jobs/ through ports that answer this; http/ writes it as the 202.

export interface AcceptedJob {
  readonly jobId: string;
  readonly kind: 'message' | 'analysis';
  /** `queued`; already `succeeded` when the job is an answer given before (a replayed key). */
  readonly status: JobStatus;
  /** A message job's conversation; null for an analysis. */
  readonly conversationId: string | null;
  readonly createdAt: string;
}

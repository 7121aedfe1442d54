// The prompt admin routes' request and response schemas: a template key as two path segments,
// a version, the history's pages, a publish, a rollback and a preview. Loaded with the admin
// module's handlers or its documentation, never at start-up.
import { z } from 'zod';
import {
  actionPlanOutput,
  alignmentOutput,
  kpiOutput,
  operationsTypes,
  rootCauseOutput,
  strategyOutput,
  swotOutput,
} from '../analysis/outputs.js';
import { coachAnswerSchema } from '../coaching/coach-request.js';
import { onboardingKinds } from '../domain/kernel.js';
import { MAX_NOTE_LENGTH, MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE } from '../prompts/prompt-admin.js';
import { onboardingSuggestionOutput } from '../suggestions/onboarding-suggestion.js';
import { PROMPT_KEY_SEGMENT } from './admin-routes.js';
import { anyCaseChoice, clientJson, trimmedText } from './request-fields.js';

const segment = z.string().regex(new RegExp(PROMPT_KEY_SEGMENT));

/** The template key `{kind}/{name}` is two path segments: `/admin/prompts/coaching/goals`. */
export const promptKeyParams = {
  kind: segment
    .describe(
      'The key’s first part: `coaching`, `analysis` or `suggestions` (the key `coaching/goals` is the path `…/prompts/coaching/goals`)',
    )
    .meta({ example: 'coaching' }),
  name: segment
    .describe(
      'The key’s second part: a topic (`core_values`, `purpose`, `vision`, `goals`) after `coaching`, an analysis type (`alignment`, `strategy`, `kpi`, `operations`) after `analysis`, `onboarding` after `suggestions`',
    )
    .meta({ example: 'goals' }),
};

const versionId = z
  .string()
  .min(1)
  .describe('A version id, as the version list and every template body give it');

export const promptReadQuery = z.object({
  version_id: versionId.optional().describe('The version to read; default: the current one'),
});

export const versionsQuery = z.object({
  cursor: z
    .string()
    .min(1)
    .max(2048)
    .optional()
    .describe('`next_cursor` of the previous page, to read on from there'),
  page_size: z.coerce
    .number()
    .int()
    .min(1)
    .max(MAX_PAGE_SIZE)
    .default(DEFAULT_PAGE_SIZE)
    .describe(`Versions a page, 1–${MAX_PAGE_SIZE}`),
});

const note = z
  .string()
  .max(MAX_NOTE_LENGTH)
  .optional()
  .describe(
    `Why the change is made, kept with the version (at most ${MAX_NOTE_LENGTH} characters); a rollback without one says which version it restored`,
  );

export const publishBody = z.object({
  content: z
    .string()
    .describe(
      'The whole template, as YAML text. Checked as the service reads it: UTF-8 of at most 32 KiB, YAML without alias bombs, the schema of its kind, models among the allowed ones, only the placeholders the service fills; anything else is 422 invalid_template naming the line or field',
    ),
  note,
});

export const rollbackBody = z.object({
  version_id: versionId.describe('The earlier version whose content becomes current again'),
  note,
});

export const ifMatchHeader = z
  .string()
  .describe(
    'The version the edit started from: its `version_id` as an entity tag, `"<version_id>"` (the quotes may be left out; a weak tag `W/"<version_id>"` reads the same, since versions are compared exactly). `*` or a list names no single version and is treated as missing (428)',
  );

export const publishHeaders = z.object({ 'If-Match': ifMatchHeader });

export const rollbackHeaders = z.object({
  'If-Match': ifMatchHeader
    .optional()
    .describe(
      'Optional: when given, the rollback happens only while this version is current (412 otherwise); without it, the rollback lands on whatever is current. Written as for a publish',
    ),
});

export const previewBody = z.object({
  content: z
    .string()
    .optional()
    .describe(
      'Unsaved YAML to preview, checked as a publish would check it (422 invalid_template); not with `version_id`',
    ),
  version_id: versionId
    .optional()
    .describe('A stored version to preview; neither this nor `content`: the current version'),
  context: clientJson(
    'For a coaching template, the conversation’s context (as initiate takes it); for an analysis, the business context (as its route takes it)',
  ),
  user_message: z
    .string()
    .optional()
    .describe(
      'What the user says. Coaching: their first answer (1–4000 characters), which the model answers as the first turn; without it, only the opening message is shown and no model is asked. An analysis: the text it analyses (10–10000 characters), for `kpi` one KPI a line (1–50 lines of 1–200 characters); required. `suggestions/onboarding`: the current draft (at most 2000 characters, default empty)',
    ),
  language: trimmedText(0, 5, { what: 'Coaching only: the language the coach replies in' })
    .toLowerCase()
    .optional(),
  analysis_type: anyCaseChoice(operationsTypes, '`analysis/operations` only: the method')
    .optional()
    .describe('`analysis/operations` only: `swot` (default), `root_cause` or `action_plan`'),
  kind: z
    .enum(onboardingKinds)
    .optional()
    .describe('`suggestions/onboarding` only: the profile field, default `niche`'),
});

const who = {
  updated_at: z.string().describe('When the version was written, ISO-8601 UTC'),
  updated_by: z
    .string()
    .describe(
      'Who wrote it: a platform admin’s user id, `deploy` (a changed file of the repository, uploaded by a deploy), or `repository` (locally, imported from prompts/)',
    ),
};

export const promptListResponse = z.object({
  prompts: z.array(
    z.object({
      key: z.string().describe('`coaching/{topic}`, `analysis/{type}` or `suggestions/onboarding`'),
      version_id: z.string().describe('The current version'),
      ...who,
    }),
  ),
});

const versionFields = {
  version_id: z.string(),
  ...who,
  note: z.string().nullable().describe('Why it was written, if the writer said'),
  is_current: z.boolean().describe('True for the version the service serves'),
};

export const promptVersionResponse = z.object({
  key: z.string(),
  ...versionFields,
  content: z.string().describe('The template, as YAML text'),
});

export const versionListResponse = z.object({
  versions: z
    .array(z.object({ ...versionFields, size: z.number().int().min(0).describe('Bytes') }))
    .describe('Newest first'),
  next_cursor: z.string().nullable().describe('Where the next page starts; null on the last'),
});

const count = (what: string) => z.number().int().min(0).describe(what);

export const previewResponse = z.object({
  key: z.string(),
  version_id: z.string().nullable().describe('The version previewed; null for unsaved content'),
  system_prompt: z.string().describe('The system prompt the model is sent, rendered'),
  answer: z
    .union([
      z
        .object({
          initial_message: z.string().describe('The conversation’s opening message'),
          turn: coachAnswerSchema
            .nullable()
            .describe('The coach’s answer to `user_message` as a first turn; null without one'),
        })
        .describe('A coaching template'),
      alignmentOutput,
      strategyOutput,
      kpiOutput,
      swotOutput,
      rootCauseOutput,
      actionPlanOutput,
      onboardingSuggestionOutput,
    ])
    .describe(
      'What the model answered, as the turn, the analysis or the suggestion would get it (an analysis: the fields its response adds)',
    ),
  usage: z.object({
    model: z.string().nullable().describe('The model that answered; null when none was asked'),
    input_tokens: count('Input billed at the plain input rate'),
    output_tokens: count('Output tokens'),
    cache_read_tokens: count('Input read from the prompt cache'),
    cache_write_tokens: count('Input written to the prompt cache'),
    cost_usd: z
      .number()
      .min(0)
      .describe('At list prices, as the caller’s budgets count it (a model without a price: 0)'),
  }),
});

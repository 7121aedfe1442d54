// The admin module's request and response schemas: the usage reports, the tenant budgets, the
// feedback export, and what their requests may say (a month, a tenant id, a budget, bounds in
// time). Loaded with the module's
// handlers or its documentation, never at start-up.
import { z } from 'zod';
import {
  MAX_BUDGET_USD,
  MONTH_PATTERN,
  isIdentifier,
  coachingTopics,
  feedbackRatings,
} from '../domain/kernel.js';
import { booleanQuery } from './request-fields.js';

export const tenantId = z
  .string()
  .refine(isIdentifier, {
    message:
      'must be 1 to 256 characters of text without control characters, as tokens name tenants',
  })
  .meta({
    // The same rule as JSON Schema says it (both count code points).
    type: 'string',
    minLength: 1,
    maxLength: 256,
    pattern: '^\\P{Cc}*$',
    description: 'A tenant, as its tokens’ `tenant_id` claim names it',
  });

export const month = z
  .string()
  .regex(MONTH_PATTERN, 'must be a month written YYYY-MM, such as 2026-11')
  .describe('A calendar month, UTC, written YYYY-MM');

export const tenantUsageQuery = z.object({
  month: month.optional().describe('The month to report, YYYY-MM; default: this month (UTC)'),
  tenant_id: tenantId
    .optional()
    .describe('The tenant to report (platform_admin only); default: the caller’s own'),
});

export const budgetBody = z.object({
  monthly_usd: z
    .number()
    .min(0)
    .max(MAX_BUDGET_USD)
    .nullable()
    .describe(
      'The tenant’s own monthly budget in US dollars (0 refuses every model call); null returns the tenant to the stage’s default',
    ),
});

const dollars = z.number().min(0).describe('US dollars at list prices');
const tokens = (what: string) => z.number().int().min(0).describe(what);

/** What a period's usage says; a report's breakdowns add turns and analyses. */
const spend = {
  cost_usd: dollars,
  input_tokens: tokens('Input billed at the plain input rate'),
  output_tokens: tokens('Output tokens'),
  cache_read_tokens: tokens('Input read from the prompt cache'),
  cache_write_tokens: tokens('Input written to the prompt cache'),
  calls: tokens('Model requests, answered or failed (a repair included)'),
};

const tally = z.object({
  ...spend,
  turns: tokens('Coaching turns the model answered'),
  analyses: tokens('Analyses the model answered'),
});

const limit = (what: string) => z.number().min(0).nullable().describe(what);

export const ownUsageResponse = z.object({
  user_id: z.string(),
  tenant_id: z.string(),
  day: z.object({ date: z.string().describe('Today, UTC: YYYY-MM-DD'), ...spend }),
  month: z.object({ month: z.string().describe('This month, UTC: YYYY-MM'), ...spend }),
  budgets: z.object({
    user_daily_usd: limit('The caller’s daily budget; null: none'),
    user_remaining_usd: limit('What is left of it today; null without a budget'),
    tenant_monthly_usd: limit('The tenant’s monthly budget; null: none'),
    tenant_remaining_usd: limit('What is left of it this month; null without a budget'),
  }),
});

const row = (key: string) => tally.extend({ key: z.string().describe(key) });

export const tenantUsageResponse = z.object({
  tenant_id: z.string(),
  month: z.string().describe('YYYY-MM'),
  totals: tally,
  by_user: z.array(row('The user id')).describe('Each user’s share, most expensive first'),
  by_topic: z
    .array(row('The prompt template: coaching/{topic}, analysis/{type}, suggestions/onboarding'))
    .describe('Each topic’s or analysis’s share, most expensive first'),
  by_model: z
    .array(row('The model id as called'))
    .describe('Each model’s share, most expensive first'),
  budget: z.object({
    monthly_usd: limit('The tenant’s monthly budget; null: none'),
    remaining_usd: limit('What is left of it in this month; null without a budget'),
  }),
});

export const tenantBudgetResponse = z.object({
  tenant_id: z.string(),
  monthly_usd: limit('The tenant’s monthly budget in US dollars; null: none'),
  source: z
    .enum(['tenant', 'default', 'none'])
    .describe(
      '`tenant`: set for this tenant by a platform admin; `default`: the stage’s TENANT_MONTHLY_BUDGET_USD; `none`: neither',
    ),
});

/** A date, or a date and time with its offset: ISO-8601 as `Date` reads it, of real days only. */
const INSTANT =
  /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])(T([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,9})?)?(Z|[+-]([01]\d|2[0-3]):[0-5]\d))?$/;

/**
 * A bound in time, as the stored timestamps are written (UTC, milliseconds) so that they compare
 * as text; a date alone is its first millisecond (`from`) or its last (`to`).
 */
const instant = (end: 'from' | 'to') =>
  z
    .string()
    .regex(
      INSTANT,
      'must be a date (2026-11-30) or a date and time with its offset (2026-11-30T12:00:00Z)',
    )
    .refine((v) => {
      // A day that Date would roll over (2026-02-30) is no day; checked after the form, too.
      const date = new Date(`${v.slice(0, 10)}T00:00:00Z`);
      return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(v.slice(0, 10));
    }, 'must be a day of the calendar')
    .transform((v) =>
      v.length === 10
        ? `${v}T${end === 'from' ? '00:00:00.000' : '23:59:59.999'}Z`
        : new Date(v).toISOString(),
    );

export const feedbackQuery = z.object({
  tenant_id: tenantId
    .optional()
    .describe('The tenant whose feedback to read (platform_admin only); default: the caller’s own'),
  from: instant('from')
    .optional()
    .describe(
      'Only feedback last given at or after this date or time (a date: from its start, UTC)',
    ),
  to: instant('to')
    .optional()
    .describe('Only feedback last given at or before this date or time (a date: to its end, UTC)'),
  topic: z.enum(coachingTopics).optional().describe('Only answers in conversations on this topic'),
  rating: z.enum(feedbackRatings).optional().describe('Only this rating'),
  cursor: z
    .string()
    .min(1)
    .max(512)
    .optional()
    .describe('`next_cursor` of the previous page (with the same filters), to read on from there'),
  page_size: z.coerce.number().int().min(1).max(100).default(20).describe('Items a page'),
  include_text: booleanQuery(
    'Add the rated answer (`ai_response`) and the user message it answered (`user_message`)',
    false,
  ),
});

const feedbackItem = z.object({
  conversation_id: z.string(),
  message_id: z.string().describe('The rated answer’s id, as the history shows it'),
  topic: z.string().describe('The conversation’s topic'),
  rating: z.enum(feedbackRatings),
  tags: z.array(z.string()),
  comment: z.string().nullable(),
  updated_at: z.string().describe('When the feedback was last given, ISO-8601 UTC'),
  model: z.string().nullable().describe('The model that wrote the answer; null when not recorded'),
  prompt_version: z
    .object({ key: z.string(), version_id: z.string() })
    .nullable()
    .describe('The prompt template version that produced the answer; null when not recorded'),
  ai_response: z.string().optional().describe('The rated answer (with `include_text=true`)'),
  user_message: z
    .string()
    .nullable()
    .optional()
    .describe(
      'The user message it answered, null for the coach’s opening message (with `include_text=true`)',
    ),
});

export const feedbackResponse = z.object({
  items: z.array(feedbackItem).describe('Newest first'),
  next_cursor: z.string().nullable().describe('The next page’s cursor; null on the last page'),
});

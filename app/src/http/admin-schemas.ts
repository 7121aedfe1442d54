// The admin module's request and response schemas: the usage reports, the tenant budgets, and
// what their requests may say (a month, a tenant id, a budget). Loaded with the module's
// handlers or its documentation, never at start-up.
import { z } from 'zod';
import { MAX_BUDGET_USD, MONTH_PATTERN } from '../domain/budget-periods.js';
import { isIdentifier } from '../domain/principal.js';

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

// The error bodies every route can answer with: the standard envelope, and the legacy
// suggestion route's own. middleware.ts writes them; the OpenAPI document describes them.
import { z } from 'zod';

export const standardErrorBody = z.object({
  error: z.string(),
  message: z.string(),
  detail: z.union([
    z.string(),
    z.array(
      z.object({
        loc: z.array(z.union([z.string(), z.number()])),
        msg: z.string(),
        type: z.string(),
      }),
    ),
  ]),
  request_id: z.string(),
});

/** With 429 quota_exceeded: which budget is spent, by how much, and when it resets. */
export const spentQuota = z
  .object({
    scope: z.enum(['tenant', 'user']).describe('The tenant’s monthly or the user’s daily budget'),
    limit_usd: z.number().describe('The budget, in US dollars'),
    spent_usd: z.number().describe('What its period has spent so far'),
    resets_at: z.string().describe('When its period ends (UTC): the next month or day'),
  })
  .describe('With 429 quota_exceeded: the budget that is spent');

/** The legacy route's own error body, on every error status. */
export const legacyErrorBody = z.object({
  success: z.literal(false),
  data: z.null(),
  error: z.string().describe('"Unauthorized" for 401, else the standard error code'),
  message: z.string(),
  request_id: z.string(),
});

// What budget tests share: the environment that sets the budgets, spend put straight into the
// app's usage counters (so a test reaches a budget without paying for it through the model),
// the caller's usage as GET /api/v1/usage reports it, and the contract's 429 quota_exceeded
// checked in full. A feature that asks a model (a turn, a stream, a job, a preview) proves its
// budget check with these: seed the spend, make the call, expect the refusal, and check that
// nothing was stored and the model was not asked.
import { expect } from 'chai';
import { noSpend } from '../../app/src/budgets/spend-records.js';
import { dayEnd, monthEnd } from '../../app/src/domain/kernel.js';
import { createUsageCounters } from '../../app/src/storage/usage-counters.js';
import type { Response, TestApi } from './harness.js';

let seeded = 0;

/** The two default budgets as the environment sets them; an absent one stays unset. */
export function budgetEnv(budgets: {
  readonly tenantMonthlyUsd?: number;
  readonly userDailyUsd?: number;
}): Record<string, string> {
  return {
    ...(budgets.tenantMonthlyUsd === undefined
      ? {}
      : { TENANT_MONTHLY_BUDGET_USD: String(budgets.tenantMonthlyUsd) }),
    ...(budgets.userDailyUsd === undefined
      ? {}
      : { USER_DAILY_BUDGET_USD: String(budgets.userDailyUsd) }),
  };
}

/** Adds `usd` of spend (one call) for the user, now (or `at`), as a finished model call would. */
export async function seedSpend(
  api: TestApi,
  spend: {
    readonly tenantId: string;
    readonly userId: string;
    readonly usd: number;
    readonly at?: Date;
    readonly subject?: string;
  },
): Promise<void> {
  await createUsageCounters(api.dynamo, api.config.tables.usageCounters).add({
    id: `seeded-${process.pid}-${++seeded}`,
    at: spend.at ?? new Date(),
    tenantId: spend.tenantId,
    userId: spend.userId,
    subject: spend.subject ?? 'coaching/core_values',
    model: 'us.anthropic.claude-sonnet-4-6',
    spend: { ...noSpend, costNanos: Math.round(spend.usd * 1e9), calls: 1 },
  });
}

export interface UsageBody {
  user_id: string;
  tenant_id: string;
  day: Record<string, number | string>;
  month: Record<string, number | string>;
  budgets: Record<string, number | null>;
}

/** The caller's usage, as GET /api/v1/usage answers it (200, checked against the document). */
export async function usageOf(api: TestApi, token: string): Promise<UsageBody> {
  const response = await api.request<UsageBody>('GET', '/api/v1/usage', { token });
  expect(response.status, response.text).to.equal(200);
  return response.body;
}

/**
 * The contract's refusal: 429 quota_exceeded naming the spent budget, with Retry-After the
 * seconds until its period resets (the next UTC month or day). `at` is the app's clock when the
 * test sets it; otherwise the real clock, read just after the answer.
 */
export function expectQuotaExceeded(
  response: Response,
  expected: { readonly scope: 'tenant' | 'user'; readonly limitUsd: number; readonly at?: Date },
): void {
  expect(response.status, response.text).to.equal(429);
  const at = expected.at ?? new Date();
  const resetsAt = expected.scope === 'tenant' ? monthEnd(at) : dayEnd(at);
  const body = response.body as Record<string, unknown>;
  // The legacy suggestion route keeps its own envelope, with the same code and header.
  expect(body.error).to.equal('quota_exceeded');
  if (!('success' in body)) {
    expect(body.quota).to.deep.include({
      scope: expected.scope,
      limit_usd: expected.limitUsd,
      resets_at: resetsAt.toISOString(),
    });
    expect((body.quota as { spent_usd: number }).spent_usd).to.be.at.least(expected.limitUsd);
  }
  const retryAfter = Number(response.headers.get('retry-after'));
  const seconds = (resetsAt.getTime() - at.getTime()) / 1000;
  if (expected.at) {
    // The app's clock was the test's: the wait is exact.
    expect(retryAfter).to.equal(Math.max(1, Math.ceil(seconds)));
  } else {
    // Asked a moment before `at` (now): the answer may say a little more, never less.
    expect(retryAfter).to.be.within(Math.floor(seconds), Math.ceil(seconds) + 5);
  }
}

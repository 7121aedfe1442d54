// What the usage routes show, built from the readings the budgets make: the caller's day and
// month with what is left of both budgets, and a tenant's month with its breakdowns by user, by
// template key (the topic or analysis) and by model, each sorted by cost. Loaded with the first
// usage request (budgets.ts), not at start-up.
import { dayOf, monthOf, type Principal } from '../domain/kernel.js';
import type { SpendReading, TenantBudget } from './budgets.js';
import type { SpendTotals, TenantMonthSpend } from './spend-records.js';

/** A period's spend with its cost in dollars. */
export type SpendView = Omit<SpendTotals, 'costNanos'> & { readonly costUsd: number };

export interface OwnUsage {
  readonly userId: string;
  readonly tenantId: string;
  readonly day: { readonly date: string; readonly spend: SpendView };
  readonly month: { readonly month: string; readonly spend: SpendView };
  readonly budgets: {
    readonly userDailyUsd: number | null;
    readonly userRemainingUsd: number | null;
    readonly tenantMonthlyUsd: number | null;
    readonly tenantRemainingUsd: number | null;
  };
}

export interface TenantUsage {
  readonly tenantId: string;
  readonly month: string;
  readonly totals: SpendView;
  readonly byUser: readonly (SpendView & { readonly key: string })[];
  readonly byTopic: readonly (SpendView & { readonly key: string })[];
  readonly byModel: readonly (SpendView & { readonly key: string })[];
  readonly budget: { readonly monthlyUsd: number | null; readonly remainingUsd: number | null };
}

/** Dollars from billionths, to the billionth. */
const dollars = (nanos: number) => nanos / 1e9;

export function spendView({ costNanos, ...tokens }: SpendTotals): SpendView {
  return { costUsd: dollars(costNanos), ...tokens };
}

/** What is left of a budget; never below 0 (spend may pass a budget by the calls in flight). */
const remaining = (limitUsd: number | null, spentNanos: number) =>
  limitUsd === null ? null : Math.max(0, dollars(Math.round(limitUsd * 1e9) - spentNanos));

export function ownUsage(principal: Principal, reading: SpendReading): OwnUsage {
  const { snapshot, tenantBudget, userDailyUsd, at } = reading;
  return {
    userId: principal.userId,
    tenantId: principal.tenantId,
    day: { date: dayOf(at), spend: spendView(snapshot.userDay) },
    month: { month: monthOf(at), spend: spendView(snapshot.userMonth) },
    budgets: {
      userDailyUsd,
      userRemainingUsd: remaining(userDailyUsd, snapshot.userDay.costNanos),
      tenantMonthlyUsd: tenantBudget.monthlyUsd,
      tenantRemainingUsd: remaining(tenantBudget.monthlyUsd, snapshot.tenantMonth.costNanos),
    },
  };
}

/** Most expensive first; equal costs by key, so the order is the same on every read. */
function rows(breakdown: ReadonlyMap<string, SpendTotals>) {
  return [...breakdown]
    .sort(([a, x], [b, y]) => y.costNanos - x.costNanos || (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, totals]) => ({ key, ...spendView(totals) }));
}

export function tenantUsage(
  tenantId: string,
  month: string,
  spend: TenantMonthSpend,
  budget: TenantBudget,
): TenantUsage {
  return {
    tenantId,
    month,
    totals: spendView(spend.totals),
    byUser: rows(spend.byUser),
    byTopic: rows(spend.bySubject),
    byModel: rows(spend.byModel),
    budget: {
      monthlyUsd: budget.monthlyUsd,
      remainingUsd: remaining(budget.monthlyUsd, spend.totals.costNanos),
    },
  };
}

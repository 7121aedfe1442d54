// Spend as the budgets and the usage reports see it: the totals a period adds up to, one model
// call's add, and what the budgets need from the counters' storage. The DynamoDB adapter in
// storage/usage-counters.ts implements it.

/** What a period's spend adds up to. Cost in billionths of a dollar, so sums stay exact. */
export interface SpendTotals {
  readonly costNanos: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly cacheReadTokens: number;
  readonly cacheWriteTokens: number;
  /** Model requests, answered or failed (a request's one repair included). */
  readonly calls: number;
  /** Coaching turns the model answered. */
  readonly turns: number;
  /** Analyses the model answered. */
  readonly analyses: number;
}

export const noSpend: SpendTotals = {
  costNanos: 0,
  inputTokens: 0,
  outputTokens: 0,
  cacheReadTokens: 0,
  cacheWriteTokens: 0,
  calls: 0,
  turns: 0,
  analyses: 0,
};

/** One finished model call, ready to add: counted once however often it is sent. */
export interface SpendAdd {
  /** Names this add; a retry of it carries the same id (storage counts it once). */
  readonly id: string;
  /** When the call finished: the month and day it counts in. */
  readonly at: Date;
  readonly tenantId: string;
  readonly userId: string;
  /** The template key the call was for: `coaching/core_values`, `analysis/kpi`, … */
  readonly subject: string;
  readonly model: string;
  readonly spend: SpendTotals;
}

/** What a budget check reads: the tenant's month and the user's month and day (UTC). */
export interface SpendSnapshot {
  readonly tenantMonth: SpendTotals;
  readonly userMonth: SpendTotals;
  readonly userDay: SpendTotals;
  /** The tenant's own monthly budget, when asked for: a number, or null for none. */
  readonly tenantBudgetUsd?: number | null;
}

/** A tenant's month with its breakdowns, each keyed (user id, template key, model id). */
export interface TenantMonthSpend {
  readonly totals: SpendTotals;
  readonly byUser: ReadonlyMap<string, SpendTotals>;
  readonly bySubject: ReadonlyMap<string, SpendTotals>;
  readonly byModel: ReadonlyMap<string, SpendTotals>;
}

export interface SpendCounters {
  /** Adds a call to its tenant's month and its user's month and day, atomically per item. */
  add(add: SpendAdd): Promise<void>;
  /** One read: the spend a check compares with the budgets (and the tenant's own budget). */
  snapshot(
    tenantId: string,
    userId: string,
    at: Date,
    options: { readonly tenantBudget: boolean },
  ): Promise<SpendSnapshot>;
  /** A tenant's month (`YYYY-MM`), with every user's share. */
  tenantMonth(tenantId: string, month: string): Promise<TenantMonthSpend>;
  /** The tenant's own monthly budget; null when a platform admin has set none. */
  tenantBudget(tenantId: string): Promise<number | null>;
  /** Sets (a number) or removes (null) the tenant's own monthly budget. */
  setTenantBudget(tenantId: string, monthlyUsd: number | null, by: string, at: Date): Promise<void>;
}

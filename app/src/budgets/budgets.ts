// The budgets: a tenant's month (its own budget, set by a platform admin, or the stage's
// default) and a user's day, both in UTC, checked against the usage counters as the last step
// before a model is asked. Every instance reads and adds to the same counters, so N instances
// together hold a budget, give or take the calls in flight. What the usage routes show comes
// from the same reads (usage-reports.ts, loaded with the first of them). Below: a finished
// call's spend, priced and added to the same counters.
import { randomBytes } from 'node:crypto';
import type { BudgetConfig } from '../budget-settings.js';
import {
  dayEnd,
  monthEnd,
  monthOf,
  type Principal,
  type SpendAttribution,
  type TokenUsage,
} from '../domain/kernel.js';
import { QuotaExceededError, type SpentBudget } from '../errors.js';
import { callCostUsd } from '../llm/pricing.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import type { SpendCounters, SpendSnapshot, SpendAdd, SpendTotals } from './spend-records.js';
import type { OwnUsage, TenantUsage } from './usage-reports.js';

/**
 * How long an instance trusts the tenant budget it last read: a platform admin's change holds on
 * every instance within this (the contract promises 60 s).
 */
export const TENANT_BUDGET_TTL_MS = 30_000;
/** Tenants whose budgets an instance remembers at once; past this it forgets them all. */
const REMEMBERED_TENANTS = 10_000;

export interface BudgetDeps {
  readonly counters: SpendCounters;
  readonly defaults: BudgetConfig['budgets'];
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly now: () => Date;
}

/** A tenant's monthly budget and where it comes from. */
export interface TenantBudget {
  readonly tenantId: string;
  readonly monthlyUsd: number | null;
  readonly source: 'tenant' | 'default' | 'none';
}

/** What a check or a report reads: the spend so far, and the budgets that hold for it. */
export interface SpendReading {
  readonly at: Date;
  readonly snapshot: SpendSnapshot;
  readonly tenantBudget: TenantBudget;
  readonly userDailyUsd: number | null;
}

/** The one step a feature takes before asking a model; a spent budget throws the 429. */
export interface BudgetGate {
  assertWithinBudget(principal: Principal): Promise<void>;
}

const nanos = (usd: number) => Math.round(usd * 1e9);

export function createBudgets(deps: BudgetDeps) {
  const price = spendPricing(deps);
  const known = new Map<string, { readonly usd: number | null; readonly readAt: number }>();
  const remember = (tenantId: string, usd: number | null, at: Date) => {
    if (known.size >= REMEMBERED_TENANTS) known.clear();
    known.set(tenantId, { usd, readAt: at.getTime() });
  };
  const recent = (tenantId: string, at: Date) => {
    const entry = known.get(tenantId);
    return entry && at.getTime() - entry.readAt < TENANT_BUDGET_TTL_MS ? entry : undefined;
  };
  const budgetOf = (tenantId: string, own: number | null): TenantBudget => {
    if (own !== null) return { tenantId, monthlyUsd: own, source: 'tenant' };
    const fallback = deps.defaults.tenantMonthlyUsd;
    return fallback === undefined
      ? { tenantId, monthlyUsd: null, source: 'none' }
      : { tenantId, monthlyUsd: fallback, source: 'default' };
  };
  const userDailyUsd = deps.defaults.userDailyUsd ?? null;

  /** The spend and budgets of the principal now: one read of the counters. */
  async function read(principal: Principal): Promise<SpendReading> {
    const at = deps.now();
    const cached = recent(principal.tenantId, at);
    const snapshot = await deps.counters.snapshot(principal.tenantId, principal.userId, at, {
      tenantBudget: cached === undefined,
    });
    const own = cached ? cached.usd : (snapshot.tenantBudgetUsd ?? null);
    if (!cached) remember(principal.tenantId, own, at);
    return { at, snapshot, tenantBudget: budgetOf(principal.tenantId, own), userDailyUsd };
  }

  /** The one budget of `scope`, when it is set and its period's spend has reached it. */
  function spentIn(
    scope: SpentBudget['scope'],
    limitUsd: number | null,
    costNanos: number,
    resetsAt: Date,
  ): SpentBudget | undefined {
    if (limitUsd === null || costNanos < nanos(limitUsd)) return undefined;
    return { scope, limitUsd, spentUsd: costNanos / 1e9, resetsAt };
  }

  /** The budget a reading has spent, the one that resets last when both are. */
  function spent(reading: SpendReading): SpentBudget | undefined {
    const { at, snapshot, tenantBudget } = reading;
    return (
      spentIn('tenant', tenantBudget.monthlyUsd, snapshot.tenantMonth.costNanos, monthEnd(at)) ??
      spentIn('user', userDailyUsd, snapshot.userDay.costNanos, dayEnd(at))
    );
  }

  /** The tenant's monthly budget as it stands (read now, not from this instance's memory). */
  async function tenantBudget(tenantId: string): Promise<TenantBudget> {
    const own = await deps.counters.tenantBudget(tenantId);
    remember(tenantId, own, deps.now());
    return budgetOf(tenantId, own);
  }

  return {
    /**
     * Throws 429 quota_exceeded when the principal's tenant or the principal has spent a budget.
     * Call it as the last step before the model; with no budget set anywhere (and the tenant's
     * own budget known to be none) it reads nothing.
     */
    async assertWithinBudget(principal: Principal): Promise<void> {
      const cached = recent(principal.tenantId, deps.now());
      if (
        userDailyUsd === null &&
        cached &&
        budgetOf(principal.tenantId, cached.usd).source === 'none'
      ) {
        return;
      }
      const reading = await read(principal);
      const budget = spent(reading);
      if (!budget) return;
      deps.metrics.add('QuotaExceeded', 1, 'Count');
      deps.logger.info({
        event: 'quota_exceeded',
        tenant_id: principal.tenantId,
        user_id: principal.userId,
        scope: budget.scope,
        limit_usd: budget.limitUsd,
        spent_usd: budget.spentUsd,
        resets_at: budget.resetsAt.toISOString(),
      });
      const seconds = Math.max(
        1,
        Math.ceil((budget.resetsAt.getTime() - reading.at.getTime()) / 1000),
      );
      throw new QuotaExceededError(budget, seconds);
    },

    /** Adds a finished model call to the counters (spendRecorder, below). */
    recordSpend: spendRecorder({ ...deps, price }),

    /** Prices a finished call, for a feature that adds it with what it bought (a turn). */
    priceSpend: price,

    tenantBudget,

    /** A platform admin sets the tenant's own monthly budget, or (null) returns it to the default. */
    async setTenantBudget(
      admin: Principal,
      tenantId: string,
      monthlyUsd: number | null,
    ): Promise<TenantBudget> {
      const at = deps.now();
      await deps.counters.setTenantBudget(tenantId, monthlyUsd, admin.userId, at);
      remember(tenantId, monthlyUsd, at);
      return budgetOf(tenantId, monthlyUsd);
    },

    /** GET /usage: the caller's day and month and both budgets, as a check reads them. */
    async usageOf(principal: Principal): Promise<OwnUsage> {
      const { ownUsage } = await import('./usage-reports.js');
      return ownUsage(principal, await read(principal));
    },

    /** GET /admin/usage: a tenant's month (default: this one), from the same counters. */
    async tenantUsage(tenantId: string, month = monthOf(deps.now())): Promise<TenantUsage> {
      const [{ tenantUsage }, spend] = await Promise.all([
        import('./usage-reports.js'),
        deps.counters.tenantMonth(tenantId, month),
      ]);
      const cached = recent(tenantId, deps.now());
      const budget = cached ? budgetOf(tenantId, cached.usd) : await tenantBudget(tenantId);
      return tenantUsage(tenantId, month, spend, budget);
    },
  };
}

export type Budgets = ReturnType<typeof createBudgets>;

// ---- recording spend ----
// A finished model call's spend, priced and added to the usage counters: its cost at list prices
// (0 for a model the price table lacks, said once a process), its tokens, one call, and one turn
// or analysis when the model answered one. The add carries an id of its own, so sending it again
// after a failure can never count it twice; a call whose add still fails is logged with its
// numbers (the bill must be reconstructible), never failing the request it belongs to. A turn's
// call is priced here too, but added with the turn's commit (coaching/turn-pipeline.ts).
/** A model call as it finished: for whom, on which model, what it used, whether it answered. */
export interface FinishedCall {
  readonly attribution: SpendAttribution;
  readonly model: string;
  readonly usage: TokenUsage;
  readonly answered: boolean;
  readonly at: Date;
}

/** Attempts of one add: the second sends the very same add, so it cannot count twice. */
const ADD_ATTEMPTS = 2;

/** A token count as the counters take it: a whole number, never negative. */
const count = (tokens: number | undefined) =>
  Number.isFinite(tokens) ? Math.max(0, Math.floor(tokens ?? 0)) : 0;

/** Prices a finished call into the add it makes to the counters. */
export type SpendPricing = (call: FinishedCall) => SpendAdd;

/**
 * Prices each finished call: its cost at list prices (a model the table lacks is said once a
 * process, and costs 0), its tokens (the cache's also as metrics), one call, and one turn or
 * analysis when the model answered one; with an id of its own.
 */
export function spendPricing(deps: {
  readonly metrics: Metrics;
  readonly logger: Logger;
}): SpendPricing {
  const unpriced = new Set<string>();
  return (call) => {
    const { attribution, model, usage, answered } = call;
    const cost = callCostUsd(model, usage);
    if (cost === undefined && !unpriced.has(model)) {
      unpriced.add(model);
      deps.logger.warn({
        event: 'model_not_priced',
        model,
        reason: 'not in the price table (llm/pricing.ts); its calls count as costing 0',
      });
    }
    const spend: SpendTotals = {
      costNanos: Math.max(0, Math.round((cost ?? 0) * 1e9)),
      inputTokens: count(usage.inputTokens),
      outputTokens: count(usage.outputTokens),
      cacheReadTokens: count(usage.cacheReadTokens),
      cacheWriteTokens: count(usage.cacheWriteTokens),
      calls: 1,
      turns: answered && attribution.kind === 'turn' ? 1 : 0,
      analyses: answered && attribution.kind === 'analysis' ? 1 : 0,
    };
    if (spend.cacheReadTokens > 0)
      deps.metrics.add('LLMCacheReadTokens', spend.cacheReadTokens, 'Count');
    if (spend.cacheWriteTokens > 0) {
      deps.metrics.add('LLMCacheWriteTokens', spend.cacheWriteTokens, 'Count');
    }
    return {
      id: randomBytes(9).toString('base64url'),
      at: call.at,
      tenantId: attribution.tenantId,
      userId: attribution.userId,
      subject: attribution.subject,
      model,
      spend,
    };
  };
}

/** The spend a call's add was for, as the log line of an add that failed says it. */
export function spendFields(add: SpendAdd) {
  const { spend } = add;
  return {
    tenant_id: add.tenantId,
    user_id: add.userId,
    subject: add.subject,
    model: add.model,
    at: add.at.toISOString(),
    cost_usd: spend.costNanos / 1e9,
    input_tokens: spend.inputTokens,
    output_tokens: spend.outputTokens,
    cache_read_tokens: spend.cacheReadTokens,
    cache_write_tokens: spend.cacheWriteTokens,
  };
}

export function spendRecorder(deps: {
  readonly counters: SpendCounters;
  readonly logger: Logger;
  readonly price: SpendPricing;
}): (call: FinishedCall) => Promise<void> {
  return async (call) => {
    const add = deps.price(call);
    for (let attempt = 1; ; attempt++) {
      try {
        await deps.counters.add(add);
        return;
      } catch (error) {
        if (attempt < ADD_ATTEMPTS) continue;
        deps.logger.warn({
          event: 'spend_not_recorded',
          ...spendFields(add),
          reason: (error as Error).message,
        });
        return;
      }
    }
  };
}

// A finished model call's spend, priced and added to the usage counters: its cost at list prices
// (0 for a model the price table lacks, said once a process), its tokens, one call, and one turn
// or analysis when the model answered one. The add carries an id of its own, so sending it again
// after a failure can never count it twice; a call whose add still fails is logged with its
// numbers (the bill must be reconstructible), never failing the request it belongs to. A turn's
// call is priced here too, but added with the turn's commit (coaching/turn-pipeline.ts).
import { randomBytes } from 'node:crypto';
import type { SpendAttribution, TokenUsage } from '../domain/usage.js';
import { callCostUsd } from '../llm/pricing.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import type { SpendAdd, SpendCounters, SpendTotals } from './spend-records.js';

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

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

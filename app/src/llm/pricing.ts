// What a model call costs, in US dollars, from its token usage: list prices per million tokens,
// prompt-cache reads and writes at their own rates. A model the table lacks (a local model
// behind the OpenAI-compatible provider) costs 0; the caller says so once (budgets/spend.ts).
//
// Checked on 2026-12-06. Anthropic's models on Bedrock: the rates below are Anthropic's list
// prices (platform.claude.com, "Pricing": base input, 5-minute cache writes, cache hits, output),
// which Bedrock's global cross-Region inference profiles (`global.…`) charge. From the Claude
// 4.5 generation on, geographic profiles (`us.…`, `eu.…`, …) and in-Region calls cost about 10%
// more (Amazon Bedrock User Guide, "Global cross-Region inference": "approximately 10% savings
// on both input and output token pricing compared to geographic cross-Region inference"), so
// the stacks' `us.anthropic.claude-sonnet-4-6` is 3.30 / 16.50 / 4.125 (write) / 0.33 (read) and
// `us.anthropic.claude-haiku-4-5-…` 1.10 / 5.50 / 1.375 / 0.11. Older models have one price
// wherever they are called; Nova's published on-demand input and output rates, no cache rates.
// Update when AWS changes its prices or a new model is allowed (`npm test` fails for an allowed
// model without a price); docs/architecture.md, "Token accounting and cost", has the table.
import type { TokenUsage } from '../domain/kernel.js';

interface Price {
  readonly inputPerMillion: number;
  readonly outputPerMillion: number;
  /** Absent: cache reads cost the input rate (a provider caching on its own, e.g. Nova). */
  readonly cacheReadPerMillion?: number;
  readonly cacheWritePerMillion?: number;
  /** Geographic profiles and in-Region calls cost this much more than `global.` ones. */
  readonly regionalPremium?: number;
}

/** Anthropic's list prices, with the 10% regional premium of the 4.5 generation on. */
const claude = (
  input: number,
  output: number,
  cacheWrite: number,
  cacheRead: number,
  regionalPremium?: number,
): Price => ({
  inputPerMillion: input,
  outputPerMillion: output,
  cacheWritePerMillion: cacheWrite,
  cacheReadPerMillion: cacheRead,
  regionalPremium,
});

const REGIONAL = 1.1;

export const priceTable: Readonly<Record<string, Price>> = {
  'anthropic.claude-sonnet-4-6': claude(3, 15, 3.75, 0.3, REGIONAL),
  'anthropic.claude-haiku-4-5-20251001-v1:0': claude(1, 5, 1.25, 0.1, REGIONAL),
  'anthropic.claude-sonnet-4-5-20250929-v1:0': claude(3, 15, 3.75, 0.3, REGIONAL),
  'anthropic.claude-sonnet-4-20250514-v1:0': claude(3, 15, 3.75, 0.3),
  'anthropic.claude-3-7-sonnet-20250219-v1:0': claude(3, 15, 3.75, 0.3),
  'anthropic.claude-3-5-sonnet-20241022-v2:0': claude(3, 15, 3.75, 0.3),
  'anthropic.claude-3-5-haiku-20241022-v1:0': claude(0.8, 4, 1, 0.08),
  'anthropic.claude-3-haiku-20240307-v1:0': claude(0.25, 1.25, 0.3, 0.03),
  'anthropic.claude-3-sonnet-20240229-v1:0': { inputPerMillion: 3, outputPerMillion: 15 },
  'anthropic.claude-3-5-sonnet-20240620-v1:0': { inputPerMillion: 3, outputPerMillion: 15 },
  'amazon.nova-pro-v1:0': { inputPerMillion: 0.8, outputPerMillion: 3.2 },
  'amazon.nova-lite-v1:0': { inputPerMillion: 0.06, outputPerMillion: 0.24 },
  'amazon.nova-micro-v1:0': { inputPerMillion: 0.035, outputPerMillion: 0.14 },
  offline: { inputPerMillion: 0, outputPerMillion: 0 },
};

const profilePrefix = /^(us|eu|apac|us-gov|jp|au|ca|global)\./;

/** Inference-profile ids (`us.anthropic.…`, `eu.…`, `global.…`) name their model after a prefix. */
export function baseModelId(modelId: string): string {
  return modelId.replace(profilePrefix, '');
}

/** True when the table has a price for the model (a profile's model counts). */
export function isPriced(modelId: string): boolean {
  return priceTable[baseModelId(modelId)] !== undefined;
}

/** The call's cost in US dollars, unrounded; undefined for a model the table lacks. */
export function callCostUsd(modelId: string, usage: TokenUsage): number | undefined {
  const price = priceTable[baseModelId(modelId)];
  if (!price) return undefined;
  const factor = modelId.startsWith('global.') ? 1 : (price.regionalPremium ?? 1);
  const perMillion =
    usage.inputTokens * price.inputPerMillion +
    usage.outputTokens * price.outputPerMillion +
    (usage.cacheReadTokens ?? 0) * (price.cacheReadPerMillion ?? price.inputPerMillion) +
    (usage.cacheWriteTokens ?? 0) * (price.cacheWritePerMillion ?? price.inputPerMillion);
  return (perMillion * factor) / 1e6;
}

/** The estimate sessions and analyses record: the cost to the millionth of a dollar. */
export function estimateCostUsd(modelId: string, usage: TokenUsage): number | undefined {
  const cost = callCostUsd(modelId, usage);
  return cost === undefined ? undefined : Math.round(cost * 1e6) / 1e6;
}

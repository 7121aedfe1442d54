// Estimated cost of model calls, in US dollars per million tokens (on-demand list prices in
// us-east-1 as published by AWS for these models; update when prices change, see
// docs/architecture.md, "Token accounting and cost"). A model that is not listed (e.g. a local model behind the
// OpenAI-compatible provider) is estimated at 0.
import type { TokenUsage } from '../domain/usage.js';

interface Price {
  readonly inputPerMillion: number;
  readonly outputPerMillion: number;
}

export const priceTable: Readonly<Record<string, Price>> = {
  'anthropic.claude-3-sonnet-20240229-v1:0': { inputPerMillion: 3, outputPerMillion: 15 },
  'anthropic.claude-3-haiku-20240307-v1:0': { inputPerMillion: 0.25, outputPerMillion: 1.25 },
  'anthropic.claude-3-5-sonnet-20240620-v1:0': { inputPerMillion: 3, outputPerMillion: 15 },
  'anthropic.claude-3-5-sonnet-20241022-v2:0': { inputPerMillion: 3, outputPerMillion: 15 },
  'anthropic.claude-3-5-haiku-20241022-v1:0': { inputPerMillion: 0.8, outputPerMillion: 4 },
  'anthropic.claude-3-7-sonnet-20250219-v1:0': { inputPerMillion: 3, outputPerMillion: 15 },
  'anthropic.claude-sonnet-4-20250514-v1:0': { inputPerMillion: 3, outputPerMillion: 15 },
  'anthropic.claude-sonnet-4-6': { inputPerMillion: 3, outputPerMillion: 15 },
  'anthropic.claude-haiku-4-5-20251001-v1:0': { inputPerMillion: 1, outputPerMillion: 5 },
  'amazon.nova-pro-v1:0': { inputPerMillion: 0.8, outputPerMillion: 3.2 },
  'amazon.nova-lite-v1:0': { inputPerMillion: 0.06, outputPerMillion: 0.24 },
  'amazon.nova-micro-v1:0': { inputPerMillion: 0.035, outputPerMillion: 0.14 },
  offline: { inputPerMillion: 0, outputPerMillion: 0 },
};

/** Inference-profile ids (`us.anthropic.…`, `eu.…`, `global.…`) are priced as their model. */
export function baseModelId(modelId: string): string {
  return modelId.replace(/^(us|eu|apac|us-gov|global)\./, '');
}

export function estimateCostUsd(modelId: string, usage: TokenUsage): number | undefined {
  const price = priceTable[baseModelId(modelId)];
  if (!price) return undefined;
  const cost =
    (usage.inputTokens * price.inputPerMillion + usage.outputTokens * price.outputPerMillion) / 1e6;
  return Math.round(cost * 1e6) / 1e6;
}

// Tokens a model call used: what sessions and usage records add up, and what a failed call
// still carries in its error.

export interface TokenUsage {
  readonly inputTokens: number;
  readonly outputTokens: number;
}

export const noUsage: TokenUsage = { inputTokens: 0, outputTokens: 0 };

export function addUsage(a: TokenUsage, b: TokenUsage): TokenUsage {
  return {
    inputTokens: a.inputTokens + b.inputTokens,
    outputTokens: a.outputTokens + b.outputTokens,
  };
}

// Where a Converse request gets its prompt-cache points. Bedrock caches the prompt's prefix up
// to each `cachePoint` block (tools, then system, then messages, in that order) when the model
// supports prompt caching and the prefix since the previous cache point holds at least the
// model's minimum: a later request with the same prefix reads it at the cache-read rate. So a
// turn marks the system prompt with its tool, and the history up to the previous turn: the next
// turn, which resends both, reads them back.
//
// The models and minimums are Amazon Bedrock's (User Guide, "Prompt caching for faster model
// inference", "Supported models, Regions, and limits"; checked on 2026-12-06): at most 4 cache
// points a request, in `system`, `messages` and `tools`. A cache point below the minimum is no
// error (the prefix is simply not cached), so the estimate below errs on the short side.
import type {
  ContentBlock,
  Message,
  SystemContentBlock,
  Tool,
} from '@aws-sdk/client-bedrock-runtime';
import { baseModelId } from './pricing.js';

/** Minimum tokens per cache checkpoint, by foundation model. */
const minimumTokens: Readonly<Record<string, number>> = {
  'anthropic.claude-sonnet-4-6': 1024,
  'anthropic.claude-haiku-4-5-20251001-v1:0': 4096,
  'anthropic.claude-sonnet-4-5-20250929-v1:0': 4096,
  'anthropic.claude-opus-4-6-v1': 4096,
  'anthropic.claude-opus-4-5-20251101-v1:0': 4096,
  'anthropic.claude-opus-4-1-20250805-v1:0': 1024,
  'anthropic.claude-opus-4-20250514-v1:0': 1024,
  'anthropic.claude-sonnet-4-20250514-v1:0': 1024,
  'anthropic.claude-3-7-sonnet-20250219-v1:0': 1024,
};

/** The model's minimum tokens per cache checkpoint; undefined when it has no prompt caching. */
export function cacheMinimumTokens(modelId: string): number | undefined {
  return minimumTokens[baseModelId(modelId)];
}

/**
 * Tokens in a text, estimated low: Claude's tokenizer makes a token of about 3.5 characters of
 * English, so 4 characters a token undercounts, and a prefix judged long enough is.
 */
export function estimateTokens(text: string): number {
  return Math.floor(text.length / 4);
}

const CACHE_POINT = { cachePoint: { type: 'default' } } as const;

const blockText = (block: ContentBlock): string =>
  block.text ?? (block.toolUse || block.toolResult ? JSON.stringify(block) : '');

export interface CachedPrompt {
  readonly system: SystemContentBlock[];
  readonly messages: Message[];
}

/**
 * The system prompt and messages with cache points: after the system prompt (which caches the
 * tools before it too) when tools and system are long enough, and after the history up to the
 * previous turn (every message but the last, the new user turn) when it adds enough past the
 * first point. Unchanged for a model without prompt caching.
 */
export function withCachePoints(
  modelId: string,
  tools: readonly Tool[],
  system: string,
  messages: readonly Message[],
): CachedPrompt {
  const plain = { system: [{ text: system }], messages: [...messages] };
  const minimum = cacheMinimumTokens(modelId);
  if (minimum === undefined) return plain;
  const head = estimateTokens(JSON.stringify(tools) + system);
  const systemCached = head >= minimum;
  const history = messages.slice(0, -1);
  const historyTokens = history.reduce(
    (sum, message) => sum + estimateTokens((message.content ?? []).map(blockText).join('')),
    0,
  );
  const sinceLastPoint = systemCached ? historyTokens : head + historyTokens;
  const historyCached = history.length > 0 && sinceLastPoint >= minimum;
  return {
    system: systemCached ? [{ text: system }, CACHE_POINT] : plain.system,
    messages: historyCached
      ? messages.map((message, index) =>
          index === history.length - 1
            ? { ...message, content: [...(message.content ?? []), CACHE_POINT] }
            : message,
        )
      : plain.messages,
  };
}

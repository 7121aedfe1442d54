// Where a Converse request gets its prompt-cache points. Bedrock caches the prompt's prefix up
// to each `cachePoint` block (tools, then system, then messages, in that order) when the model
// supports prompt caching and the prefix since the previous cache point holds at least the
// model's minimum: a later request with the same prefix reads it at the cache-read rate. So a
// turn marks the system prompt with its tool, and the history up to the previous turn: the next
// turn, which resends both, reads them back.
//
// The models and minimums are Amazon Bedrock's (User Guide, "Prompt caching for faster model
// inference", "Supported models, Regions, and limits"; checked on 2026-12-06): at most 4 cache
// points a request, in `system`, `messages` and `tools`. A cache point short of the minimum is
// no error (that prefix is simply not cached).
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
 * Tokens in a text, estimated low (Claude's tokenizer makes a token of about 3.5 characters of
 * English): a prefix judged long enough is, so a segment never falls short of the minimum
 * through the estimate.
 */
export function estimateTokens(text: string): number {
  return Math.floor(text.length / 4);
}

/**
 * What Claude adds to a request with tools: its tool-use instructions, part of the cached
 * prefix (Anthropic gives 313 tokens for a forced tool call on its Claude 4 models).
 */
const TOOL_USE_TOKENS = 313;

const CACHE_POINT = { cachePoint: { type: 'default' } } as const;

const blockText = (block: ContentBlock): string =>
  block.text ?? (block.toolUse || block.toolResult ? JSON.stringify(block) : '');

export interface CachedPrompt {
  readonly system: SystemContentBlock[];
  readonly messages: Message[];
}

/**
 * The system prompt and messages with cache points. Bedrock counts a cache point when the
 * tokens since the previous counted one reach the model's minimum, and a request reads the
 * longest cached prefix it finds at a cache point or a content block up to 20 blocks before
 * one. So: a point after the system prompt (which caches the tools before it too) when tools
 * and system are long enough; a point after the history up to the previous turn (every message
 * but the last, the new user turn) when the history alone reaches the minimum; and when it does
 * not, on a conversation under way (whose system prompt an earlier turn cached, and which this
 * request reads through the look-back), the history point alone, counted from the start. A model
 * without prompt caching gets no point.
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
  const head =
    estimateTokens(JSON.stringify(tools) + system) + (tools.length > 0 ? TOOL_USE_TOKENS : 0);
  const history = messages.slice(0, -1);
  const historyTokens = history.reduce(
    (sum, message) => sum + estimateTokens((message.content ?? []).map(blockText).join('')),
    0,
  );
  // The opening exchange is all the history a first turn has.
  const underWay = history.length > 2;
  let systemPoint = head >= minimum;
  let historyPoint = history.length > 0 && historyTokens >= minimum;
  if (!historyPoint && history.length > 0 && head + historyTokens >= minimum) {
    historyPoint = underWay || !systemPoint;
    systemPoint = systemPoint && !historyPoint;
  }
  return {
    system: systemPoint ? [{ text: system }, CACHE_POINT] : plain.system,
    messages: historyPoint
      ? messages.map((message, index) =>
          index === history.length - 1
            ? { ...message, content: [...(message.content ?? []), CACHE_POINT] }
            : message,
        )
      : plain.messages,
  };
}

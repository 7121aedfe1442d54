// The fake Bedrock's model of how Bedrock bills a Converse request's input when it counts it
// (startFakeBedrock({ accounting: 'content' })): tokens counted from the request's own text, and
// prompt caching as the Bedrock User Guide describes it ("Prompt caching for faster model
// inference"). The prompt is tools, then system, then messages; a `cachePoint` block marks the
// end of a prefix to cache. A cache point counts when the tokens since the previous one reach
// the model's minimum; a request reads the longest prefix it finds cached at a cache point or
// at a content-block boundary up to 20 blocks before one (the simplified cache management of
// Claude models), writes the prefixes of its counting cache points past what it read, and
// entries live 5 minutes from their last use. Usage then says `inputTokens` (neither read nor
// written), `cacheReadInputTokens` and `cacheWriteInputTokens`. A cache point on a model without
// prompt caching, or more than 4 of them, is refused as Bedrock refuses an invalid request.
//
// It is a model of Bedrock's accounting, not a copy: the tokenizer is a fixed 3.5 characters a
// token, and the minimums are the guide's for the few models tests use.
import { createHash } from 'node:crypto';

/** What the accounting reads of a Converse request (the fake's recorded body). */
export interface BilledRequest {
  readonly modelId: string;
  readonly system?: readonly object[];
  readonly messages: readonly { readonly content: readonly object[] }[];
  readonly toolConfig?: { readonly tools: readonly object[] };
}

export interface InputBill {
  readonly inputTokens: number;
  readonly cacheReadInputTokens: number;
  readonly cacheWriteInputTokens: number;
  /** Whether the request carried cache points (Bedrock then reports the two cache fields). */
  readonly cached: boolean;
}

/** The fake's tokenizer: Claude's runs at about 3.5 characters of English a token. */
export function fakeTokens(text: string): number {
  return Math.ceil(text.length / 3.5);
}

const minimumTokens: Readonly<Record<string, number>> = {
  'anthropic.claude-sonnet-4-6': 1024,
  'anthropic.claude-haiku-4-5-20251001-v1:0': 4096,
  'anthropic.claude-3-7-sonnet-20250219-v1:0': 1024,
};

/**
 * The instructions a Claude model prepends to a request with tools, billed as input: Anthropic
 * gives 313 tokens for a forced tool call on its Claude 4 models (tool use, "Pricing").
 */
export const TOOL_USE_PROMPT_TOKENS = 313;

const TTL_MS = 5 * 60_000;
const LOOKBACK_BLOCKS = 20;
const MAX_CACHE_POINTS = 4;

/** Bedrock's answer to a request it refuses. */
export class RefusedRequest extends Error {}

export interface PromptCacheModel {
  bill(request: BilledRequest): InputBill;
  /** Forgets every cached prefix. */
  clear(): void;
}

export function createPromptCacheModel(now: () => number = Date.now): PromptCacheModel {
  const entries = new Map<string, number>();
  return {
    clear: () => entries.clear(),
    bill(request) {
      const model = request.modelId.replace(/^[a-z-]+\.(?=[a-z]+\.)/, '');
      // The prompt as blocks in Bedrock's order; `points` holds the block counts a cache point follows.
      const blocks: string[] = [];
      const points: number[] = [];
      const add = (block: { cachePoint?: unknown; text?: unknown }) => {
        if (block.cachePoint) points.push(blocks.length);
        else blocks.push(typeof block.text === 'string' ? block.text : JSON.stringify(block));
      };
      const tools = request.toolConfig?.tools ?? [];
      if (tools.length > 0) blocks.push('.'.repeat(Math.round(TOOL_USE_PROMPT_TOKENS * 3.5)));
      for (const tool of tools) add(tool);
      for (const block of request.system ?? []) add(block);
      for (const message of request.messages) for (const block of message.content) add(block);

      const total = blocks.reduce((sum, b) => sum + fakeTokens(b), 0);
      if (points.length === 0) {
        return {
          inputTokens: total,
          cacheReadInputTokens: 0,
          cacheWriteInputTokens: 0,
          cached: false,
        };
      }
      const minimum = minimumTokens[model];
      if (minimum === undefined)
        throw new RefusedRequest(`${model} does not support prompt caching`);
      if (points.length > MAX_CACHE_POINTS) {
        throw new RefusedRequest(`at most ${MAX_CACHE_POINTS} cache points are allowed`);
      }
      const tokensBefore = [0];
      const keys = [createHash('sha256').update(model).digest('hex')];
      blocks.forEach((block, i) => {
        tokensBefore.push(tokensBefore[i]! + fakeTokens(block));
        keys.push(createHash('sha256').update(keys[i]!).update(block).digest('hex'));
      });
      const at = now();
      const live = (b: number) => (entries.get(keys[b]!) ?? 0) > at;

      let read = 0;
      for (const point of points) {
        for (let b = point; b > 0 && b >= point - LOOKBACK_BLOCKS; b--) {
          if (live(b)) {
            read = Math.max(read, b);
            break;
          }
        }
      }
      if (read > 0) entries.set(keys[read]!, at + TTL_MS);

      let last = 0;
      let written = read;
      for (const point of points) {
        if (tokensBefore[point]! - tokensBefore[last]! < minimum) continue;
        last = point;
        if (point > read) {
          entries.set(keys[point]!, at + TTL_MS);
          written = Math.max(written, point);
        }
      }
      const readTokens = tokensBefore[read]!;
      const writeTokens = tokensBefore[written]! - readTokens;
      return {
        inputTokens: total - readTokens - writeTokens,
        cacheReadInputTokens: readTokens,
        cacheWriteInputTokens: writeTokens,
        cached: true,
      };
    },
  };
}

// What prompt caching saves on a long conversation: the same 20-turn coaching conversation
// through the app twice, with cache points (LLM_PROMPT_CACHE=on) and without (off), on the
// stacks' Sonnet 4.6 profile, against the fake Bedrock billing input as Bedrock documents it
// (test/support/fake-bedrock-cache.ts: a model of Bedrock's accounting, with a fixed 3.5
// characters a token, not Bedrock itself). The input tokens each run was billed for come back
// from the app's own usage counters (GET /api/v1/usage); the figure is the billed input cost
// of the run with cache points against the run without.
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { createApp } from '../../app/src/app.js';
import { fixedSecret } from '../../app/src/auth/secret-sources.js';
import { composeDependencies } from '../../app/src/compose.js';
import { loadConfig } from '../../app/src/config.js';
import { callCostUsd } from '../../app/src/llm/pricing.js';
import { createLogger } from '../../app/src/observability/logger.js';
import { startEmbeddedDynamo } from '../../app/src/storage/local-dynamo.js';
import { dynamoWithTables } from '../../test/support/embedded-store.js';
import { coachingTurn } from '../../test/support/fake-answers.js';
import { startFakeBedrock } from '../../test/support/fake-bedrock.js';
import { apiCall } from './api-call.js';
import { signedToken } from '../../test/support/tokens.js';

const MODEL = 'us.anthropic.claude-sonnet-4-6';
const SECRET = 'bench-secret-of-at-least-thirty-two-bytes!';

/** The input a run was billed for, by rate. */
export interface BilledInput {
  readonly input_tokens: number;
  readonly cache_read_tokens: number;
  readonly cache_write_tokens: number;
  /** Those tokens at the model's input, cache-read and cache-write rates. */
  readonly input_cost_usd: number;
}

export interface PromptCacheCost {
  readonly model: string;
  readonly turns: number;
  readonly with_cache_points: BilledInput;
  readonly without_cache_points: BilledInput;
  /** with ÷ without. */
  readonly ratio: number;
}

/** A user's message of a few sentences, different each turn, as people write them. */
const userMessage = (turn: number) =>
  `Turn ${turn}: when I think about the week, what stands out is how I handled the client ` +
  `call on ${['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday'][turn % 5]}. I said what ` +
  `I thought even though the room went quiet, and afterwards two people thanked me for it. ` +
  `I am not sure whether that was courage or stubbornness, and I keep coming back to it.`;

/** The coach's answer, a reflection of two short paragraphs and a question, different each turn. */
const coachAnswer = (turn: number) =>
  coachingTurn({
    ai_response:
      `That moment in turn ${turn} says a lot. You chose candour over comfort, and people ` +
      `noticed: two of them thanked you afterwards, which suggests you said what others were ` +
      `thinking but did not dare to say. That is worth naming as a strength, not just a habit.\n\n` +
      `Courage and stubbornness can look alike from the inside; the difference is often ` +
      `whether you stay open to being wrong. Courage speaks up and keeps listening; ` +
      `stubbornness speaks up and stops. When you spoke up, were you still curious about ` +
      `what others saw, or already certain? And what would you want the people in that room ` +
      `to say about how you disagreed with them?`,
    follow_up_question: 'What would you have lost by staying quiet?',
  });

async function run(cache: 'on' | 'off', turns: number): Promise<BilledInput> {
  const fake = await startFakeBedrock({ accounting: 'content' });
  const store = await startEmbeddedDynamo();
  const env = {
    STAGE: 'bench',
    NAME_SUFFIX: `-cache-${cache}`,
    DYNAMODB_ENDPOINT: store.endpoint,
    DEFAULT_LLM_PROVIDER: 'bedrock',
    BEDROCK_ENDPOINT: fake.url,
    DEFAULT_LLM_MODEL: MODEL,
    ALLOWED_LLM_MODELS: MODEL,
    LLM_MAX_ATTEMPTS: '1',
    LLM_PROMPT_CACHE: cache,
    RATE_LIMIT_INITIATE: '1000/10',
    RATE_LIMIT_DEFAULT: '1000/10',
  };
  const config = loadConfig(env);
  const dynamo = await dynamoWithTables(store.endpoint, config.tables, config.region);
  const server = createApp(
    composeDependencies(config, createLogger('error', { silent: true }), {
      dynamo,
      secretSource: fixedSecret(SECRET),
    }),
  ).listen(0, '127.0.0.1');
  try {
    await once(server, 'listening');
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const bearer = await signedToken(SECRET, { user_id: 'cache-user', tenant_id: 'cache-tenant' });
    const created = await apiCall(url, 'POST', '/api/v1/conversations/initiate', bearer, {
      topic: 'core_values',
    });
    const path = `/api/v1/conversations/${String(created.conversation_id)}/message`;
    for (let turn = 1; turn <= turns; turn++) {
      fake.script({ tool: coachAnswer(turn) });
      await apiCall(url, 'POST', path, bearer, { user_message: userMessage(turn) });
    }
    const usage = await apiCall(url, 'GET', '/api/v1/usage', bearer);
    const month = usage.month as Record<string, number>;
    const billed = {
      inputTokens: month.input_tokens ?? 0,
      outputTokens: 0,
      cacheReadTokens: month.cache_read_tokens ?? 0,
      cacheWriteTokens: month.cache_write_tokens ?? 0,
    };
    return {
      input_tokens: billed.inputTokens,
      cache_read_tokens: billed.cacheReadTokens,
      cache_write_tokens: billed.cacheWriteTokens,
      input_cost_usd: Math.round((callCostUsd(MODEL, billed) ?? 0) * 1e6) / 1e6,
    };
  } finally {
    server.closeAllConnections();
    server.close();
    dynamo.client.destroy();
    await store.close();
    await fake.close();
  }
}

export async function promptCacheCost(turns = 20): Promise<PromptCacheCost> {
  const withPoints = await run('on', turns);
  const withoutPoints = await run('off', turns);
  return {
    model: MODEL,
    turns,
    with_cache_points: withPoints,
    without_cache_points: withoutPoints,
    ratio: Math.round((withPoints.input_cost_usd / withoutPoints.input_cost_usd) * 1000) / 1000,
  };
}

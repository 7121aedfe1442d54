// Prompt caching in the Bedrock adapter, through the real SDK against the fake Bedrock billing
// input as Bedrock does (fake-bedrock-cache.ts): where the cache points go, for which models and
// prefixes, and that the reads and writes Bedrock reports reach the call's usage, for Converse
// and ConverseStream alike.
import { expect } from 'chai';
import { z } from 'zod';
import type { TokenUsage } from '../../app/src/domain/kernel.js';
import { createBedrockClient, createBedrockProvider } from '../../app/src/llm/bedrock.js';
import type { ChatMessage, LlmProvider, StructuredRequest } from '../../app/src/llm/port.js';
import { fakeTokens } from '../support/fake-bedrock-cache.js';
import {
  startFakeBedrock,
  type ConverseRequest,
  type FakeBedrock,
} from '../support/fake-bedrock.js';

const SONNET = 'us.anthropic.claude-sonnet-4-6';
const HAIKU_3 = 'anthropic.claude-3-haiku-20240307-v1:0';

const answerSchema = z.object({ reply: z.string() });

/** About `tokens` tokens of plain text (the adapter estimates 4 characters a token). */
const textOf = (tokens: number, seed: string) =>
  Array.from({ length: tokens }, (_, i) => `${seed}${i % 10}`).join(' ');

/** A conversation of `turns` exchanges, each side about `tokens` tokens. */
const history = (turns: number, tokens: number): ChatMessage[] =>
  Array.from({ length: turns }, (_, i) => [
    { role: 'user' as const, content: textOf(tokens, `u${i}`) },
    { role: 'assistant' as const, content: textOf(tokens, `a${i}`) },
  ]).flat();

function request(
  model: string,
  system: string,
  messages: ChatMessage[],
): StructuredRequest<z.infer<typeof answerSchema>> {
  return {
    system,
    messages,
    settings: { model_id: model, temperature: 0.2, max_tokens: 500 },
    output: { name: 'answer', description: 'The answer', schema: answerSchema },
    offline: () => ({ reply: 'offline' }),
  };
}

const cachePointsOf = (sent: ConverseRequest) => ({
  system: (sent.system ?? []).filter((b) => b.cachePoint).length,
  messages: sent.messages
    .map((m, i) => (m.content.some((b) => b.cachePoint) ? i : -1))
    .filter((i) => i >= 0),
});

describe('prompt caching through Bedrock (real SDK, fake endpoint billing as Bedrock does)', () => {
  let fake: FakeBedrock;
  const provider = (promptCache: boolean): LlmProvider =>
    createBedrockProvider({
      client: createBedrockClient({
        region: 'us-east-1',
        endpoint: fake.url,
        maxAttempts: 1,
        timeoutMs: 5000,
        localCredentials: true,
      }),
      defaultModel: SONNET,
      allowedModels: [SONNET, HAIKU_3],
      timeoutMs: 5000,
      streamTimeoutMs: 5000,
      promptCache,
    });

  before(async () => {
    fake = await startFakeBedrock({ accounting: 'content' });
  });
  beforeEach(() => fake.reset());
  after(() => fake.close());

  const ask = async (llm: LlmProvider, req: ReturnType<typeof request>, streamed = false) => {
    fake.script({ tool: { reply: 'Noted.' } });
    const result = streamed
      ? await llm.stream(req, { delta: () => undefined, reset: () => undefined })
      : await llm.generate(req);
    return result.usage;
  };

  it('when the system prompt and tool are long enough, then they carry a cache point, written once and read after', async () => {
    const llm = provider(true);
    const system = textOf(1500, 'rule');
    const first = await ask(llm, request(SONNET, system, [{ role: 'user', content: 'Hello' }]));
    const second = await ask(llm, request(SONNET, system, [{ role: 'user', content: 'Hi again' }]));

    expect(cachePointsOf(fake.requests[0]!)).to.deep.equal({ system: 1, messages: [] });
    expect(first.cacheWriteTokens).to.be.above(1024);
    expect(first.cacheReadTokens ?? 0).to.equal(0);
    expect(second.cacheReadTokens).to.equal(first.cacheWriteTokens);
    expect(second.cacheWriteTokens ?? 0).to.equal(0);
    expect(second.inputTokens).to.be.below(20);
  });

  it('when a conversation goes on, then the history up to the previous turn is cached and the next turn reads it', async () => {
    const llm = provider(true);
    const system = textOf(1500, 'rule');
    const earlier = history(6, 150);
    const turn = (messages: ChatMessage[]) => ask(llm, request(SONNET, system, messages));
    const next = { role: 'user' as const, content: 'And now?' };
    await turn([...earlier, next]);
    const reply = { role: 'assistant' as const, content: textOf(150, 'reply') };
    const usage = await turn([...earlier, next, reply, { role: 'user', content: 'Go on.' }]);

    const sent = fake.requests.map(cachePointsOf);
    // The point sits on the last message before the new user turn (Bedrock's first message is
    // the user's, so the history is the fake's messages 0..n-2).
    expect(sent[0]).to.deep.equal({ system: 1, messages: [earlier.length - 1] });
    expect(sent[1]).to.deep.equal({ system: 1, messages: [earlier.length + 1] });
    const historyTokens = earlier.reduce((sum, m) => sum + fakeTokens(m.content), 0);
    expect(usage.cacheReadTokens).to.be.above(historyTokens);
    // Written now: the previous turn's user message and answer, nothing older.
    expect(usage.cacheWriteTokens).to.equal(fakeTokens(next.content) + fakeTokens(reply.content));
  });

  it('when the history alone is short of the minimum on a conversation under way, then the history point alone is sent, and it reads the cached system prompt and writes the history', async () => {
    const llm = provider(true);
    const system = textOf(1500, 'rule');
    // The first turn caches the system prompt (its history is the opening exchange).
    await ask(llm, request(SONNET, system, history(1, 20).concat({ role: 'user', content: 'Hi' })));
    const shortHistory = history(3, 40);
    const usage = await ask(
      llm,
      request(SONNET, system, [...shortHistory, { role: 'user', content: 'And now?' }]),
    );
    expect(cachePointsOf(fake.requests[0]!)).to.deep.equal({ system: 1, messages: [] });
    expect(cachePointsOf(fake.requests[1]!)).to.deep.equal({
      system: 0,
      messages: [shortHistory.length - 1],
    });
    const historyTokens = shortHistory.reduce((sum, m) => sum + fakeTokens(m.content), 0);
    expect(usage.cacheReadTokens).to.equal(fake.bills[0]!.cacheWriteInputTokens);
    expect(usage.cacheWriteTokens).to.equal(historyTokens);
  });

  it('when the prefix is shorter than the model’s minimum, then no cache point is sent and nothing is cached', async () => {
    const llm = provider(true);
    const usage = await ask(
      llm,
      request(SONNET, 'Be brief.', history(1, 20).concat({ role: 'user', content: 'Hi' })),
    );
    expect(cachePointsOf(fake.requests[0]!)).to.deep.equal({ system: 0, messages: [] });
    expect(usage).to.not.have.property('cacheReadTokens');
    expect(usage).to.not.have.property('cacheWriteTokens');
  });

  it('when the model has no prompt caching, then no cache point is sent (Bedrock would refuse it)', async () => {
    const llm = provider(true);
    const usage = await ask(
      llm,
      request(
        HAIKU_3,
        textOf(3000, 'rule'),
        history(8, 200).concat({ role: 'user', content: 'Hi' }),
      ),
    );
    expect(cachePointsOf(fake.requests[0]!)).to.deep.equal({ system: 0, messages: [] });
    expect(usage.inputTokens).to.be.above(3000);
  });

  it('when LLM_PROMPT_CACHE is off, then no request carries a cache point and all input is billed plain', async () => {
    const llm = provider(false);
    const system = textOf(1500, 'rule');
    const usages: TokenUsage[] = [];
    for (const text of ['one', 'two']) {
      usages.push(await ask(llm, request(SONNET, system, [{ role: 'user', content: text }])));
    }
    expect(fake.requests.map(cachePointsOf)).to.deep.equal([
      { system: 0, messages: [] },
      { system: 0, messages: [] },
    ]);
    expect(usages[1]).to.not.have.property('cacheReadTokens');
    expect(usages[1]!.inputTokens).to.be.above(1500);
  });

  it('when the answer is streamed, then ConverseStream carries the same cache points and reports the same usage', async () => {
    const llm = provider(true);
    const system = textOf(1500, 'rule');
    const first = await ask(
      llm,
      request(SONNET, system, [{ role: 'user', content: 'Hello' }]),
      true,
    );
    const second = await ask(llm, request(SONNET, system, [{ role: 'user', content: 'Hi' }]), true);
    expect(fake.requests.every((r) => r.streamed)).to.equal(true);
    expect(cachePointsOf(fake.requests[1]!)).to.deep.equal({ system: 1, messages: [] });
    expect(first.cacheWriteTokens).to.be.above(1024);
    expect(second.cacheReadTokens).to.equal(first.cacheWriteTokens);
  });

  it('when an answer is repaired, then the repair reads what the first call cached, and usage adds both calls', async () => {
    const llm = provider(true);
    const system = textOf(1500, 'rule');
    fake.script({ tool: { wrong: true } }, { tool: { reply: 'Fixed.' } });
    const result = await llm.generate(
      request(SONNET, system, [{ role: 'user', content: 'Hello' }]),
    );
    expect(fake.requests).to.have.length(2);
    expect(cachePointsOf(fake.requests[1]!).system).to.equal(1);
    expect(result.usage.cacheWriteTokens).to.be.above(1024);
    expect(result.usage.cacheReadTokens).to.equal(result.usage.cacheWriteTokens);
  });
});

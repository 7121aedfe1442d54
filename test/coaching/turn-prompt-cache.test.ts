// Coaching turns as a prompt cache sees them, through the app and the real SDK against the fake
// Bedrock billing input as Bedrock documents it: the system prompt stays the same turn after
// turn, the turn's state comes after the history, the history's start moves only every third
// turn, and what Bedrock reports reading and writing reaches the usage counters and metrics.
import { expect } from 'chai';
import { TURN_STATE_NOTE } from '../../app/src/coaching/coach-request.js';
import type { MetricName } from '../../app/src/observability/metrics.js';
import { usageOf } from '../support/budgets.js';
import { coachingTurn } from '../support/fake-answers.js';
import { fakeBedrockEnv, startFakeBedrock, type FakeBedrock } from '../support/fake-bedrock.js';
import { initiate, startApi, type TestApi } from '../support/harness.js';

const MODEL = 'us.anthropic.claude-sonnet-4-6';

/** A coach's reply of two short paragraphs, different each turn. */
const reply = (turn: number) =>
  `Turn ${turn}: you keep returning to honesty, and to what it cost you. `.repeat(6) +
  'What would you do differently next time?';

describe('coaching turns as a prompt cache sees them', () => {
  let fake: FakeBedrock;
  let api: TestApi;
  const metrics: { name: MetricName; value: number }[] = [];

  before(async () => {
    fake = await startFakeBedrock({ accounting: 'content' });
    api = await startApi({
      env: fakeBedrockEnv(fake, MODEL),
      overrides: { metrics: { add: (name, value) => void metrics.push({ name, value }) } },
    });
  });
  after(async () => {
    await api.close();
    await fake.close();
  });

  it('when a conversation runs twelve turns, then the prefix holds still and later turns read most of their input from the cache, as usage and metrics count it', async () => {
    const token = await api.token('cara', 'cache-co');
    const id = await initiate(api, token);
    for (let turn = 1; turn <= 12; turn++) {
      fake.script({ tool: coachingTurn({ ai_response: reply(turn) }) });
      const answered = await api.request('POST', `/api/v1/conversations/${id}/message`, {
        token,
        body: { user_message: `My answer for turn ${turn}: I told the truth and it cost me.` },
      });
      expect(answered.status, answered.text).to.equal(200);
    }
    const sent = fake.requests;
    // One system prompt for the whole conversation; each turn's state rides with its message.
    expect(new Set(sent.map((r) => JSON.stringify(r.system?.[0])))).to.have.property('size', 1);
    for (const request of sent) {
      expect(request.messages.at(-1)!.content[0]!.text).to.include(TURN_STATE_NOTE);
    }
    // Past the recent window, the history starts at the same message three turns running.
    const starts = sent.slice(6).map((r) => r.messages[1]!.content[0]!.text);
    expect(starts[0]).to.equal(starts[1]);
    expect(starts[1]).to.equal(starts[2]);
    expect(starts[3]).to.not.equal(starts[2]);
    expect(starts[3]).to.equal(starts[4]);
    // Later turns read more than they pay for at the plain rate.
    for (const bill of fake.bills.slice(3)) {
      expect(bill.cacheReadInputTokens).to.be.above(bill.inputTokens);
    }
    const billed = (field: 'inputTokens' | 'cacheReadInputTokens' | 'cacheWriteInputTokens') =>
      fake.bills.reduce((sum, bill) => sum + bill[field], 0);
    const usage = await usageOf(api, token);
    expect(usage.month).to.include({
      input_tokens: billed('inputTokens'),
      cache_read_tokens: billed('cacheReadInputTokens'),
      cache_write_tokens: billed('cacheWriteInputTokens'),
      calls: 12,
    });
    const counted = (name: MetricName) =>
      metrics.filter((m) => m.name === name).reduce((sum, m) => sum + m.value, 0);
    expect(counted('LLMCacheReadTokens')).to.equal(billed('cacheReadInputTokens'));
    expect(counted('LLMCacheWriteTokens')).to.equal(billed('cacheWriteInputTokens'));
  });
});

// Every model call's spend reaches the usage counters where the call finishes, whatever made it:
// a streamed turn and a job's turn count as turns of their topic; an OpenAI-compatible server's
// cached prompt tokens count as cache reads; a model the price table lacks costs 0 and is said
// once a process.
import { expect } from 'chai';
import { usageOf } from '../support/budgets.js';
import { coachingTurn } from '../support/fake-answers.js';
import { fakeBedrockEnv, startFakeBedrock, type FakeBedrock } from '../support/fake-bedrock.js';
import { startFakeOpenAi, type FakeOpenAi } from '../support/fake-openai.js';
import { initiate, startApi, type TestApi } from '../support/harness.js';

const MODEL = 'us.anthropic.claude-sonnet-4-6';

describe('spend recorded where each model call finishes', () => {
  describe('through Bedrock', () => {
    let fake: FakeBedrock;
    let api: TestApi;
    before(async () => {
      fake = await startFakeBedrock();
      fake.otherwise({ tool: coachingTurn(), usage: { inputTokens: 500, outputTokens: 50 } });
      api = await startApi({ env: fakeBedrockEnv(fake, MODEL) });
    });
    after(async () => {
      await api.close();
      await fake.close();
    });

    it('when a turn is streamed and another runs as a job, then each counts as a turn of its topic', async () => {
      const token = await api.token('sam', 'delivery-co');
      const id = await initiate(api, token, 'purpose');
      const path = `/api/v1/conversations/${id}/message`;
      const streamed = await api.request('POST', path, {
        token,
        body: { user_message: 'Streamed, please.' },
        headers: { Accept: 'text/event-stream' },
      });
      expect(streamed.text).to.include('event: turn');
      const accepted = await api.request('POST', path, {
        token,
        body: { user_message: 'Later is fine.' },
        headers: { Prefer: 'respond-async' },
      });
      expect(accepted.status).to.equal(202);
      for (;;) {
        const job = await api.request('GET', `/api/v1/jobs/${String(accepted.body.job_id)}`, {
          token,
        });
        if (job.body.status === 'succeeded') break;
        expect(job.body.status).to.be.oneOf(['queued', 'running']);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const admin = await api.token('pat', 'delivery-co', { roles: ['tenant_admin'] });
      const report = await api.request<{ by_topic: Record<string, unknown>[] }>(
        'GET',
        '/api/v1/admin/usage',
        { token: admin },
      );
      expect(report.body.by_topic).to.deep.equal([
        {
          key: 'coaching/purpose',
          cost_usd: (2 * (500 * 3.3 + 50 * 16.5)) / 1e6,
          input_tokens: 1000,
          output_tokens: 100,
          cache_read_tokens: 0,
          cache_write_tokens: 0,
          calls: 2,
          turns: 2,
          analyses: 0,
        },
      ]);
    });
  });

  describe('through an OpenAI-compatible server with a local model', () => {
    let fake: FakeOpenAi;
    let api: TestApi;
    before(async () => {
      fake = await startFakeOpenAi();
      api = await startApi({
        env: {
          DEFAULT_LLM_PROVIDER: 'openai',
          OPENAI_BASE_URL: fake.url,
          OPENAI_MODEL: 'llama3.1:8b',
          LLM_MAX_ATTEMPTS: '1',
        },
      });
    });
    after(async () => {
      await api.close();
      await fake.close();
    });

    it('when the server reports cached prompt tokens, then they count as cache reads apart from the rest of the input', async () => {
      const token = await api.token('uma', 'local-co');
      fake.script({
        json: { suggestion: 'A bakery for cafes.' },
        usage: { prompt: 500, completion: 20, cached: 300 },
      });
      const answered = await api.request('POST', '/api/v1/suggestions/onboarding', {
        token,
        body: { kind: 'niche' },
      });
      expect(answered.status, answered.text).to.equal(200);
      expect((await usageOf(api, token)).day).to.include({
        input_tokens: 200,
        cache_read_tokens: 300,
        output_tokens: 20,
        calls: 1,
      });
    });

    it('when the model is not in the price table, then its calls cost 0 and the process says so once', async () => {
      const token = await api.token('vic', 'local-co');
      for (let i = 0; i < 2; i++) {
        fake.script({ json: { suggestion: `Idea ${i}.` }, usage: { prompt: 100, completion: 10 } });
        expect(
          (
            await api.request('POST', '/api/v1/suggestions/onboarding', {
              token,
              body: { kind: 'ica' },
            })
          ).status,
        ).to.equal(200);
      }
      expect((await usageOf(api, token)).day).to.include({ cost_usd: 0, calls: 2 });
      const said = api.logger.lines.filter((l) => l.event === 'model_not_priced');
      expect(said).to.have.length(1);
      expect(said[0]).to.include({ level: 'warn', model: 'llama3.1:8b' });
    });
  });
});

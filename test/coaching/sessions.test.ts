// Coaching sessions: one item per coaching run, kept up to date by the real app as a
// conversation goes through turns (a failed one included), pause, resume and complete, and
// found again through each of the table's GSIs.
import { expect } from 'chai';
import type { CoachingSession, SessionRepository } from '../../app/src/coaching/session-records.js';
import { estimateCostUsd } from '../../app/src/llm/pricing.js';
import type { MetricName } from '../../app/src/observability/metrics.js';
import { createSessionRepository } from '../../app/src/storage/session-repository.js';
import { coachingTurn } from '../support/fake-answers.js';
import { initiate } from '../support/harness.js';
import { useApiWithFakeBedrock } from '../support/fixtures.js';

const MODEL = 'anthropic.claude-3-haiku-20240307-v1:0';

describe('coaching sessions', () => {
  let sessions: SessionRepository;
  const metrics: { name: MetricName; value: number }[] = [];
  const { api, fake } = useApiWithFakeBedrock({
    env: { DEFAULT_LLM_MODEL: MODEL, LLM_TIMEOUT_MS: '2000', LLM_MAX_ATTEMPTS: '2' },
    overrides: { metrics: { add: (name, value) => void metrics.push({ name, value }) } },
    otherwise: null,
  });

  before(() => {
    sessions = createSessionRepository(api.dynamo, api.config.tables.coachingSessions);
  });

  const sessionOf = async (tenantId: string, userId: string, conversationId: string) => {
    const found = await sessions.list({ by: 'user', tenantId, userId });
    const session = found.find((s) => s.conversationId === conversationId);
    if (!session) throw new Error(`no session for ${conversationId}`);
    return session;
  };

  describe('after a multi-turn conversation', () => {
    let token: string;
    let conversationId: string;
    let session: CoachingSession;
    const usages = [
      { inputTokens: 1000, outputTokens: 200 },
      { inputTokens: 1500, outputTokens: 250 },
      { inputTokens: 2100, outputTokens: 300 },
    ];

    before(async () => {
      token = await api.token('sol', 'acme');
      conversationId = await initiate(api, token);
      const send = (text: string) =>
        api.request('POST', `/api/v1/conversations/${conversationId}/message`, {
          token,
          body: { user_message: text },
        });
      metrics.length = 0;
      for (const [i, usage] of usages.entries()) {
        fake.script({ tool: coachingTurn(), usage });
        expect((await send(`Answer ${i + 1}`)).status).to.equal(200);
      }
      // A malformed answer and a malformed repair: the tokens count, the turn does not.
      fake.script(
        { tool: { nope: true }, usage: { inputTokens: 700, outputTokens: 20 } },
        { tool: { nope: true }, usage: { inputTokens: 800, outputTokens: 30 } },
      );
      expect((await send('Answer 4')).status).to.equal(502);
      session = await sessionOf('acme', 'sol', conversationId);
    });

    it('when the session is read, then it names the run, its user, topic, model and start', async () => {
      expect(session.sessionId).to.match(/^sess_[0-9a-f]{32}$/);
      expect(session).to.include({
        conversationId,
        tenantId: 'acme',
        userId: 'sol',
        topic: 'core_values',
        status: 'active',
        model: MODEL,
        provider: 'bedrock',
        completedAt: null,
      });
      expect(Date.parse(session.startedAt)).to.be.closeTo(Date.now(), 60_000);
    });

    it('when the totals are read, then they add up every call, the failed turn included, and the cost follows the price table', () => {
      const inputTokens = 1000 + 1500 + 2100 + 700 + 800;
      const outputTokens = 200 + 250 + 300 + 20 + 30;
      expect(session).to.include({ turns: 3, failedCalls: 1, inputTokens, outputTokens });
      const expected = estimateCostUsd(MODEL, { inputTokens, outputTokens })!;
      expect(expected).to.be.above(0);
      expect(session.estimatedCostUsd).to.be.closeTo(expected, 1e-6);
    });

    it('when the metrics are read, then LLMInputTokens and LLMOutputTokens add up to the same totals', () => {
      const sum = (name: MetricName) =>
        metrics.filter((m) => m.name === name).reduce((total, m) => total + m.value, 0);
      expect(sum('LLMInputTokens')).to.equal(session.inputTokens);
      expect(sum('LLMOutputTokens')).to.equal(session.outputTokens);
    });

    it('when the conversation is read, then the usage summary is under metadata and no message holds token counts', async () => {
      const response = await api.request<{
        metadata: { usage: Record<string, unknown> };
        messages: { metadata: Record<string, unknown> }[];
      }>('GET', `/api/v1/conversations/${conversationId}`, { token });
      expect(response.body.metadata.usage).to.deep.include({
        model: MODEL,
        turns: 3,
        failed_calls: 1,
        input_tokens: session.inputTokens,
        output_tokens: session.outputTokens,
      });
      expect(response.body.messages).to.have.lengthOf(7);
      expect(JSON.stringify(response.body.messages)).to.not.match(/tokens/);
    });

    it('when the conversation is paused, resumed and completed, then the session follows, with completed_at and an outcome', async () => {
      const post = (action: string) =>
        api.request('POST', `/api/v1/conversations/${conversationId}/${action}`, {
          token,
          body: {},
        });
      expect((await post('pause')).status).to.equal(204);
      expect((await sessions.get(session.sessionId))?.status).to.equal('paused');
      expect((await post('resume')).status).to.equal(204);
      expect((await sessions.get(session.sessionId))?.status).to.equal('active');
      expect((await post('complete')).status).to.equal(204);

      const done = (await sessions.get(session.sessionId))!;
      expect(done.status).to.equal('completed');
      expect(Date.parse(done.completedAt ?? '')).to.be.closeTo(Date.now(), 60_000);
      expect(done.outcome).to.deep.include({ identified_values: ['Honesty'] });
      expect(done.inputTokens).to.equal(session.inputTokens);
    });
  });

  describe('queries by GSI', () => {
    let early: string;
    let late: string;

    before(async () => {
      const ana = await api.token('ana', 'globex');
      early = await initiate(api, ana, 'purpose');
      await new Promise((resolve) => setTimeout(resolve, 5));
      late = await initiate(api, ana, 'vision');
      await initiate(api, await api.token('ben', 'globex'), 'purpose');
      await initiate(api, await api.token('ana-twin', 'initech'), 'purpose');
    });

    it("when a user's sessions are listed, then both of theirs come back newest first, and nobody else's", async () => {
      const found = await sessions.list({ by: 'user', tenantId: 'globex', userId: 'ana' });
      expect(found.map((s) => s.conversationId)).to.deep.equal([late, early]);
    });

    it("when a user's sessions of one topic are listed, then only that topic's come back", async () => {
      const found = await sessions.list({
        by: 'topic',
        tenantId: 'globex',
        userId: 'ana',
        topic: 'purpose',
      });
      expect(found.map((s) => s.conversationId)).to.deep.equal([early]);
    });

    it("when a tenant's sessions in a time range are listed, then they are the tenant's only, newest first, and the limit holds", async () => {
      const range = {
        from: new Date(Date.now() - 60_000).toISOString(),
        to: new Date().toISOString(),
      };
      const all = await sessions.list({ by: 'tenant', tenantId: 'globex', ...range });
      expect(all.map((s) => s.userId)).to.have.members(['ana', 'ana', 'ben']);
      expect(all.map((s) => s.tenantId)).to.deep.equal(['globex', 'globex', 'globex']);
      const starts = all.map((s) => s.startedAt);
      expect(starts).to.deep.equal([...starts].sort().reverse());
      expect(
        await sessions.list({ by: 'tenant', tenantId: 'globex', ...range }, 2),
      ).to.have.lengthOf(2);

      const before = await sessions.list({
        by: 'tenant',
        tenantId: 'globex',
        from: '2000-01-01T00:00:00.000Z',
        to: '2000-12-31T00:00:00.000Z',
      });
      expect(before).to.deep.equal([]);
    });
  });
});

// Budgets in the turn pipeline, over HTTP with a fake Bedrock: a spent budget refuses a buffered
// turn, a streamed one (JSON, before any event stream), a message job and an analysis job (at
// accept: no 202, no job) with the contract's 429, the model not asked, nothing stored and the
// conversation free at once; a replay of a stored Idempotency-Key is never refused; and a job
// whose budget is spent between its 202 and its worker's start fails with that 429, storing
// nothing. The budget comes after the lease (a slow turn's conversation is busy first), and a
// call in flight when the budget is reached finishes. A regenerate is counted, refused and
// replayed as a message is. Jobs are run when the test says (the
// dispatcher only records them).
import { expect } from 'chai';
import type { MetricName } from '../../app/src/observability/metrics.js';
import { budgetEnv, expectQuotaExceeded, seedSpend, usageOf } from '../support/budgets.js';
import { openEventStream } from '../support/event-stream.js';
import { analysisAnswers } from '../support/fake-answers.js';
import { useApiWithFakeBedrock } from '../support/fixtures.js';
import { initiate, messagePath, type Response } from '../support/harness.js';
import { slowModel } from '../support/slow-model.js';

const ASYNC = { Prefer: 'respond-async' };
const USER_DAILY_USD = 1;
const TENANT_MONTHLY_USD = 10;
const kpiBody = { current_kpis: ['Monthly revenue'] };

interface Job {
  job_id: string;
  status: string;
  result: Record<string, unknown> | null;
  error: Record<string, unknown> | null;
}

describe('budgets in the turn pipeline: buffered, streamed and job turns, and analysis jobs', () => {
  const metrics: MetricName[] = [];
  const dispatched: string[] = [];
  let worker: (jobId: string) => Promise<unknown>;
  const { api, fake } = useApiWithFakeBedrock({
    env: budgetEnv({ tenantMonthlyUsd: TENANT_MONTHLY_USD, userDailyUsd: USER_DAILY_USD }),
    overrides: {
      metrics: { add: (name) => void metrics.push(name) },
      jobDispatcher: (run) => {
        worker = run;
        return { dispatch: (job) => Promise.resolve(void dispatched.push(job.jobId)) };
      },
    },
  });
  beforeEach(() => {
    metrics.length = 0;
    dispatched.length = 0;
  });

  const send = (
    token: string,
    id: string,
    text: string,
    headers: Record<string, string> = {},
  ): Promise<Response> =>
    api.request('POST', messagePath(id), { token, body: { user_message: text }, headers });
  const refusals = () => metrics.filter((name) => name === 'QuotaExceeded').length;
  const platformAdmin = () => api.token('root', 'platform', { roles: ['platform_admin'] });
  const setTenantBudget = async (tenantId: string, monthlyUsd: number | null) => {
    const set = await api.request('PUT', `/api/v1/admin/budgets/${tenantId}`, {
      token: await platformAdmin(),
      body: { monthly_usd: monthlyUsd },
    });
    expect(set.status, set.text).to.equal(200);
  };

  /**
   * Everything a turn could leave behind: the conversation as its owner reads it, whether a lease
   * is held on its item, its turn items, its session, every job and key record, and the caller's
   * counted spend.
   */
  async function stored(token: string, id: string) {
    const ofConversation = (item: Record<string, unknown>) => item.conversation_id === id;
    const item = (await api.items('conversations')).find(ofConversation);
    return {
      conversation: (await api.request('GET', `/api/v1/conversations/${id}`, { token })).body,
      leaseHeld: item !== undefined && 'lease_id' in item,
      turns: (await api.items('messages')).filter(ofConversation),
      sessions: (await api.items('coachingSessions')).filter(
        (session) => session.session_id === item?.session_id,
      ),
      jobs: await api.items('jobs'),
      usage: (await usageOf(api, token)).day,
    };
  }

  describe('a spent budget refuses the turn before the model, whatever its delivery', () => {
    it('when a tenant’s own budget is 0, then a buffered message is 429 for the tenant with nothing spent, nothing is stored, and once the budget is lifted the next message is answered at once', async () => {
      const token = await api.token('ann', 'zero-co');
      const id = await initiate(api, token);
      await setTenantBudget('zero-co', 0);
      const before = await stored(token, id);

      const refused = await send(token, id, 'Honesty matters to me.');
      expectQuotaExceeded(refused, { scope: 'tenant', limitUsd: 0 });
      expect((refused.body.quota as { spent_usd: number }).spent_usd).to.equal(0);
      expect(fake.requests).to.have.length(0);
      expect(await stored(token, id)).to.deep.equal({ ...before, leaseHeld: false });
      expect(refusals()).to.equal(1);

      // Back to the stage's default ($10, nothing spent): the lease was let go with the refusal.
      await setTenantBudget('zero-co', null);
      const answered = await send(token, id, 'Honesty matters to me.');
      expect(answered.status, answered.text).to.equal(200);
      expect(fake.requests).to.have.length(1);
    });

    it('when a user has spent its day, then a buffered message is 429 for the user, the model is not asked, nothing is stored, and the next message is refused the same way, not 409 busy', async () => {
      const token = await api.token('bob', 'day-co');
      const id = await initiate(api, token);
      await seedSpend(api, { tenantId: 'day-co', userId: 'bob', usd: USER_DAILY_USD });
      const before = await stored(token, id);

      expectQuotaExceeded(await send(token, id, 'Courage.'), {
        scope: 'user',
        limitUsd: USER_DAILY_USD,
      });
      expectQuotaExceeded(await send(token, id, 'Courage.'), {
        scope: 'user',
        limitUsd: USER_DAILY_USD,
      });
      expect(fake.requests).to.have.length(0);
      expect(await stored(token, id)).to.deep.equal(before);
      expect(refusals()).to.equal(2);
    });

    it('when a tenant has spent its month, then a streamed message is the JSON 429 for the tenant before any event stream, and nothing is stored', async () => {
      const token = await api.token('cy', 'month-co');
      const id = await initiate(api, token);
      await seedSpend(api, { tenantId: 'month-co', userId: 'dot', usd: TENANT_MONTHLY_USD });
      const before = await stored(token, id);

      const opened = await openEventStream(api, messagePath(id), {
        token,
        body: { user_message: 'Craft.' },
      });
      expect(opened.headers.get('content-type')).to.match(/^application\/json/);
      const { text, events } = await opened.rest();
      expect(events).to.deep.equal([]);
      const refused = {
        status: opened.status,
        headers: opened.headers,
        body: JSON.parse(text) as Record<string, unknown>,
        text,
      };
      expectQuotaExceeded(refused, { scope: 'tenant', limitUsd: TENANT_MONTHLY_USD });
      expect(fake.requests).to.have.length(0);
      expect(await stored(token, id)).to.deep.equal(before);
      expect(refusals()).to.equal(1);
      // The conversation is free: the next message meets the budget again, not the lease.
      expect((await send(token, id, 'Craft.')).status).to.equal(429);
    });

    it('when a user has spent its day, then a message job is the JSON 429 instead of the 202: no job is stored or dispatched, and the conversation is free', async () => {
      const token = await api.token('eve', 'job-co');
      const id = await initiate(api, token);
      await seedSpend(api, { tenantId: 'job-co', userId: 'eve', usd: USER_DAILY_USD });
      const before = await stored(token, id);

      for (const headers of [ASYNC, { ...ASYNC, 'Idempotency-Key': 'job-refused' }]) {
        const refused = await send(token, id, 'Patience.', headers);
        expectQuotaExceeded(refused, { scope: 'user', limitUsd: USER_DAILY_USD });
        expect(refused.headers.get('location')).to.equal(null);
      }
      expect(dispatched).to.deep.equal([]);
      expect(fake.requests).to.have.length(0);
      expect(await stored(token, id)).to.deep.equal(before);
      expect(refusals()).to.equal(2);
    });

    it('when a user has spent its day, then an analysis job is the JSON 429 instead of the 202, with or without a key: no job, key or analysis is stored', async () => {
      const token = await api.token('fay', 'analysis-co');
      await seedSpend(api, { tenantId: 'analysis-co', userId: 'fay', usd: USER_DAILY_USD });
      const jobsBefore = await api.items('jobs');

      for (const headers of [ASYNC, { ...ASYNC, 'Idempotency-Key': 'kpi-refused' }]) {
        const refused = await api.request('POST', '/api/v1/analysis/kpi', {
          token,
          body: kpiBody,
          headers,
        });
        expectQuotaExceeded(refused, { scope: 'user', limitUsd: USER_DAILY_USD });
      }
      expect(dispatched).to.deep.equal([]);
      expect(fake.requests).to.have.length(0);
      expect(await api.items('jobs')).to.deep.equal(jobsBefore);
      const analyses = await api.items('analyses');
      expect(analyses.filter((item) => item.tenant_id === 'analysis-co')).to.deep.equal([]);
      expect(refusals()).to.equal(2);
    });
  });

  describe('the budget comes last, after the lease', () => {
    it('when a budget is spent while a slow turn holds the conversation, then another message is 409 busy, not 429; the turn in flight finishes and is counted; the next is 429', async () => {
      const token = await api.token('kit', 'inflight-co');
      const id = await initiate(api, token);
      const model = slowModel(fake);
      const first = send(token, id, 'Loyalty.');
      await model.reached;
      await seedSpend(api, { tenantId: 'inflight-co', userId: 'kit', usd: USER_DAILY_USD });

      const meanwhile = await send(token, id, 'Loyalty, again.');
      expect(meanwhile.status, meanwhile.text).to.equal(409);
      expect(meanwhile.body.error).to.equal('conversation_busy');
      model.answer();
      expect((await first).status).to.equal(200);
      const usage = await usageOf(api, token);
      expect(usage.day.calls).to.equal(2);
      expect(usage.day.cost_usd).to.be.above(USER_DAILY_USD);

      expectQuotaExceeded(await send(token, id, 'Loyalty, once more.'), {
        scope: 'user',
        limitUsd: USER_DAILY_USD,
      });
      expect(fake.requests).to.have.length(1);
      expect(refusals()).to.equal(1);
    });
  });

  describe('a replay of a stored Idempotency-Key is never refused', () => {
    it('when a turn was answered and the budget is spent since, then its key replays it buffered, streamed and as a job, without the model', async () => {
      const token = await api.token('gus', 'replay-co');
      const id = await initiate(api, token);
      const key = { 'Idempotency-Key': 'answered-before' };
      const first = await send(token, id, 'Generosity.', key);
      expect(first.status, first.text).to.equal(200);
      await seedSpend(api, { tenantId: 'replay-co', userId: 'gus', usd: USER_DAILY_USD });

      const buffered = await send(token, id, 'Generosity.', key);
      expect(buffered.status, buffered.text).to.equal(200);
      expect(buffered.body).to.deep.equal(first.body);

      const opened = await openEventStream(api, messagePath(id), {
        token,
        body: { user_message: 'Generosity.' },
        headers: key,
      });
      expect(opened.status).to.equal(200);
      const streamed = await opened.rest();
      expect(streamed.events.map((e) => e.event)).to.deep.equal(['delta', 'turn']);
      expect(streamed.events[1]?.data).to.deep.equal(first.body);

      const job = await send(token, id, 'Generosity.', { ...key, ...ASYNC });
      expect(job.status, job.text).to.equal(202);
      expect(job.body.status).to.equal('succeeded');
      const read = await api.request<Job>('GET', `/api/v1/jobs/${String(job.body.job_id)}`, {
        token,
      });
      expect(read.body.result).to.deep.equal(first.body);

      expect(fake.requests).to.have.length(1);
      expect(refusals()).to.equal(0);
      // The fresh message after them is refused: the budget was spent all along.
      expectQuotaExceeded(await send(token, id, 'Something new.'), {
        scope: 'user',
        limitUsd: USER_DAILY_USD,
      });
    });

    it('when a message job and an analysis job were accepted with keys and the budget is spent since, then the same keys name the same jobs', async () => {
      const token = await api.token('hal', 'job-replay-co');
      const id = await initiate(api, token);
      const messageKey = { ...ASYNC, 'Idempotency-Key': 'message-job' };
      const message = await send(token, id, 'Curiosity.', messageKey);
      expect(message.status, message.text).to.equal(202);
      expect(await worker(String(message.body.job_id))).to.equal('succeeded');
      const analysisKey = { ...ASYNC, 'Idempotency-Key': 'analysis-job' };
      const analysis = () =>
        api.request('POST', '/api/v1/analysis/kpi', { token, body: kpiBody, headers: analysisKey });
      const queued = await analysis();
      expect(queued.status, queued.text).to.equal(202);
      await seedSpend(api, { tenantId: 'job-replay-co', userId: 'hal', usd: USER_DAILY_USD });

      const messageAgain = await send(token, id, 'Curiosity.', messageKey);
      expect(messageAgain.status, messageAgain.text).to.equal(202);
      expect(messageAgain.body).to.deep.include({
        job_id: message.body.job_id,
        status: 'succeeded',
      });
      const analysisAgain = await analysis();
      expect(analysisAgain.status, analysisAgain.text).to.equal(202);
      expect(analysisAgain.body).to.deep.include({ job_id: queued.body.job_id, status: 'queued' });
      expect(refusals()).to.equal(0);
    });
  });

  describe('a regenerate is a turn like any other', () => {
    it('when a regenerate answers, then its call counts on the day; once the day is spent, a new one is 429 with nothing stored, and its stored key still replays', async () => {
      const token = await api.token('ria', 'regen-co');
      const id = await initiate(api, token);
      expect((await send(token, id, 'Patience.')).status).to.equal(200);
      const calls = Number((await usageOf(api, token)).day.calls);
      const key = { 'Idempotency-Key': 'regen-before' };
      const regenerate = (headers: Record<string, string> = {}) =>
        api.request('POST', `/api/v1/conversations/${id}/regenerate`, { token, headers });
      const first = await regenerate(key);
      expect(first.status, first.text).to.equal(200);
      expect(Number((await usageOf(api, token)).day.calls)).to.equal(calls + 1);

      await seedSpend(api, { tenantId: 'regen-co', userId: 'ria', usd: USER_DAILY_USD });
      const asked = fake.requests.length;
      const before = await stored(token, id);
      expectQuotaExceeded(await regenerate(), { scope: 'user', limitUsd: USER_DAILY_USD });
      expect(await stored(token, id)).to.deep.equal(before);
      const replay = await regenerate(key);
      expect(replay.status, replay.text).to.equal(200);
      expect(replay.body).to.deep.equal(first.body);
      expect(fake.requests.length).to.equal(asked);
    });
  });

  describe('a job whose budget is spent between its 202 and its start', () => {
    it('when the tenant’s budget drops to 0 before the worker starts a message job, then the job fails with the 429 envelope, nothing of the turn is stored, and the conversation is free', async () => {
      const token = await api.token('ida', 'late-co');
      const id = await initiate(api, token);
      const before = await stored(token, id);
      const accepted = await send(token, id, 'Kindness.', ASYNC);
      expect(accepted.status, accepted.text).to.equal(202);
      const jobId = String(accepted.body.job_id);
      await setTenantBudget('late-co', 0);

      expect(await worker(jobId)).to.equal('failed');
      const failed = await api.request<Job>('GET', `/api/v1/jobs/${jobId}`, { token });
      expect(failed.body.status).to.equal('failed');
      expect(failed.body.result).to.equal(null);
      expect(failed.body.error).to.deep.include({
        error: 'quota_exceeded',
        status: 429,
        quota: {
          scope: 'tenant',
          limit_usd: 0,
          spent_usd: 0,
          resets_at: (failed.body.error?.quota as { resets_at: string }).resets_at,
        },
      });
      expect(failed.body.error?.retry_after).to.be.a('number').and.at.least(1);
      expect(fake.requests).to.have.length(0);
      expect(refusals()).to.equal(1);
      const after = await stored(token, id);
      expect({ ...after, jobs: before.jobs }).to.deep.equal(before);

      // The worker let the lease go: with the budget lifted, the next message is answered at once.
      await setTenantBudget('late-co', null);
      const answered = await send(token, id, 'Kindness.');
      expect(answered.status, answered.text).to.equal(200);
    });

    it('when the user spends its day before the worker starts an analysis job, then the job fails with the 429 envelope and no analysis is stored', async () => {
      const token = await api.token('jo', 'late-analysis-co');
      fake.otherwise({ tool: analysisAnswers.kpi });
      const accepted = await api.request('POST', '/api/v1/analysis/kpi', {
        token,
        body: kpiBody,
        headers: ASYNC,
      });
      expect(accepted.status, accepted.text).to.equal(202);
      const jobId = String(accepted.body.job_id);
      await seedSpend(api, { tenantId: 'late-analysis-co', userId: 'jo', usd: USER_DAILY_USD });

      expect(await worker(jobId)).to.equal('failed');
      const failed = await api.request<Job>('GET', `/api/v1/jobs/${jobId}`, { token });
      expect(failed.body.error).to.deep.include({ error: 'quota_exceeded', status: 429 });
      expect(failed.body.error?.quota).to.deep.include({
        scope: 'user',
        limit_usd: USER_DAILY_USD,
      });
      expect(fake.requests).to.have.length(0);
      const analyses = await api.items('analyses');
      expect(analyses.filter((item) => item.tenant_id === 'late-analysis-co')).to.deep.equal([]);
      expect(refusals()).to.equal(1);
    });
  });
});

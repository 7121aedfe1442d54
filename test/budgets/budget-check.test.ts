// Budgets before the model, over HTTP against the embedded store and a fake Bedrock: a spent
// daily or monthly budget is the contract's 429 with the seconds until it resets, nothing is
// stored and the model is not asked; a budget of 0 refuses every call; with no budget set the
// check reads nothing; a platform admin's change holds on every instance within 60 s; a call
// counts in the period in which it finished.
import { expect } from 'chai';
import type { MetricName } from '../../app/src/observability/metrics.js';
import { startEmbeddedDynamo, type EmbeddedDynamo } from '../../app/src/storage/local-dynamo.js';
import { budgetEnv, expectQuotaExceeded, seedSpend, usageOf } from '../support/budgets.js';
import { analysisAnswers } from '../support/fake-answers.js';
import { fakeBedrockEnv, startFakeBedrock, type FakeBedrock } from '../support/fake-bedrock.js';
import { startApi, type TestApi } from '../support/harness.js';

const MODEL = 'us.anthropic.claude-sonnet-4-6';
/** One scripted call: 1,000 tokens in and 100 out on Sonnet 4.6 through its US profile. */
const CALL = { inputTokens: 1000, outputTokens: 100 };
const CALL_USD = (1000 * 3.3 + 100 * 16.5) / 1e6;

const bedrockEnv = (fake: FakeBedrock) => fakeBedrockEnv(fake, MODEL);

const kpiBody = { current_kpis: ['Monthly revenue'] };

describe('budgets before the model', () => {
  let fake: FakeBedrock;
  before(async () => {
    fake = await startFakeBedrock();
  });
  beforeEach(() => {
    fake.reset();
    fake.otherwise({ tool: analysisAnswers.kpi, usage: CALL });
  });
  after(() => fake.close());

  describe('with a daily budget of $1 and a monthly one of $10', () => {
    let api: TestApi;
    const metrics: { name: MetricName; value: number }[] = [];
    before(async () => {
      api = await startApi({
        env: { ...bedrockEnv(fake), ...budgetEnv({ tenantMonthlyUsd: 10, userDailyUsd: 1 }) },
        overrides: { metrics: { add: (name, value) => void metrics.push({ name, value }) } },
      });
    });
    after(() => api.close());

    const analyses = async (tenantId: string) =>
      (await api.items('analyses')).filter((item) => item.tenant_id === tenantId);

    it('when a user has spent its day, then an analysis is 429 for the user until UTC midnight, the model is not asked and nothing is stored', async () => {
      await seedSpend(api, { tenantId: 'day-co', userId: 'ada', usd: 1 });
      const token = await api.token('ada', 'day-co');
      const refused = await api.request('POST', '/api/v1/analysis/kpi', { token, body: kpiBody });
      expectQuotaExceeded(refused, { scope: 'user', limitUsd: 1 });
      expect(fake.requests).to.have.length(0);
      expect(await analyses('day-co')).to.deep.equal([]);
      expect(metrics.filter((m) => m.name === 'QuotaExceeded')).to.have.length(1);
      expect(
        api.logger.lines.find((l) => l.event === 'quota_exceeded' && l.tenant_id === 'day-co'),
      ).to.include({ user_id: 'ada', scope: 'user', limit_usd: 1 });
      // Nothing was added for the refusal either.
      expect((await usageOf(api, token)).day).to.include({ calls: 1, cost_usd: 1 });
    });

    it('when another user of the tenant has budget left, then its analysis goes ahead and its cost is counted', async () => {
      await seedSpend(api, { tenantId: 'mixed-co', userId: 'ada', usd: 1 });
      const token = await api.token('bo', 'mixed-co');
      const answered = await api.request('POST', '/api/v1/analysis/kpi', { token, body: kpiBody });
      expect(answered.status, answered.text).to.equal(201);
      const usage = await usageOf(api, token);
      expect(usage.day).to.include({ calls: 1, input_tokens: 1000, output_tokens: 100 });
      expect(usage.day.cost_usd).to.be.closeTo(CALL_USD, 1e-12);
      expect(usage.budgets).to.deep.equal({
        user_daily_usd: 1,
        user_remaining_usd: Math.round((1 - CALL_USD) * 1e9) / 1e9,
        tenant_monthly_usd: 10,
        tenant_remaining_usd: Math.round((10 - 1 - CALL_USD) * 1e9) / 1e9,
      });
    });

    it('when the tenant has spent its month, then each of its users is refused for the tenant until the first of next month', async () => {
      await seedSpend(api, { tenantId: 'month-co', userId: 'carl', usd: 10 });
      const token = await api.token('dee', 'month-co');
      const refused = await api.request('POST', '/api/v1/analysis/kpi', { token, body: kpiBody });
      expectQuotaExceeded(refused, { scope: 'tenant', limitUsd: 10 });
      expect(fake.requests).to.have.length(0);
    });

    it('when the spend is just under the budget, then the call goes ahead, passes it by what it cost, and the next is refused', async () => {
      await seedSpend(api, { tenantId: 'edge-co', userId: 'eve', usd: 0.999 });
      const token = await api.token('eve', 'edge-co');
      const answered = await api.request('POST', '/api/v1/analysis/kpi', { token, body: kpiBody });
      expect(answered.status, answered.text).to.equal(201);
      const refused = await api.request('POST', '/api/v1/analysis/kpi', { token, body: kpiBody });
      expectQuotaExceeded(refused, { scope: 'user', limitUsd: 1 });
      expect((refused.body as { quota: { spent_usd: number } }).quota.spent_usd).to.be.closeTo(
        0.999 + CALL_USD,
        1e-9,
      );
      expect(fake.requests).to.have.length(1);
    });

    it('when a suggestion is refused, then the legacy envelope says quota_exceeded, with Retry-After', async () => {
      await seedSpend(api, { tenantId: 'legacy-co', userId: 'fay', usd: 1 });
      const token = await api.token('fay', 'legacy-co');
      const refused = await api.request('POST', '/api/v1/suggestions/onboarding', {
        token,
        body: { kind: 'niche', current: 'We bake bread.' },
      });
      expectQuotaExceeded(refused, { scope: 'user', limitUsd: 1 });
      expect(refused.body).to.include({ success: false, data: null });
      expect(fake.requests).to.have.length(0);
    });

    it('when the model fails after using tokens, then the failed call still counts what it cost', async () => {
      const token = await api.token('gus', 'failing-co');
      fake.script(
        { tool: { wrong: true }, usage: CALL },
        { tool: { still: 'wrong' }, usage: CALL },
      );
      const failed = await api.request('POST', '/api/v1/analysis/kpi', { token, body: kpiBody });
      expect(failed.status).to.equal(502);
      const usage = await usageOf(api, token);
      expect(usage.day).to.include({ calls: 1, input_tokens: 2000, output_tokens: 200 });
      expect(usage.day.cost_usd).to.be.closeTo(2 * CALL_USD, 1e-12);
    });
  });

  describe('with a monthly budget of $0', () => {
    let api: TestApi;
    before(async () => {
      api = await startApi({ env: { ...bedrockEnv(fake), ...budgetEnv({ tenantMonthlyUsd: 0 }) } });
    });
    after(() => api.close());

    it('when nothing has been spent, then every model call is still refused', async () => {
      const token = await api.token('hal', 'zero-co');
      const refused = await api.request('POST', '/api/v1/analysis/kpi', { token, body: kpiBody });
      expectQuotaExceeded(refused, { scope: 'tenant', limitUsd: 0 });
      expect((refused.body as { quota: { spent_usd: number } }).quota.spent_usd).to.equal(0);
      expect(fake.requests).to.have.length(0);
    });
  });

  describe('with no budget set', () => {
    let api: TestApi;
    before(async () => {
      api = await startApi({ env: bedrockEnv(fake) });
    });
    after(() => api.close());

    it('when calls follow one another, then none is refused and, once the tenant is known to have no budget, the check reads nothing', async () => {
      const token = await api.token('ida', 'free-co');
      await seedSpend(api, { tenantId: 'free-co', userId: 'ida', usd: 1_000_000 });
      const first = await api.request('POST', '/api/v1/analysis/kpi', { token, body: kpiBody });
      expect(first.status, first.text).to.equal(201);
      const calls: string[] = [];
      api.dynamo.client.middlewareStack.add(
        (next, context) => (args) => {
          const input = args.input as { TableName?: string; RequestItems?: object };
          const table = input.TableName ?? Object.keys(input.RequestItems ?? {})[0];
          if (table === api.config.tables.usageCounters) calls.push(context.commandName ?? '');
          return next(args);
        },
        { step: 'initialize', name: 'countCounterCalls' },
      );
      const second = await api.request('POST', '/api/v1/analysis/kpi', { token, body: kpiBody });
      expect(second.status, second.text).to.equal(201);
      // The two adds of the finished call, and no read before it.
      expect(calls).to.deep.equal(['UpdateItemCommand', 'UpdateItemCommand']);
      expect((await usageOf(api, token)).budgets).to.deep.equal({
        user_daily_usd: null,
        user_remaining_usd: null,
        tenant_monthly_usd: null,
        tenant_remaining_usd: null,
      });
    });
  });
});

describe('budgets across instances and periods', () => {
  let embedded: EmbeddedDynamo;
  let fake: FakeBedrock;
  let clock = new Date('2026-11-30T23:58:00.000Z');
  const now = () => new Date(clock.getTime());
  /** Two instances of one stage: one store, one set of tables, one clock the test moves. */
  let first: TestApi;
  let second: TestApi;

  before(async () => {
    embedded = await startEmbeddedDynamo();
    fake = await startFakeBedrock();
    fake.otherwise({ tool: analysisAnswers.kpi, usage: CALL });
    const env = { ...bedrockEnv(fake), NAME_SUFFIX: `-shared${process.pid}` };
    first = await startApi({ env, embedded, overrides: { now } });
    second = await startApi({ env, embedded, overrides: { now } });
  });
  after(async () => {
    await first.close();
    await second.close();
    await fake.close();
    await embedded.close();
  });

  it('when a platform admin sets a tenant’s budget on one instance, then another instance holds it within 60 s', async () => {
    const admin = await first.token('root', 'platform', { roles: ['platform_admin'] });
    const token = await first.token('jo', 'shared-co');
    // The second instance has seen the tenant without a budget.
    expect(
      (await second.request('POST', '/api/v1/analysis/kpi', { token, body: kpiBody })).status,
    ).to.equal(201);
    const set = await first.request('PUT', '/api/v1/admin/budgets/shared-co', {
      token: admin,
      body: { monthly_usd: 0 },
    });
    expect(set.status, set.text).to.equal(200);
    // The instance that made the change holds it at once.
    const here = await first.request('POST', '/api/v1/analysis/kpi', { token, body: kpiBody });
    expectQuotaExceeded(here, { scope: 'tenant', limitUsd: 0, at: clock });
    clock = new Date(clock.getTime() + 60_000);
    const there = await second.request('POST', '/api/v1/analysis/kpi', { token, body: kpiBody });
    expectQuotaExceeded(there, { scope: 'tenant', limitUsd: 0, at: clock });
  });

  it('when a call is asked before midnight and finishes after it, then it counts in the new day and month', async () => {
    clock = new Date('2026-11-30T23:59:59.500Z');
    const token = await first.token('kim', 'midnight-co');
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    fake.script({ until: held, then: { tool: analysisAnswers.kpi, usage: CALL } });
    const pending = first.request('POST', '/api/v1/analysis/kpi', { token, body: kpiBody });
    while (fake.requests.length === 0) await new Promise((r) => setTimeout(r, 10));
    clock = new Date('2026-12-01T00:00:00.250Z');
    release();
    expect((await pending).status).to.equal(201);
    const admin = await first.token('lee', 'midnight-co', { roles: ['tenant_admin'] });
    const month = async (m: string) =>
      (await first.request('GET', `/api/v1/admin/usage?month=${m}`, { token: admin })).body as {
        totals: { calls: number };
      };
    expect((await month('2026-11')).totals.calls).to.equal(0);
    expect((await month('2026-12')).totals.calls).to.equal(1);
    expect((await usageOf(first, token)).day).to.include({ date: '2026-12-01', calls: 1 });
  });
});

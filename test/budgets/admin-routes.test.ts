// The admin module over HTTP: roles from the token (roles, scope, scopes), 403 naming the role,
// one admin_action line a call without text, a tenant's usage read from the counters the
// budgets use, a tenant's budget read and set by a platform admin, and every bad input refused
// with nothing stored.
import { expect } from 'chai';
import { adminRouteTable } from '../../app/src/http/admin-routes.js';
import { budgetEnv, seedSpend, usageOf } from '../support/budgets.js';
import { analysisAnswers, coachingTurn } from '../support/fake-answers.js';
import { fakeBedrockEnv, startFakeBedrock, type FakeBedrock } from '../support/fake-bedrock.js';
import { initiate, startApi, type TestApi } from '../support/harness.js';

const MODEL = 'us.anthropic.claude-sonnet-4-6';
const NOVEMBER = '2026-11';

/** An error's fields, beside the success body's. */
interface ErrorFields {
  message?: string;
  detail?: { loc: (string | number)[] }[];
}

interface TenantUsage extends ErrorFields {
  tenant_id: string;
  month: string;
  totals: Record<string, number>;
  by_user: (Record<string, number> & { key: string })[];
  by_topic: (Record<string, number> & { key: string })[];
  by_model: (Record<string, number> & { key: string })[];
  budget: { monthly_usd: number | null; remaining_usd: number | null };
}

describe('the admin module', () => {
  let fake: FakeBedrock;
  let api: TestApi;

  before(async () => {
    fake = await startFakeBedrock();
    api = await startApi({
      env: { ...fakeBedrockEnv(fake, MODEL), ...budgetEnv({ tenantMonthlyUsd: 100 }) },
    });
  });
  after(async () => {
    await api.close();
    await fake.close();
  });

  const adminLines = () => api.logger.lines.filter((l) => l.event === 'admin_action');
  const tenantUsage = (token: string, query = '') =>
    api.request<TenantUsage>('GET', `/api/v1/admin/usage${query}`, { token });

  it('when the module is read, then each route of its table has a handler and a documented operation naming its roles, and nothing else does', async () => {
    const { adminHandlers } = await import('../../app/src/http/admin-handlers.js');
    const operations = adminRouteTable.map((route) => route.operationId);
    expect(Object.keys(adminHandlers).sort()).to.deep.equal([...operations].sort());
    const doc = (
      await api.request<{
        paths: Record<
          string,
          Record<
            string,
            {
              operationId: string;
              description: string;
              responses: Record<string, unknown>;
              security: unknown[];
            }
          >
        >;
      }>('GET', '/openapi.json')
    ).body;
    const documented = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.entries(item)
        .filter(([, op]) => operations.includes(op.operationId as never))
        .map(([method, op]) => ({ path, method, op })),
    );
    expect(documented).to.have.length(adminRouteTable.length);
    for (const route of adminRouteTable) {
      const found = documented.find((d) => d.op.operationId === route.operationId);
      expect(found?.path).to.equal(`/api/v1${route.path.replace(/:(\w+)/g, '{$1}')}`);
      expect(found?.method).to.equal(route.method);
      expect(found?.op.security).to.deep.equal([{ bearerAuth: [] }]);
      for (const role of route.roles) expect(found?.op.description).to.include(role);
      expect('403' in (found?.op.responses ?? {}), route.operationId).to.equal(
        route.roles.length > 0,
      );
    }
  });

  describe('roles', () => {
    it('when a caller without a role asks for its tenant’s usage, then 403 names the roles, and the refusal is an admin_action', async () => {
      const token = await api.token('plain', 'role-co');
      const before = adminLines().length;
      const refused = await tenantUsage(token);
      expect(refused.status).to.equal(403);
      expect(refused.body).to.include({
        error: 'permission_denied',
        message: 'This needs the tenant_admin or platform_admin role',
      });
      expect(adminLines().slice(before)).to.deep.equal([
        {
          level: 'info',
          event: 'admin_action',
          request_id: refused.headers.get('x-request-id'),
          user_id: 'plain',
          tenant_id: 'role-co',
          method: 'GET',
          route: '/api/v1/admin/usage',
          operation: 'getTenantUsage',
          target: {},
          status: 403,
        },
      ]);
    });

    it('when the role comes as roles, a scope string or a scopes list, then each grants it', async () => {
      for (const claims of [
        { roles: ['tenant_admin'] },
        { scope: 'read:things tenant_admin' },
        { scopes: ['tenant_admin'] },
      ]) {
        const token = await api.token('ana', 'role-co', claims);
        expect((await tenantUsage(token)).status, JSON.stringify(claims)).to.equal(200);
      }
    });

    it('when a tenant admin asks for another tenant, then 403 names platform_admin, which may', async () => {
      const tenantAdmin = await api.token('ana', 'role-co', { roles: ['tenant_admin'] });
      const other = await tenantUsage(tenantAdmin, '?tenant_id=other-co');
      expect(other.status).to.equal(403);
      expect(other.body.message).to.equal('This needs the platform_admin role');
      expect(adminLines().at(-1)).to.include({ status: 403 });
      expect(adminLines().at(-1)?.target).to.deep.equal({ tenant_id: 'other-co' });
      const platform = await api.token('root', 'home-co', { roles: ['platform_admin'] });
      const read = await tenantUsage(platform, '?tenant_id=other-co');
      expect(read.status).to.equal(200);
      expect(read.body.tenant_id).to.equal('other-co');
    });

    it('when a tenant admin sets a budget, then 403 names platform_admin and nothing is stored', async () => {
      const tenantAdmin = await api.token('ana', 'role-co', { roles: ['tenant_admin'] });
      const refused = await api.request('PUT', '/api/v1/admin/budgets/role-co', {
        token: tenantAdmin,
        body: { monthly_usd: 1_000_000 },
      });
      expect(refused.status).to.equal(403);
      expect(refused.body.message).to.equal('This needs the platform_admin role');
      const platform = await api.token('root', 'home-co', { roles: ['platform_admin'] });
      const read = await api.request('GET', '/api/v1/admin/budgets/role-co', { token: platform });
      expect(read.body).to.deep.equal({
        tenant_id: 'role-co',
        monthly_usd: 100,
        source: 'default',
      });
    });
  });

  describe('a tenant’s usage', () => {
    it('when users talk and analyse, then the month holds totals and breakdowns by user, topic and model, most expensive first, and no text in any admin log line', async () => {
      const ada = await api.token('ada', 'report-co');
      const bo = await api.token('bo', 'report-co');
      const id = await initiate(api, ada);
      fake.script({ tool: coachingTurn(), usage: { inputTokens: 2000, outputTokens: 200 } });
      const secret = 'my-private-words-about-my-boss';
      expect(
        (
          await api.request('POST', `/api/v1/conversations/${id}/message`, {
            token: ada,
            body: { user_message: secret },
          })
        ).status,
      ).to.equal(200);
      fake.script({ tool: analysisAnswers.kpi, usage: { inputTokens: 1000, outputTokens: 100 } });
      const analysis = await api.request('POST', '/api/v1/analysis/kpi', {
        token: bo,
        body: { current_kpis: ['Monthly revenue'] },
      });
      expect(analysis.status).to.equal(201);

      const admin = await api.token('cy', 'report-co', { roles: ['tenant_admin'] });
      const report = await tenantUsage(admin);
      expect(report.status, report.text).to.equal(200);
      const turnUsd = (2000 * 3.3 + 200 * 16.5) / 1e6;
      const analysisUsd = (1000 * 3.3 + 100 * 16.5) / 1e6;
      expect(report.body.totals).to.include({
        input_tokens: 3000,
        output_tokens: 300,
        calls: 2,
        turns: 1,
        analyses: 1,
      });
      expect(report.body.totals.cost_usd).to.be.closeTo(turnUsd + analysisUsd, 1e-12);
      expect(report.body.by_user.map((r) => [r.key, r.turns, r.analyses])).to.deep.equal([
        ['ada', 1, 0],
        ['bo', 0, 1],
      ]);
      expect(report.body.by_topic.map((r) => r.key)).to.deep.equal([
        'coaching/core_values',
        'analysis/kpi',
      ]);
      expect(report.body.by_model).to.have.length(1);
      expect(report.body.by_model[0]).to.include({ key: MODEL, calls: 2 });
      expect(report.body.budget.monthly_usd).to.equal(100);
      expect(report.body.budget.remaining_usd).to.be.closeTo(100 - turnUsd - analysisUsd, 1e-9);
      // The same counters the caller's own usage reads.
      expect((await usageOf(api, ada)).month.cost_usd).to.equal(report.body.by_user[0]!.cost_usd);
      expect(
        JSON.stringify(api.logger.lines.filter((l) => l.event === 'admin_action')),
      ).not.to.include(secret);
    });

    it('when a month is named, then that month is reported, and one with no spend reports zeros', async () => {
      await seedSpend(api, {
        tenantId: 'history-co',
        userId: 'dan',
        usd: 2.5,
        at: new Date('2026-11-15T10:00:00.000Z'),
      });
      const admin = await api.token('eli', 'history-co', { roles: ['tenant_admin'] });
      const november = await tenantUsage(admin, `?month=${NOVEMBER}`);
      expect(november.body).to.deep.include({ tenant_id: 'history-co', month: NOVEMBER });
      expect(november.body.totals).to.include({ cost_usd: 2.5, calls: 1 });
      const empty = await tenantUsage(admin, '?month=2025-01');
      expect(empty.body.totals).to.deep.equal({
        cost_usd: 0,
        input_tokens: 0,
        output_tokens: 0,
        cache_read_tokens: 0,
        cache_write_tokens: 0,
        calls: 0,
        turns: 0,
        analyses: 0,
      });
      expect(empty.body.by_user).to.deep.equal([]);
      expect(adminLines().at(-1)?.target).to.deep.equal({
        tenant_id: 'history-co',
        month: '2025-01',
      });
    });

    for (const month of ['2026-13', '2026-1', 'november', '2026-11-01', '']) {
      it(`when the month is "${month}", then 422 names the month`, async () => {
        const admin = await api.token('eli', 'history-co', { roles: ['tenant_admin'] });
        const refused = await tenantUsage(admin, `?month=${encodeURIComponent(month)}`);
        expect(refused.status).to.equal(422);
        expect(refused.body.detail?.[0]?.loc).to.deep.equal(['query', 'month']);
      });
    }
  });

  describe('a tenant’s budget', () => {
    let root: string;
    before(async () => {
      root = await api.token('root', 'home-co', { roles: ['platform_admin'] });
    });
    const read = (tenant: string) =>
      api.request('GET', `/api/v1/admin/budgets/${encodeURIComponent(tenant)}`, { token: root });
    const put = (tenant: string, body: unknown) =>
      api.request<Record<string, unknown> & ErrorFields>(
        'PUT',
        `/api/v1/admin/budgets/${encodeURIComponent(tenant)}`,
        { token: root, body },
      );

    it('when a platform admin sets, reads and clears a tenant’s budget, then the source says where it comes from', async () => {
      expect((await read('budget-co')).body).to.deep.equal({
        tenant_id: 'budget-co',
        monthly_usd: 100,
        source: 'default',
      });
      const set = await put('budget-co', { monthly_usd: 12.5 });
      expect(set.status, set.text).to.equal(200);
      expect(set.body).to.deep.equal({
        tenant_id: 'budget-co',
        monthly_usd: 12.5,
        source: 'tenant',
      });
      expect((await read('budget-co')).body).to.deep.include({ monthly_usd: 12.5 });
      expect(adminLines().at(-1)).to.deep.include({
        user_id: 'root',
        operation: 'getTenantBudget',
        status: 200,
        target: { tenant_id: 'budget-co' },
      });
      const cleared = await put('budget-co', { monthly_usd: null });
      expect(cleared.body).to.deep.equal({
        tenant_id: 'budget-co',
        monthly_usd: 100,
        source: 'default',
      });
    });

    it('when the tenant id has slashes and unicode, then it is one tenant, read back as sent', async () => {
      const tenant = 'acme/emea 🌍';
      expect((await put(tenant, { monthly_usd: 3 })).body).to.deep.include({
        tenant_id: tenant,
        monthly_usd: 3,
      });
      expect((await read(tenant)).body).to.deep.include({ tenant_id: tenant, source: 'tenant' });
    });

    for (const [story, body] of [
      ['negative', { monthly_usd: -1 }],
      ['a string', { monthly_usd: '5' }],
      ['absurd', { monthly_usd: 1e10 }],
      ['missing', {}],
      ['a boolean', { monthly_usd: true }],
    ] as const) {
      it(`when the budget is ${story}, then 422 names monthly_usd and the budget stays as it was`, async () => {
        await put('strict-co', { monthly_usd: 7 });
        const refused = await put('strict-co', body);
        expect(refused.status, refused.text).to.equal(422);
        expect(refused.body.detail?.[0]?.loc).to.deep.equal(['body', 'monthly_usd']);
        expect((await read('strict-co')).body).to.deep.include({ monthly_usd: 7 });
      });
    }

    for (const segment of ['%01tenant', '%C3%28', '%zz', 'a'.repeat(257)]) {
      it(`when the tenant segment is ${segment.slice(0, 12)}…, which names no tenant, then it is no route at all`, async () => {
        const response = await api.request('PUT', `/api/v1/admin/budgets/${segment}`, {
          token: root,
          body: { monthly_usd: 1 },
        });
        expect(response.status).to.equal(404);
        expect(response.body.error).to.equal('not_found');
      });
    }
  });
});

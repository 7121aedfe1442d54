// The analysis routes over HTTP, against the embedded store: the four analyses with the offline
// provider and with a model whose answers must pass the output schema, reading a result back,
// validation, auth, the model failing, and the usage kept per tenant.
import { expect } from 'chai';
import type { z } from 'zod';
import {
  alignmentResponse,
  analysisResponse,
  kpiResponse,
  operationsResponse,
  strategyResponse,
} from '../../app/src/http/analysis-schemas.js';
import { LlmBadResponseError } from '../../app/src/errors.js';
import type { TokenUsage } from '../../app/src/domain/kernel.js';
import type { LlmProvider, StructuredRequest } from '../../app/src/llm/port.js';
import type { MetricName } from '../../app/src/observability/metrics.js';
import { createAnalysisRepository } from '../../app/src/storage/analysis-repository.js';
import { startApi, type Response, type TestApi } from '../support/harness.js';

type Body = Record<string, unknown>;

const purposeContext = {
  purpose: 'Helping neighbourhood bakeries thrive sustainably',
  core_values: ['Integrity', 'Sustainability', 'Craftsmanship'],
  goals: ['Grow wholesale revenue'],
};

/** Asserts the body passes the schema the OpenAPI document is built from, and returns it typed. */
function conforms<S extends z.ZodType>(schema: S, response: Response): z.infer<S> {
  const result = schema.safeParse(response.body);
  expect(result.success, result.success ? '' : JSON.stringify(result.error.issues)).to.equal(true);
  return result.data as z.infer<S>;
}

const recordingMetrics = () => {
  const values: { name: MetricName; value: number }[] = [];
  return {
    values,
    add: (name: MetricName, value: number) => void values.push({ name, value }),
    total: (name: MetricName) =>
      values.filter((v) => v.name === name).reduce((sum, v) => sum + v.value, 0),
  };
};

/**
 * A model provider the way the real adapters behave: each answer is checked against the
 * request's output schema, one repair is tried, then LlmBadResponseError carries the tokens.
 */
function scriptedModel(
  answer: (request: StructuredRequest<unknown>) => unknown,
  model = 'anthropic.claude-3-haiku-20240307-v1:0',
): LlmProvider & { calls: number } {
  const provider = {
    name: 'bedrock' as const,
    calls: 0,
    generate<T>(request: StructuredRequest<T>) {
      let usage: TokenUsage = { inputTokens: 0, outputTokens: 0 };
      for (let attempt = 0; attempt < 2; attempt += 1) {
        provider.calls += 1;
        usage = {
          inputTokens: usage.inputTokens + 1200,
          outputTokens: usage.outputTokens + 300,
        };
        const checked = request.output.schema.safeParse(
          answer(request as StructuredRequest<unknown>),
        );
        if (checked.success) {
          return Promise.resolve({ output: checked.data, model, provider: 'bedrock', usage });
        }
      }
      return Promise.reject(new LlmBadResponseError('did not match the schema twice', usage));
    },
    // Analyses are never streamed; a stream would be the same answer.
    stream<T>(request: StructuredRequest<T>) {
      return provider.generate(request);
    },
    check: () => Promise.resolve('healthy'),
  };
  return provider;
}

describe('analysis routes', () => {
  let api: TestApi;
  let alice: string;
  const metrics = recordingMetrics();

  before(async () => {
    api = await startApi({ overrides: { metrics } });
    alice = await api.token('alice', 'acme');
  });
  after(() => api.close());

  const post = (path: string, body: unknown, token: string | null = alice) =>
    api.request<Body>('POST', `/api/v1/analysis/${path}`, { token, body });

  describe('POST /api/v1/analysis/alignment', () => {
    it('when a text reflects two of three stated values, then the offline analysis names those two as strengths and the third as a misalignment', async () => {
      const response = await post('alignment', {
        text_to_analyze:
          'We bake with integrity and real craftsmanship, and we will grow wholesale revenue by 20% by December.',
        context: purposeContext,
      });
      expect(response.status).to.equal(201);
      const body = conforms(alignmentResponse, response);
      expect(body.analysis_id).to.match(/^anls_[0-9a-f]{32}$/);
      expect(response.headers.get('location')).to.equal(`/api/v1/analysis/${body.analysis_id}`);
      expect(body.analysis_type).to.equal('alignment');
      const { prompt_version: version, ...metadata } = body.metadata;
      expect(metadata).to.deep.equal({
        user_id: 'alice',
        tenant_id: 'acme',
        analysis_version: '1.0',
        model: 'offline',
      });
      // The first version of the embedded history, seeded from prompts/.
      expect(version?.key).to.equal('analysis/alignment');
      expect(version?.version_id).to.match(/^1\.[0-9a-f]{12}$/);
      expect(Date.parse(body.created_at)).to.be.closeTo(Date.now(), 60_000);
      const strengths = body.strengths.join(' ');
      expect(strengths).to.include('Integrity').and.include('Craftsmanship');
      expect(strengths).to.not.include('Sustainability');
      expect(body.misalignments.join(' ')).to.include('Sustainability');
      expect(body.recommendations[0]?.action).to.include('Sustainability');
      expect(body.overall_assessment).to.match(/^Offline analysis/);
    });

    it('when a text reflects none of the stated values, then its values score is lower than one that reflects them all', async () => {
      const none = conforms(
        alignmentResponse,
        await post('alignment', {
          text_to_analyze: 'We will open a second shop next year.',
          context: purposeContext,
        }),
      );
      const all = conforms(
        alignmentResponse,
        await post('alignment', {
          text_to_analyze:
            'Integrity, sustainability and craftsmanship guide how we help neighbourhood bakeries thrive.',
          context: purposeContext,
        }),
      );
      expect(all.scores.values_alignment).to.be.above(none.scores.values_alignment);
      expect(all.scores.purpose_alignment).to.be.above(none.scores.purpose_alignment);
      expect(none.misalignments).to.have.length.of.at.least(3);
    });
  });

  describe('POST /api/v1/analysis/strategy', () => {
    it('when a strategy names its channels but no customer, then strengths quote the owner and the first recommendation fills the gap', async () => {
      const response = await post('strategy', {
        current_strategy:
          'We sell premium sourdough through farmers markets and our website. We aim to double revenue within two years.',
        context: { purpose: 'Real bread for everyone' },
      });
      expect(response.status).to.equal(201);
      const body = conforms(strategyResponse, response);
      expect(body.analysis_type).to.equal('strategy');
      expect(body.effectiveness_score).to.be.within(0, 100);
      expect(body.strengths.join(' ')).to.include('We aim to double revenue within two years');
      expect(body.recommendations.length).to.be.at.least(1);
      for (const r of body.recommendations)
        expect(['high', 'medium', 'low']).to.include(r.priority);
    });
  });

  describe('POST /api/v1/analysis/kpi', () => {
    it('when KPIs are sent, then each is assessed in order, exactly as written (trimmed), and covered areas are not reported missing', async () => {
      const response = await post('kpi', {
        current_kpis: ['  Monthly revenue ', 'Customer retention rate', 'Happiness'],
        context: { goals: ['Grow monthly revenue'] },
      });
      expect(response.status).to.equal(201);
      const body = conforms(kpiResponse, response);
      expect(body.current_kpi_analysis.map((k) => k.kpi)).to.deep.equal([
        'Monthly revenue',
        'Customer retention rate',
        'Happiness',
      ]);
      expect(body.current_kpi_analysis[0]?.relevance).to.equal('high');
      expect(body.current_kpi_analysis[2]?.relevance).to.equal('low');
      expect(body.missing_kpis).to.not.include('financial results');
      expect(body.missing_kpis).to.include('team engagement');
      expect(body.recommended_kpis.map((k) => k.kpi_name)).to.include('Employee turnover');
    });
  });

  describe('POST /api/v1/analysis/operations', () => {
    const situation =
      'Our bakers are skilled and loyal. Deliveries are often late because orders are typed in by hand. ' +
      'Competitors are cutting prices. Demand for organic bread is growing.';

    it('when a SWOT is asked for in capitals, then each sentence of the description lands in its quadrant', async () => {
      const response = await post('operations', { analysis_type: 'SWOT', description: situation });
      expect(response.status).to.equal(201);
      const body = conforms(operationsResponse, response);
      expect(body.analysis_type).to.equal('operations');
      expect(body.specific_analysis_type).to.equal('swot');
      if (body.specific_analysis_type !== 'swot') return;
      expect(body.findings.strengths.join(' ')).to.include('skilled and loyal');
      expect(body.findings.weaknesses.join(' ')).to.include('Deliveries are often late');
      expect(body.findings.threats.join(' ')).to.include('Competitors are cutting prices');
      expect(body.findings.opportunities.join(' ')).to.include('organic bread');
      expect(body.priority_actions.length).to.be.within(1, 3);
    });

    it('when a root cause analysis is asked for, then the problem and its stated cause are separated', async () => {
      const response = await post('operations', {
        analysis_type: 'root_cause',
        description:
          'Deliveries are often late. Orders are typed in by hand because we have no system. The van is old.',
      });
      const body = conforms(operationsResponse, response);
      expect(body.specific_analysis_type).to.equal('root_cause');
      if (body.specific_analysis_type !== 'root_cause') return;
      expect(body.findings.problem).to.equal('Deliveries are often late.');
      expect(body.findings.root_causes.join(' ')).to.include('because we have no system');
      expect(body.findings.contributing_factors).to.deep.equal(['The van is old.']);
    });

    it('when an action plan is asked for with a goal and an owner in the context, then the plan targets that goal and names that owner', async () => {
      const response = await post('operations', {
        analysis_type: 'action_plan',
        description: 'We want a second shop. Find a location. Hire two bakers.',
        context: { goal: 'Open a second shop by June', owner: 'Maria' },
      });
      const body = conforms(operationsResponse, response);
      expect(body.specific_analysis_type).to.equal('action_plan');
      if (body.specific_analysis_type !== 'action_plan') return;
      expect(body.findings.goal).to.equal('Open a second shop by June');
      expect(body.findings.action_items.map((i) => i.action).join(' ')).to.include(
        'Hire two bakers',
      );
      expect(new Set(body.findings.action_items.map((i) => i.owner))).to.deep.equal(
        new Set(['Maria']),
      );
    });
  });

  describe('GET /api/v1/analysis/{analysis_id}', () => {
    let created: Body;
    before(async () => {
      created = (await post('kpi', { current_kpis: ['Net promoter score'] })).body;
    });

    it('when the owner reads an analysis back, then it is the same body the POST answered', async () => {
      const response = await api.request<Body>(
        'GET',
        `/api/v1/analysis/${String(created.analysis_id)}`,
        {
          token: alice,
        },
      );
      expect(response.status).to.equal(200);
      conforms(analysisResponse, response);
      expect(response.body).to.deep.equal(created);
    });

    it('when another user of the tenant, another tenant or nobody asks for it, then the answer is 404 (never 403) or 401', async () => {
      const path = `/api/v1/analysis/${String(created.analysis_id)}`;
      const bob = await api.token('bob', 'acme');
      const mallory = await api.token('alice', 'other-tenant');
      for (const token of [bob, mallory]) {
        const response = await api.request('GET', path, { token });
        expect(response.status).to.equal(404);
        expect(response.body.error).to.equal('analysis_not_found');
      }
      expect((await api.request('GET', path)).status).to.equal(401);
      const unknown = await api.request('GET', '/api/v1/analysis/anls_doesnotexist', {
        token: alice,
      });
      expect(unknown.status).to.equal(404);
    });
  });

  describe('validation', () => {
    const cases: [string, string, unknown, (string | number)[], string][] = [
      [
        'alignment',
        'too-short text',
        { text_to_analyze: 'short' },
        ['body', 'text_to_analyze'],
        'string_too_short',
      ],
      [
        'alignment',
        'a blank text',
        { text_to_analyze: '            ' },
        ['body', 'text_to_analyze'],
        'string_too_short',
      ],
      [
        'alignment',
        'an oversized text',
        { text_to_analyze: 'x'.repeat(10001) },
        ['body', 'text_to_analyze'],
        'string_too_long',
      ],
      [
        'alignment',
        'a context that is not an object',
        { text_to_analyze: 'long enough text', context: 'x' },
        ['body', 'context'],
        'type',
      ],
      ['strategy', 'no strategy', {}, ['body', 'current_strategy'], 'missing'],
      [
        'strategy',
        'a too-short strategy',
        { current_strategy: 'grow' },
        ['body', 'current_strategy'],
        'string_too_short',
      ],
      ['kpi', 'an empty KPI list', { current_kpis: [] }, ['body', 'current_kpis'], 'too_few_items'],
      [
        'kpi',
        'an oversized KPI list',
        { current_kpis: Array.from({ length: 51 }, (_, i) => `KPI ${i}`) },
        ['body', 'current_kpis'],
        'too_many_items',
      ],
      [
        'kpi',
        'a blank KPI',
        { current_kpis: ['Revenue', '  '] },
        ['body', 'current_kpis', 1],
        'string_too_short',
      ],
      [
        'kpi',
        'a KPI over 200 characters',
        { current_kpis: ['k'.repeat(201)] },
        ['body', 'current_kpis', 0],
        'string_too_long',
      ],
      [
        'operations',
        'an unknown analysis_type',
        { analysis_type: 'pestle', description: 'A long enough description.' },
        ['body', 'analysis_type'],
        'enum',
      ],
      [
        'operations',
        'a too-short description',
        { analysis_type: 'swot', description: 'tiny' },
        ['body', 'description'],
        'string_too_short',
      ],
    ];
    for (const [route, what, body, loc, type] of cases) {
      it(`when ${route} gets ${what}, then it answers 422 naming ${loc.join('.')}`, async () => {
        const response = await post(route, body);
        expect(response.status).to.equal(422);
        expect(response.body.error).to.equal('validation_error');
        const detail = response.body.detail as { loc: unknown[]; type: string }[];
        expect(detail.map((d) => [d.loc, d.type])).to.deep.include([loc, type]);
      });
    }

    it('when a rejected request is made, then nothing is recorded against the tenant', async () => {
      const repository = createAnalysisRepository(api.dynamo, api.config.tables.analyses);
      const before = (await repository.usage({ tenantId: 'validation-co' })).length;
      const token = await api.token('val', 'validation-co');
      expect((await post('kpi', { current_kpis: [] }, token)).status).to.equal(422);
      expect((await repository.usage({ tenantId: 'validation-co' })).length).to.equal(before);
    });
  });

  describe('auth', () => {
    for (const route of ['alignment', 'strategy', 'kpi', 'operations']) {
      it(`when POST /analysis/${route} has no token, then it answers 401 before reading the body`, async () => {
        const response = await api.request('POST', `/api/v1/analysis/${route}`, {
          rawBody: '{not json',
          headers: { 'Content-Type': 'application/json' },
        });
        expect(response.status).to.equal(401);
        expect(response.body.error).to.equal('missing_token');
        expect(response.headers.get('www-authenticate')).to.equal('Bearer');
      });
    }
  });

  describe('observability and usage', () => {
    it('when an analysis completes, then AnalysisRequested is counted and one log line carries type, model, tokens and duration', async () => {
      const before = metrics.total('AnalysisRequested');
      const response = await post('strategy', {
        current_strategy: 'We sell sourdough to cafes in our town through direct visits.',
      });
      expect(metrics.total('AnalysisRequested')).to.equal(before + 1);
      const lines = api.logger.lines.filter(
        (l) => l.event === 'analysis_completed' && l.analysis_id === response.body.analysis_id,
      );
      expect(lines).to.have.lengthOf(1);
      expect(lines[0]).to.include({
        analysis_type: 'strategy',
        model: 'offline',
        input_tokens: 0,
        output_tokens: 0,
        tenant_id: 'acme',
      });
      expect(lines[0]?.duration_ms).to.be.a('number');
      expect(JSON.stringify(lines[0])).to.not.include('sourdough');
    });

    it("when two tenants run analyses, then each tenant's usage report holds only its own, with type, user and model", async () => {
      const t1 = await api.token('u1', 'usage-one');
      const t2 = await api.token('u2', 'usage-two');
      await post('kpi', { current_kpis: ['Revenue'] }, t1);
      await post(
        'operations',
        { analysis_type: 'swot', description: 'We are small but loyal.' },
        t1,
      );
      await post('kpi', { current_kpis: ['Churn'] }, t2);
      const repository = createAnalysisRepository(api.dynamo, api.config.tables.analyses);
      const one = await repository.usage({ tenantId: 'usage-one' });
      expect(
        one.map((r) => [r.subject, r.detail, r.userId, r.usage.model, r.status]),
      ).to.deep.equal([
        ['kpi', undefined, 'u1', 'offline', 'completed'],
        ['operations', 'swot', 'u1', 'offline', 'completed'],
      ]);
      expect(await repository.usage({ tenantId: 'usage-two' })).to.have.lengthOf(1);
      const future = await repository.usage({
        tenantId: 'usage-one',
        from: new Date(Date.now() + 60_000).toISOString(),
      });
      expect(future).to.have.lengthOf(0);
    });
  });
});

describe('analysis routes with a model behind the port', () => {
  it('when the model answers with a valid analysis, then metadata names that model and the usage record holds its tokens and cost', async () => {
    const model = scriptedModel(() => ({
      effectiveness_score: 64,
      overall_assessment: 'Focused, but the pricing is untested.',
      strengths: ['Clear customer'],
      weaknesses: ['No pricing'],
      opportunities: ['Wholesale'],
      recommendations: [
        {
          category: 'Pricing',
          recommendation: 'Test two price points.',
          priority: 'high',
          rationale: 'Margins are unknown.',
          estimated_impact: 'Known margins within a quarter.',
        },
      ],
    }));
    const api = await startApi({ overrides: { llm: model } });
    try {
      const token = await api.token('carol', 'bakeco');
      const response = await api.request<Body>('POST', '/api/v1/analysis/strategy', {
        token,
        body: { current_strategy: 'We sell bread to cafes in town.' },
      });
      expect(response.status).to.equal(201);
      const body = conforms(strategyResponse, response);
      expect(body.metadata.model).to.equal('anthropic.claude-3-haiku-20240307-v1:0');
      expect(body.effectiveness_score).to.equal(64);
      expect(model.calls).to.equal(1);
      const [record] = await createAnalysisRepository(api.dynamo, api.config.tables.analyses).usage(
        {
          tenantId: 'bakeco',
        },
      );
      expect(record?.usage).to.include({ inputTokens: 1200, outputTokens: 300 });
      expect(record?.usage.estimatedCostUsd).to.be.closeTo((1200 * 0.25 + 300 * 1.25) / 1e6, 1e-9);
    } finally {
      await api.close();
    }
  });

  it("when the model's answer stays invalid after the repair, then it answers 502 llm_bad_response, keeps no analysis and still records the tokens", async () => {
    const model = scriptedModel(() => ({ scores: { overall_score: 140 }, strengths: 'all good' }));
    const api = await startApi({ overrides: { llm: model } });
    try {
      const token = await api.token('dave', 'failco');
      const response = await api.request<Body>('POST', '/api/v1/analysis/alignment', {
        token,
        body: { text_to_analyze: 'We value honesty above all else.' },
      });
      expect(response.status).to.equal(502);
      expect(response.body.error).to.equal('llm_bad_response');
      expect(response.body.request_id).to.equal(response.headers.get('x-request-id'));
      expect(response.headers.get('location')).to.equal(null);
      expect(model.calls).to.equal(2);
      const usage = await createAnalysisRepository(api.dynamo, api.config.tables.analyses).usage({
        tenantId: 'failco',
      });
      expect(usage.map((u) => [u.status, u.usage.inputTokens, u.usage.outputTokens])).to.deep.equal(
        [['failed', 2400, 600]],
      );
      const read = await api.request('GET', `/api/v1/analysis/${usage[0]?.id ?? ''}`, { token });
      expect(read.status).to.equal(404);
      expect(
        api.logger.lines.filter((l) => l.event === 'analysis_failed' && l.tenant_id === 'failco'),
      ).to.have.lengthOf(1);
    } finally {
      await api.close();
    }
  });
});

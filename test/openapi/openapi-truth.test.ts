// The served OpenAPI document says what the service does: a client validating its requests
// with the document neither rejects what the service accepts nor sends what it refuses
// (trimmed text, choices in any case, boolean spellings), names its methods well, describes
// every operation and parameter, types the docs assets, and links the Location flows.
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { expect } from 'chai';
import fc from 'fast-check';
import type { z } from 'zod';
import { alignmentBody, kpiBody, operationsBody } from '../../app/src/http/analysis-schemas.js';
import { initiateBody, listQuery } from '../../app/src/http/conversation-schemas.js';
import { messageBody } from '../../app/src/http/message-route.js';
import { initiate, startApi, type TestApi } from '../support/harness.js';
import { trickyUnits } from '../support/text-arbitraries.js';

interface Parameter {
  name: string;
  in: string;
  description?: string;
  schema: Record<string, unknown>;
}
interface Operation {
  operationId?: string;
  description?: string;
  parameters?: Parameter[];
  responses: Record<
    string,
    { content?: Record<string, unknown>; links?: Record<string, { operationId: string }> }
  >;
}
interface Doc {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, { properties: Record<string, unknown> }> };
}

describe('the OpenAPI document says what the service does', () => {
  let api: TestApi;
  let doc: Doc;
  let ajv: Ajv2020;
  let token: string;

  before(async () => {
    api = await startApi();
    token = await api.token('dora', 'acme');
    doc = (await api.request<Doc>('GET', '/openapi.json')).body;
    ajv = new Ajv2020({ strict: false, allErrors: true });
  });
  after(() => api.close());

  const operations = () =>
    Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.entries(item).map(([method, op]) => ({ path, method, op })),
    );
  const property = (schema: string, field: string): ValidateFunction => {
    const found = doc.components.schemas[schema]?.properties[field];
    expect(found, `${schema}.${field}`).to.be.an('object');
    return ajv.compile(found as object);
  };

  it('when a client generator names the methods, then every operationId is a unique camelCase verb phrase', () => {
    const ids = operations().map(({ method, path, op }) => `${method} ${path} ${op.operationId}`);
    expect(ids).to.include.members([
      'get / getServiceInfo',
      'post /api/v1/conversations/initiate initiateConversation',
      'post /api/v1/conversations/{id}/message sendMessage',
      'get /api/v1/conversations/{id} getConversation',
      'get /api/v1/conversations listConversations',
      'post /api/v1/conversations/{id}/pause pauseConversation',
      'post /api/v1/conversations/{id}/resume resumeConversation',
      'post /api/v1/conversations/{id}/complete completeConversation',
      'delete /api/v1/conversations/{id} deleteConversation',
      'get /api/v1/analysis/{analysis_id} getAnalysis',
    ]);
    const names = operations().map(({ op }) => op.operationId ?? '');
    for (const name of names) expect(name).to.match(/^[a-z]+(?:[A-Z][a-z]+)+$/);
    expect(new Set(names).size).to.equal(names.length);
  });

  it('when a reader looks up any operation or parameter, then it has a description', () => {
    for (const { method, path, op } of operations()) {
      expect(op.description, `${method} ${path}`).to.be.a('string').and.not.equal('');
      for (const p of op.parameters ?? []) {
        expect(p.description, `${method} ${path} ${p.name}`).to.be.a('string').and.not.equal('');
      }
    }
  });

  it('when a conversation is started or an analysis made, then links lead from the response to reading it', () => {
    const known = new Set(operations().map(({ op }) => op.operationId));
    const started = doc.paths['/api/v1/conversations/initiate']?.post?.responses['201']?.links;
    expect(started?.GetConversation?.operationId).to.equal('getConversation');
    for (const type of ['alignment', 'strategy', 'kpi', 'operations']) {
      const links = doc.paths[`/api/v1/analysis/${type}`]?.post?.responses['201']?.links;
      expect(links?.GetAnalysis?.operationId, type).to.equal('getAnalysis');
    }
    for (const { op } of operations()) {
      for (const response of Object.values(op.responses)) {
        for (const link of Object.values(response.links ?? {})) {
          expect(known.has(link.operationId), link.operationId).to.equal(true);
        }
      }
    }
  });

  it('when the docs assets are described, then the stylesheet is text/css and the scripts text/javascript, as served', async () => {
    const swagger = doc.paths['/docs/assets/{file}']?.get;
    expect(Object.keys(swagger?.responses['200']?.content ?? {})).to.have.members([
      'text/css',
      'text/javascript',
    ]);
    const file = swagger?.parameters?.find((p) => p.name === 'file')?.schema;
    expect(file?.enum).to.include.members(['swagger-ui.css', 'swagger-ui-bundle.js']);
    const redoc = doc.paths['/redoc/assets/{file}']?.get?.responses['200']?.content ?? {};
    expect(Object.keys(redoc)).to.deep.equal(['text/javascript']);
    const css = await api.request('GET', '/docs/assets/swagger-ui.css');
    expect(css.headers.get('content-type')).to.match(/^text\/css/);
  });

  it('when active_only is described, then it takes the boolean spellings the service takes, with a false default', async () => {
    const parameter = doc.paths['/api/v1/conversations']?.get?.parameters?.find(
      (p) => p.name === 'active_only',
    );
    const schema = ajv.compile(parameter?.schema ?? {});
    // A query value is a string on the wire; the default is the string the service assumes.
    expect(parameter?.schema.default).to.equal('false');
    expect(schema(parameter?.schema.default)).to.equal(true);
    await initiate(api, token);
    const spellings = [
      'true',
      'TRUE',
      ' yes ',
      'On',
      '1',
      'false',
      'No',
      'OFF',
      '0',
      '',
      'maybe',
      '2',
      'tru',
    ];
    for (const value of spellings) {
      const response = await api.request(
        'GET',
        `/api/v1/conversations?active_only=${encodeURIComponent(value)}`,
        { token },
      );
      expect(response.status === 200, `"${value}": ${response.status}`).to.equal(schema(value));
    }
  });

  it('when "  en  " or a 9-character text padded with spaces is sent, then document and service agree on each', async () => {
    const language = property('InitiateRequest', 'language');
    expect(language('  en  ')).to.equal(true);
    const started = await api.request('POST', '/api/v1/conversations/initiate', {
      token,
      body: { topic: 'goals', language: '  en  ' },
    });
    expect(started.status).to.equal(201);
    const text = property('AlignmentAnalysisRequest', 'text_to_analyze');
    expect(text(' 123456789 ')).to.equal(false);
    const short = await api.request('POST', '/api/v1/analysis/alignment', {
      token,
      body: { text_to_analyze: ' 123456789 ' },
    });
    expect(short.status).to.equal(422);
    expect(text(`  ${'y'.repeat(10_000)}  `)).to.equal(true);
  });

  it('when analysis_type is described, then it lists its enum and also takes the same words in any case', () => {
    const found = doc.components.schemas.OperationsAnalysisRequest?.properties.analysis_type as {
      anyOf: { enum?: string[] }[];
    };
    expect(found.anyOf.find((s) => s.enum)?.enum).to.deep.equal([
      'swot',
      'root_cause',
      'action_plan',
    ]);
    const schema = ajv.compile(found);
    for (const ok of ['swot', 'SWOT', ' Root_Cause ', 'action_plan'])
      expect(schema(ok), ok).to.equal(true);
    for (const no of ['swat', 'root cause', '', 'action-plan'])
      expect(schema(no), no).to.equal(false);
  });

  // Every raw value either both accept or both refuse: the document's schema (through ajv,
  // which counts code points as zod does) and the zod schema the route validates with.
  const agreements: [string, string, z.ZodObject, fc.Arbitrary<string>][] = [];
  const paddedText = (max: number) =>
    fc
      .tuple(
        fc.string({ unit: fc.constantFrom(' ', '\t', '\n', '\u00a0', '\u3000'), maxLength: 3 }),
        fc.oneof(
          fc.string({ unit: fc.constantFrom(...trickyUnits, 'a', ' '), maxLength: 12 }),
          fc
            .tuple(fc.constantFrom('a', '😀', 'é', ' '), fc.integer({ min: max - 3, max: max + 3 }))
            .map(([u, n]) => u.repeat(Math.max(0, n))),
        ),
        fc.string({ unit: fc.constantFrom(' ', '\n', '\u2028'), maxLength: 3 }),
      )
      .map(([a, b, c]) => a + b + c);
  agreements.push(
    ['InitiateRequest', 'language', initiateBody, paddedText(5)],
    ['MessageRequest', 'user_message', messageBody, paddedText(4000)],
    ['AlignmentAnalysisRequest', 'text_to_analyze', alignmentBody, paddedText(10)],
    ['AlignmentAnalysisRequest', 'text_to_analyze', alignmentBody, paddedText(10_000)],
    [
      'OperationsAnalysisRequest',
      'analysis_type',
      operationsBody,
      fc.oneof(
        fc.constantFrom('swot', 'Root_Cause', ' ACTION_PLAN\n', 'swot!', 'rootcause'),
        fc.string({ unit: fc.constantFrom(...'swotSWOT_ rc'), maxLength: 12 }),
      ),
    ],
  );
  for (const [component, field, body, values] of agreements) {
    it(`when ${field} takes any raw value, then ${component} in the document accepts exactly what the service accepts`, () => {
      const documented = property(component, field);
      const shape = body.shape as Record<string, z.ZodType>;
      const served = shape[field];
      if (!served) throw new Error(`${field} is not a field of the route's body`);
      fc.assert(
        fc.property(values, (value) => {
          expect(documented(value), JSON.stringify(value)).to.equal(
            served.safeParse(value).success,
          );
        }),
        { numRuns: 300, seed: 1312 },
      );
    });
  }

  it('when a KPI is padded with spaces past 200 characters, then document and service both accept it', () => {
    const items = doc.components.schemas.KpiAnalysisRequest?.properties.current_kpis as {
      items: object;
    };
    const padded = `  ${'k'.repeat(200)}  `;
    expect(ajv.compile(items.items)(padded)).to.equal(true);
    expect(kpiBody.safeParse({ current_kpis: [padded] }).success).to.equal(true);
  });

  it('when page and page_size are described, then their limits are those the query schema enforces', () => {
    const parameters = doc.paths['/api/v1/conversations']?.get?.parameters ?? [];
    const size = parameters.find((p) => p.name === 'page_size')?.schema;
    expect(size).to.include({ type: 'integer', minimum: 1, maximum: 100, default: 20 });
    expect(listQuery.safeParse({ page_size: '101' }).success).to.equal(false);
  });
});

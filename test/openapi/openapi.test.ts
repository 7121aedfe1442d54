import type Router from '@koa/router';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { expect } from 'chai';
import { createApp } from '../../app/src/app.js';
import { composeDependencies } from '../../app/src/compose.js';
import { loadConfig } from '../../app/src/config.js';
import {
  initiate,
  memoryLogger,
  startApi,
  type Response,
  type TestApi,
} from '../support/harness.js';

type Doc = { paths: Record<string, Record<string, { responses: Record<string, unknown> }>> };

/** Every (method, path) the app's routers answer, read from the routers themselves. */
function routerRoutes(): { method: string; path: string }[] {
  const config = loadConfig({ STAGE: 'local', JWT_SECRET: 'x'.repeat(40) });
  const app = createApp(composeDependencies(config, memoryLogger()));
  const routers = app.middleware
    .map((m) => (m as unknown as { router?: Router }).router)
    .filter((r): r is Router => r !== undefined);
  // One router holds every route (app.ts), so the path is matched once a request.
  expect(routers).to.have.length(1);
  const routes = routers.flatMap((router) =>
    router.stack.flatMap((layer) =>
      layer.methods
        .filter((m) => m !== 'HEAD')
        .map((method) => ({
          method: method.toLowerCase(),
          path: String(layer.path)
            .replace(/:([A-Za-z0-9_]+)/g, '{$1}')
            .replace(/(.)\/$/, '$1'),
        })),
    ),
  );
  expect(routes.map((r) => `${r.method} ${r.path}`)).to.include.members([
    'get /api/v1/health/live',
    'post /api/v1/conversations/initiate',
    'get /openapi.json',
  ]);
  return routes;
}

describe('the OpenAPI document', () => {
  let api: TestApi;
  let doc: Doc;
  let ajv: Ajv2020;

  before(async () => {
    api = await startApi();
    doc = (await api.request<Doc>('GET', '/openapi.json')).body;
    ajv = new Ajv2020({ strict: false, validateSchema: false, allErrors: true });
    ajv.addSchema(doc as object, 'doc');
  });
  after(() => api.close());

  function expectDocumented(method: string, path: string, response: Response): void {
    const pointer = `doc#/paths/${path.replace(/~/g, '~0').replace(/\//g, '~1')}/${method}/responses/${response.status}/content/application~1json/schema`;
    const operation = doc.paths[path]?.[method];
    expect(operation?.responses, `${method} ${path} documents ${response.status}`).to.have.property(
      String(response.status),
    );
    const validate = ajv.getSchema(pointer) ?? ajv.compile({ $ref: pointer });
    expect(
      validate(response.body),
      `${method} ${path} ${response.status}: ${ajv.errorsText(validate.errors)}`,
    ).to.equal(true);
  }

  it('when a router answers a route, then the document has it, with every method', () => {
    const documented = new Set(
      Object.entries(doc.paths).flatMap(([path, item]) =>
        Object.keys(item).map((m) => `${m} ${path}`),
      ),
    );
    const missing = routerRoutes()
      .map(({ method, path }) => `${method} ${path}`)
      .filter((route) => !documented.has(route));
    expect(missing, 'routes missing from /openapi.json').to.deep.equal([]);
  });

  it('when fetched through a stage or the mapping key, then servers carries that prefix', async () => {
    expect(
      (await api.request<{ servers: unknown }>('GET', '/openapi.json')).body.servers,
    ).to.deep.equal([{ url: '/', description: 'This deployment' }]);
    const staged = await api.request<{ servers: { url: string }[] }>('GET', '/test/openapi.json');
    expect(staged.body.servers[0]?.url).to.equal('/test');
    const mapped = await api.request<{ servers: { url: string }[] }>(
      'GET',
      '/coaching/openapi.json',
    );
    expect(mapped.body.servers[0]?.url).to.equal('/coaching');
  });

  it('when it describes auth, then it has the bearer scheme and public routes need none', () => {
    const d = doc as unknown as {
      openapi: string;
      components: { securitySchemes: Record<string, { scheme: string }> };
      paths: Record<string, Record<string, { security: unknown[] }>>;
    };
    expect(d.openapi).to.equal('3.1.0');
    expect(d.components.securitySchemes.bearerAuth?.scheme).to.equal('bearer');
    expect(d.paths['/']?.get?.security).to.deep.equal([]);
    expect(d.paths['/api/v1/conversations/{id}']?.get?.security).to.deep.equal([
      { bearerAuth: [] },
    ]);
  });

  it('when each conversation route is called, then what it returns matches what the document says', async () => {
    const token = await api.token('ora', 'acme');
    const start = await api.request('POST', '/api/v1/conversations/initiate', {
      token,
      body: { topic: 'goals' },
    });
    expectDocumented('post', '/api/v1/conversations/initiate', start);
    const id = String(start.body.conversation_id);
    const item = '/api/v1/conversations/{id}';
    expectDocumented(
      'post',
      `${item}/message`,
      await api.request('POST', `/api/v1/conversations/${id}/message`, {
        token,
        body: { user_message: 'I want focus' },
      }),
    );
    expectDocumented(
      'get',
      item,
      await api.request('GET', `/api/v1/conversations/${id}`, { token }),
    );
    expectDocumented(
      'get',
      '/api/v1/conversations',
      await api.request('GET', '/api/v1/conversations', { token }),
    );
    expect(
      (await api.request('POST', `/api/v1/conversations/${id}/pause`, { token })).status,
    ).to.equal(204);
    expect(doc.paths[`${item}/pause`]?.post?.responses).to.have.property('204');
    await initiate(api, token);
    expectDocumented('get', '/', await api.request('GET', '/'));
    expectDocumented('get', '/api/v1/health/live', await api.request('GET', '/api/v1/health/live'));
    const health = await api.request('GET', '/api/v1/health');
    expectDocumented('get', '/api/v1/health', health);
  });

  it('when a path of the same shape exists for other methods, then the operation documents 405 with Allow, and the 405 answered has that shape', async () => {
    const token = await api.token('abe', 'acme');
    const item = '/api/v1/conversations/{id}';
    for (const [method, path] of [
      ['get', item],
      ['delete', item],
      ['get', '/api/v1/analysis/{analysis_id}'],
    ] as const) {
      const responses = doc.paths[path]?.[method]?.responses as Record<
        string,
        { headers?: Record<string, unknown> }
      >;
      expect(responses, `${method} ${path}`).to.have.property('405');
      expect(responses['405']?.headers, `${method} ${path}`).to.have.property('Allow');
    }
    // No sibling path answers these operations' shapes with other methods.
    expect(doc.paths['/api/v1/jobs/{job_id}']?.get?.responses).not.to.have.property('405');
    expect(doc.paths['/api/v1/conversations/initiate']?.post?.responses).not.to.have.property(
      '405',
    );
    const answered = await api.request('GET', '/api/v1/conversations/initiate', { token });
    expect(answered.status).to.equal(405);
    expectDocumented('get', item, answered);
  });

  it('when a route’s body can be any JSON object, then the document promises no 422 for it, and the route indeed answers 204 for an object with unknown fields', async () => {
    const conversation = '/api/v1/conversations/{id}';
    expect(doc.paths[`${conversation}/resume`]?.post?.responses).not.to.have.property('422');
    expect(doc.paths[`${conversation}/resume`]?.post?.responses).to.have.property('400');
    expect(doc.paths[`${conversation}/pause`]?.post?.responses).to.have.property('422');
    const token = await api.token('ria', 'acme');
    const id = await initiate(api, token);
    const resumed = await api.request('POST', `/api/v1/conversations/${id}/resume`, {
      token,
      body: { anything: ['at', 'all'], reason: 42 },
    });
    expect(resumed.status).to.equal(204);
  });

  it('when a route reads Idempotency-Key or Prefer, then the document gives both the printable-characters pattern', () => {
    type Parameter = { name: string; in: string; schema: { pattern?: string } };
    const operations = Object.values(doc.paths).flatMap((item) => Object.values(item));
    const headers = operations.flatMap((operation) =>
      ((operation as { parameters?: Parameter[] }).parameters ?? []).filter(
        (p) => p.in === 'header' && ['Idempotency-Key', 'Prefer'].includes(p.name),
      ),
    );
    expect(headers.length).to.be.greaterThan(4);
    for (const parameter of headers) {
      const pattern = new RegExp(parameter.schema.pattern ?? '.*', 'u');
      expect(pattern.test('k-1 respond-async'), parameter.name).to.equal(true);
      expect(pattern.test('caf\u00e9'), parameter.name).to.equal(false);
    }
  });

  it('when a schema has a type and alternatives, then every alternative has that type (Redoc merges them and warns "Incompatible types in allOf" otherwise)', () => {
    const clashes: string[] = [];
    const walk = (node: unknown, at: string): void => {
      if (node === null || typeof node !== 'object') return;
      const schema = node as Record<string, unknown>;
      const type = JSON.stringify(schema.type);
      for (const key of ['allOf', 'anyOf', 'oneOf']) {
        const branches = schema[key];
        if (schema.type === undefined || !Array.isArray(branches)) continue;
        for (const branch of branches as { type?: unknown }[]) {
          if (branch.type !== undefined && JSON.stringify(branch.type) !== type) {
            clashes.push(`${at}/${key}: ${type} vs ${JSON.stringify(branch.type)}`);
          }
        }
      }
      for (const [key, value] of Object.entries(schema)) walk(value, `${at}/${key}`);
    };
    walk(doc, '');
    expect(clashes).to.deep.equal([]);
  });

  it('when a route answers an error, then the error is documented for that route in that shape', async () => {
    const token = await api.token('pam', 'acme');
    expectDocumented(
      'get',
      '/api/v1/conversations',
      await api.request('GET', '/api/v1/conversations'),
    );
    expectDocumented(
      'get',
      '/api/v1/conversations/{id}',
      await api.request('GET', '/api/v1/conversations/conv_missing', { token }),
    );
    expectDocumented(
      'post',
      '/api/v1/conversations/initiate',
      await api.request('POST', '/api/v1/conversations/initiate', { token, body: { topic: 'x' } }),
    );
    expectDocumented(
      'post',
      '/api/v1/conversations/initiate',
      await api.request('POST', '/api/v1/conversations/initiate', {
        token,
        rawBody: '{',
        headers: { 'Content-Type': 'application/json' },
      }),
    );
    expectDocumented(
      'post',
      '/api/v1/conversations/initiate',
      await api.request('POST', '/api/v1/conversations/initiate', {
        token,
        rawBody: 'x',
        headers: { 'Content-Type': 'text/plain' },
      }),
    );
  });
});

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

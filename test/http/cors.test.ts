import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startLocalServer, type LocalServer } from '../../app/src/server.js';
import { startApi, type TestApi } from '../support/harness.js';

describe('CORS and security headers', () => {
  let api: TestApi;
  before(async () => {
    api = await startApi({ env: { CORS_ORIGINS: 'https://app.example.com' } });
  });
  after(() => api.close());

  const preflight = (origin: string) =>
    api.request('OPTIONS', '/api/v1/conversations/initiate', {
      headers: {
        Origin: origin,
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'authorization,content-type',
      },
    });

  it('when an allowed origin sends a preflight without a token, then it is answered with credentials allowed', async () => {
    const response = await preflight('https://app.example.com');
    expect(response.status).to.equal(204);
    expect(response.headers.get('access-control-allow-origin')).to.equal('https://app.example.com');
    expect(response.headers.get('access-control-allow-credentials')).to.equal('true');
    expect(response.headers.get('access-control-allow-methods')).to.contain('POST');
    expect(response.headers.get('access-control-allow-headers')?.toLowerCase()).to.contain(
      'authorization',
    );
  });

  it('when a refused origin sends a preflight, then no Access-Control-Allow header lets it through', async () => {
    const response = await preflight('https://evil.example.net');
    expect(response.status).to.equal(204);
    expect(response.headers.get('access-control-allow-origin')).to.equal(null);
    expect(response.headers.get('access-control-allow-credentials')).to.equal(null);
    expect(response.headers.get('vary')).to.contain('Origin');
  });

  it('when a refused origin sends a preflight, then one log line names the origin and the fix', async () => {
    const response = await preflight('http://localhost:5174');
    const lines = api.logger.lines.filter((line) => line.event === 'cors_preflight_refused');
    expect(lines.at(-1)).to.include({
      origin: 'http://localhost:5174',
      request_id: response.headers.get('x-request-id'),
      path: '/api/v1/conversations/initiate',
    });
    expect(String(lines.at(-1)?.hint)).to.include('CORS_ORIGINS');
  });

  it('when an allowed origin gets an error, then it can read it and the exposed headers', async () => {
    const response = await api.request('GET', '/api/v1/conversations', {
      headers: { Origin: 'https://app.example.com' },
    });
    expect(response.status).to.equal(401);
    expect(response.headers.get('access-control-allow-origin')).to.equal('https://app.example.com');
    const exposed = (response.headers.get('access-control-expose-headers') ?? '').split(/,\s*/);
    expect(exposed).to.include.members([
      'X-Request-ID',
      'X-RateLimit-Limit',
      'X-RateLimit-Remaining',
      'X-RateLimit-Reset',
      'Retry-After',
      'Location',
    ]);
  });

  it('when OPTIONS is not a preflight, then a known path answers 204 with Allow and no body', async () => {
    for (const [path, allow] of [
      ['/api/v1/conversations/initiate', 'POST, OPTIONS'],
      ['/api/v1/conversations/conv_abc', 'HEAD, GET, DELETE, OPTIONS'],
      ['/api/v1/health/live', 'HEAD, GET, OPTIONS'],
    ] as const) {
      const response = await api.request('OPTIONS', path);
      expect(response.status, path).to.equal(204);
      expect(response.headers.get('allow'), path).to.equal(allow);
      expect(response.text, path).to.equal('');
      expect(response.headers.get('x-request-id'), path).to.be.a('string');
    }
  });

  it('when OPTIONS names a path that does not exist, then it is 404 not_found', async () => {
    const response = await api.request('OPTIONS', '/api/v1/nothing-here');
    expect(response.status).to.equal(404);
    expect(response.body.error).to.equal('not_found');
  });

  it('when a preflight names a path that does not exist, then it is the 404 not_found any request for it gets, whatever the origin', async () => {
    for (const origin of ['https://app.example.com', 'https://evil.example.net']) {
      const response = await api.request('OPTIONS', '/api/v1/nothing-here', {
        headers: { Origin: origin, 'Access-Control-Request-Method': 'GET' },
      });
      expect(response.status, origin).to.equal(404);
      expect(response.body.error, origin).to.equal('not_found');
    }
  });

  it('when a known path is asked with a method it lacks, then the 405 names the same methods as the OPTIONS answer', async () => {
    for (const path of [
      '/api/v1/conversations/initiate',
      '/api/v1/conversations/conv_abc',
      '/api/v1/usage',
    ]) {
      const options = await api.request('OPTIONS', path);
      const refused = await api.request('PATCH', path);
      expect(refused.status, path).to.equal(405);
      expect(refused.headers.get('allow'), path).to.equal(options.headers.get('allow'));
    }
  });

  it('when an allowed origin sends a preflight for a known path, then the answer carries Allow too', async () => {
    const response = await preflight('https://app.example.com');
    expect(response.status).to.equal(204);
    expect(response.headers.get('allow')).to.equal('POST, OPTIONS');
  });

  describe('against the served document', () => {
    interface Operation {
      readonly parameters?: readonly {
        readonly $ref?: string;
        readonly in?: string;
        readonly name?: string;
      }[];
      readonly responses?: Record<
        string,
        { readonly $ref?: string; readonly headers?: Record<string, unknown> }
      >;
    }
    interface Document {
      readonly paths: Record<string, Record<string, Operation>>;
      readonly components: {
        readonly parameters?: Record<string, { readonly in: string; readonly name: string }>;
        readonly responses?: Record<string, { readonly headers?: Record<string, unknown> }>;
      };
    }
    /** The response headers a browser's script may read without being told (the CORS safelist). */
    const safelisted = [
      'cache-control',
      'content-language',
      'content-length',
      'content-type',
      'expires',
      'last-modified',
      'pragma',
    ];
    let document: Document;
    before(async () => {
      document = (await api.request<Document>('GET', '/openapi.json')).body;
    });
    const operations = () =>
      Object.entries(document.paths).flatMap(([path, item]) =>
        Object.entries(item).map(([method, operation]) => ({ path, method, operation })),
      );
    /** A path of the template with ids of the right form in it (else it is no route: 404). */
    const ids: Record<string, string> = {
      '{id}': 'conv_abc',
      '{message_id}': 'msg_t1s1',
      '{analysis_id}': 'anls_abc',
      '{job_id}': 'job_abc',
      '{tenant_id}': 'tenant-a',
      '{kind}': 'coaching',
      '{name}': 'goals',
    };
    const concrete = (path: string) =>
      path
        .replace('/docs/assets/{file}', '/docs/assets/swagger-ui.css')
        .replace('/redoc/assets/{file}', '/redoc/assets/redoc.standalone.js')
        .replace(/\{[^}]+\}/g, (name) => {
          const id = ids[name];
          if (!id) throw new Error(`no id for ${name} in ${path}`);
          return id;
        });

    it('when an allowed origin sends the preflight of any documented operation, with every request header it documents, then the browser is let through', async () => {
      let checked = 0;
      for (const { path, method, operation } of operations()) {
        const headers = (operation.parameters ?? [])
          .map((p) =>
            p.$ref ? document.components.parameters?.[p.$ref.split('/').pop() ?? ''] : p,
          )
          .filter((p) => p?.in === 'header')
          .map((p) => String(p?.name));
        const requested = [
          'authorization',
          'content-encoding',
          'content-type',
          'x-request-id',
          ...headers.map((h) => h.toLowerCase()),
        ];
        const response = await api.request('OPTIONS', concrete(path), {
          headers: {
            Origin: 'https://app.example.com',
            'Access-Control-Request-Method': method.toUpperCase(),
            'Access-Control-Request-Headers': requested.join(','),
          },
        });
        const label = `${method.toUpperCase()} ${path}`;
        expect(response.headers.get('access-control-allow-origin'), label).to.equal(
          'https://app.example.com',
        );
        const methods = (response.headers.get('access-control-allow-methods') ?? '').split(',');
        expect(methods, label).to.include(method.toUpperCase());
        const allowedHeaders = (response.headers.get('access-control-allow-headers') ?? '')
          .toLowerCase()
          .split(',');
        expect(allowedHeaders, label).to.include.members(requested);
        checked++;
      }
      expect(checked).to.be.greaterThan(30);
    });

    it('when an allowed origin gets any answer, then every response header the document names is exposed to its script', async () => {
      const documented = new Set<string>();
      for (const { operation } of operations()) {
        for (const response of Object.values(operation.responses ?? {})) {
          const named = response.$ref
            ? document.components.responses?.[response.$ref.split('/').pop() ?? '']
            : response;
          for (const header of Object.keys(named?.headers ?? {}))
            documented.add(header.toLowerCase());
        }
      }
      expect(documented).to.include('etag');
      const response = await api.request('GET', '/api/v1/conversations', {
        headers: { Origin: 'https://app.example.com' },
      });
      const exposed = (response.headers.get('access-control-expose-headers') ?? '')
        .toLowerCase()
        .split(/,\s*/);
      expect(
        [...documented].filter(
          (header) => !safelisted.includes(header) && !exposed.includes(header),
        ),
      ).to.deep.equal([]);
    });
  });

  it('when any JSON response goes out, then it carries the API security headers and, over plain HTTP, no HSTS', async () => {
    const response = await api.request('GET', '/');
    expect(response.headers.get('x-content-type-options')).to.equal('nosniff');
    expect(response.headers.get('x-frame-options')).to.equal('DENY');
    expect(response.headers.get('referrer-policy')).to.equal('no-referrer');
    expect(response.headers.get('content-security-policy')).to.equal(
      "default-src 'none'; frame-ancestors 'none'",
    );
    expect(response.headers.get('strict-transport-security')).to.equal(null);
  });
});

describe('CORS under npm run dev', () => {
  const servers: LocalServer[] = [];
  let dataDir: string;
  before(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'pp-cors-dev-'));
    const env = {
      PORT: '0',
      LOG_SILENT: 'true',
      JWT_SECRET: 'a-secret-for-the-cors-tests-0123456789',
      CORS_ORIGINS: 'https://app.example.com',
    };
    servers.push(
      await startLocalServer({ ...env, DATA_DIR: path.join(dataDir, 'dev') }, { dev: true }),
    );
    servers.push(await startLocalServer({ ...env, DATA_DIR: path.join(dataDir, 'start') }));
  });
  after(async () => {
    for (const server of servers) await server.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  const allowedBy = async (server: LocalServer | undefined, origin: string) => {
    const response = await fetch(`${server?.url}/api/v1/conversations/initiate`, {
      method: 'OPTIONS',
      headers: { Origin: origin, 'Access-Control-Request-Method': 'POST' },
    });
    return response.headers.get('access-control-allow-origin');
  };

  for (const origin of ['http://localhost:5174', 'http://127.0.0.1:4200', 'http://localhost']) {
    it(`when ${origin} sends a preflight in dev mode, then it is allowed; under npm start it is not`, async () => {
      expect(await allowedBy(servers[0], origin)).to.equal(origin);
      expect(await allowedBy(servers[1], origin)).to.equal(null);
    });
  }

  for (const origin of [
    'http://localhost.example.net:5173',
    'https://localhost:5173',
    'http://192.168.1.5:5173',
  ]) {
    it(`when ${origin} sends a preflight in dev mode, then it is refused like any other`, async () => {
      expect(await allowedBy(servers[0], origin)).to.equal(null);
    });
  }

  it('when dev mode is on, then the listed origins still pass', async () => {
    expect(await allowedBy(servers[0], 'https://app.example.com')).to.equal(
      'https://app.example.com',
    );
  });
});

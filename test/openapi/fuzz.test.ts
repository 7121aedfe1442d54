// Property-based fuzzing of every route the app mounts: arbitrary bodies, content types,
// lengths, headers, path parameters and tokens never produce a 5xx, every error is the
// envelope with the request id, and a rejected request leaves the store exactly as it was.
import { request as httpRequest } from 'node:http';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { expect } from 'chai';
import fc from 'fast-check';
import { base64url, SignJWT } from 'jose';
import type Router from '@koa/router';
import { createApp } from '../../app/src/app.js';
import { composeDependencies } from '../../app/src/compose.js';
import { loadConfig } from '../../app/src/config.js';
import type { AppState } from '../../app/src/http/middleware.js';
import { initiate, memoryLogger, startApi, TEST_SECRET, type TestApi } from '../support/harness.js';

/** High enough that the limiter never answers for the property runs. */
const relaxedLimits = {
  RATE_LIMIT_DEFAULT: '100000/1',
  RATE_LIMIT_ANONYMOUS: '100000/1',
  RATE_LIMIT_INITIATE: '100000/1',
  RATE_LIMIT_ANALYSIS: '100000/1',
};

interface RouteEntry {
  readonly method: string;
  readonly path: string;
  readonly params: readonly string[];
}

/** Every method and path the app's routers mount, so a new route is fuzzed without edits here. */
function mountedRoutes(): RouteEntry[] {
  const config = loadConfig({ JWT_SECRET: TEST_SECRET, DYNAMODB_ENDPOINT: 'http://127.0.0.1:9' });
  const app = createApp(composeDependencies(config, memoryLogger()));
  const routes: RouteEntry[] = [];
  for (const middleware of app.middleware as { router?: Router<AppState> }[]) {
    for (const layer of middleware.router?.stack ?? []) {
      for (const method of layer.methods.filter((m) => m !== 'HEAD')) {
        routes.push({
          method,
          path: String(layer.path),
          params: (layer.paramNames ?? []).map((p) => String(p.name)),
        });
      }
    }
  }
  return routes;
}

interface RawResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly text: string;
}

interface RawRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body?: Buffer;
  /** Sent with Transfer-Encoding: chunked (no Content-Length), in this many pieces. */
  readonly chunks?: number;
}

/** A plain HTTP/1.1 client, so headers and framing are exactly what the property generated. */
function send(base: string, req: RawRequest, timeoutMs = 10_000): Promise<RawResponse> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...req.headers };
    if (req.body && !req.chunks) headers['Content-Length'] = String(req.body.length);
    if (req.chunks) headers['Transfer-Encoding'] = 'chunked';
    const outgoing = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        method: req.method,
        path: req.path,
        headers,
        // A fresh connection each time: a server may close one whose body it refused unread.
        agent: false,
        timeout: timeoutMs,
      },
      (res) => {
        const parts: Buffer[] = [];
        res.on('data', (chunk: Buffer) => parts.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text: Buffer.concat(parts).toString('utf8'),
          }),
        );
        res.on('error', reject);
      },
    );
    outgoing.on('timeout', () => outgoing.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    outgoing.on('error', reject);
    if (req.body && req.chunks) {
      const size = Math.ceil(req.body.length / req.chunks) || 1;
      for (let i = 0; i < req.body.length; i += size)
        outgoing.write(req.body.subarray(i, i + size));
      outgoing.end();
    } else {
      outgoing.end(req.body);
    }
  });
}

/** The whole content of every table, as one comparable string. */
async function storeSnapshot(api: TestApi): Promise<string> {
  const parts: string[] = [];
  for (const table of Object.values(api.config.tables)) {
    const items: unknown[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await api.dynamo.doc.send(
        new ScanCommand({ TableName: table, ExclusiveStartKey: start, ConsistentRead: true }),
      );
      items.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start);
    parts.push(
      `${table}:${items
        .map((item) => JSON.stringify(item))
        .sort()
        .join('\n')}`,
    );
  }
  return parts.join('\n');
}

// Values of every kind for the fields the routes know, and for fields they do not.
const knownFields = [
  'topic',
  'context',
  'language',
  'user_message',
  'metadata',
  'reason',
  'feedback',
  'rating',
  'text_to_analyze',
  'current_strategy',
  'current_kpis',
  'analysis_type',
  'description',
  'kind',
  'current',
  '__proto__',
  'constructor',
];
const hugeString = fc
  .tuple(fc.constantFrom('x', 'é', '💥', '\u0000', ' '), fc.integer({ min: 4_000, max: 70_000 }))
  .map(([c, n]) => c.repeat(n));
const oddString = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(
    '',
    ' ',
    '\n\t',
    'core_values',
    'purpose',
    'swot',
    'niche',
    'NULL',
    '{}',
    '\ud800',
  ),
  hugeString,
);
const oddValue = fc.oneof(
  { weight: 3, arbitrary: oddString },
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(oddString, { maxLength: 60 }),
  fc.dictionary(oddString, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 5 }),
  fc.jsonValue({ maxDepth: 3 }),
);
const objectBody = fc
  .dictionary(fc.oneof(fc.constantFrom(...knownFields), fc.string({ maxLength: 12 })), oddValue, {
    maxKeys: 6,
  })
  .map((o) => Buffer.from(JSON.stringify(o)));
const body = fc.oneof(
  { weight: 4, arbitrary: objectBody },
  fc.jsonValue().map((v) => Buffer.from(JSON.stringify(v) ?? 'null')),
  fc.string({ unit: 'binary', maxLength: 200 }).map((s) => Buffer.from(s)),
  fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.from(a)),
  fc
    .constantFrom('{', '{"topic":', '[]', '""', '1', 'null', '\uFEFF{}', '{"a":1}{"b":2}')
    .map((s) => Buffer.from(s)),
  hugeString.map((s) => Buffer.from(JSON.stringify({ user_message: s, topic: s }))),
);
const contentType = fc.oneof(
  fc.constantFrom(
    'application/json',
    'application/json; charset=utf-8',
    'application/json; charset=latin1',
    'application/json; charset=utf-7',
    'APPLICATION/JSON',
    'application/vnd.api+json',
    'application/merge-patch+json',
    'text/plain',
    'text/json',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=x',
    'application/xml',
    '*/*',
    ';;;',
    'application/json; boundary',
  ),
  fc.string({ unit: fc.constantFrom(...'abcdefghij/;=+-* '), maxLength: 30 }),
);
/** Header values Node can put on the wire: printable ASCII and latin-1. */
const headerText = fc.string({
  unit: fc.oneof(
    fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
    fc.integer({ min: 0xa0, max: 0xff }).map((c) => String.fromCharCode(c)),
  ),
  maxLength: 300,
});
const extraHeaders = fc.record(
  {
    'X-Request-ID': headerText,
    'Idempotency-Key': headerText,
    Accept: fc.constantFrom('*/*', 'text/html', 'application/xml', ''),
    Origin: fc.constantFrom('http://localhost:3000', 'https://evil.example', 'null'),
    'Accept-Encoding': fc.constantFrom('gzip', 'br', 'identity;q=0', 'nonsense'),
    'X-Forwarded-For': headerText,
  },
  { requiredKeys: [] },
);

function fillPath(route: RouteEntry, values: readonly string[], raw: boolean): string {
  let path = route.path;
  route.params.forEach((name, i) => {
    const value = values[i % values.length] ?? '';
    path = path.replace(`:${name}`, raw ? value : encodeURIComponent(value));
  });
  return path;
}

describe('fuzzing every route', () => {
  let api: TestApi;
  let token: string;
  let ownId: string;
  let othersId: string;
  const routes = mountedRoutes();

  before(async () => {
    api = await startApi({ env: relaxedLimits });
    token = await api.token('fuzzer', 'acme');
    ownId = await initiate(api, token);
    othersId = await initiate(api, await api.token('someone-else', 'acme'));
  });
  after(() => api.close());

  it('when the route table is read from the routers, then it holds the conversation routes at least', () => {
    const names = routes.map((r) => `${r.method} ${r.path}`);
    expect(names).to.include.members([
      'POST /api/v1/conversations/initiate',
      'POST /api/v1/conversations/:id/message',
      'GET /api/v1/conversations/:id',
      'GET /api/v1/conversations',
      'DELETE /api/v1/conversations/:id',
    ]);
  });

  /** The raw response, checked like every harness response against the served document. */
  const expectDocumented = (method: string, path: string, response: RawResponse) =>
    api.expectDocumented({
      method,
      path,
      status: response.status,
      header: (name) => {
        const value = response.headers[name.toLowerCase()];
        return Array.isArray(value) ? value.join(', ') : value;
      },
      text: response.text,
    });

  function expectEnvelope(response: RawResponse, label: string): void {
    const requestId = response.headers['x-request-id'];
    expect(requestId, `${label}: X-Request-ID`).to.be.a('string');
    expect(requestId as string, label).to.match(/^[A-Za-z0-9._:-]{1,128}$/);
    expect(response.status, `${label}: ${response.text.slice(0, 300)}`).to.be.below(500);
    if (response.status < 400) return;
    const parsed = JSON.parse(response.text) as Record<string, unknown>;
    expect(parsed.error, label).to.be.a('string').and.not.equal('');
    expect(parsed.message, label).to.be.a('string');
    expect(parsed.request_id, label).to.equal(requestId);
  }

  it('when any route gets an arbitrary body, content type, framing and headers, then it is never a 5xx, errors are the envelope, and a rejected request stores nothing', async function () {
    this.timeout(90_000);
    const pathValues = fc.array(
      fc.oneof(
        fc.constant('own'),
        fc.constant('others'),
        fc.string({ unit: 'grapheme', maxLength: 30 }),
        fc.constantFrom(
          'conv_',
          'anls_',
          '..',
          '.',
          '%',
          '%zz',
          '%00',
          '%2F',
          'a/b',
          ' ',
          '\u0000',
        ),
        fc.integer({ min: 200, max: 3000 }).map((n) => 'c'.repeat(n)),
      ),
      { minLength: 1, maxLength: 2 },
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...routes),
        fc.constantFrom('same', 'same', 'same', 'PUT', 'PATCH', 'OPTIONS', 'HEAD'),
        pathValues,
        fc.boolean(),
        fc.option(body, { nil: undefined, freq: 4 }),
        fc.option(contentType, { nil: undefined, freq: 6 }),
        fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 7 })),
        extraHeaders,
        fc.constantFrom('valid', 'valid', 'valid', 'none', 'garbage'),
        async (route, methodChoice, values, raw, payload, type, chunks, headers, auth) => {
          const method = methodChoice === 'same' ? route.method : methodChoice;
          const ids = values.map((v) => (v === 'own' ? ownId : v === 'others' ? othersId : v));
          let path: string;
          try {
            path = fillPath(route, ids, raw);
            // A path Node refuses to send (e.g. raw spaces) is not a request the app can see.
            if (/[^\x21-\x7e]/.test(path)) path = fillPath(route, ids, false);
          } catch {
            path = fillPath(route, ['x'], false);
          }
          const requestHeaders: Record<string, string> = { ...headers };
          if (type !== undefined) requestHeaders['Content-Type'] = type;
          if (auth === 'valid') requestHeaders.Authorization = `Bearer ${token}`;
          if (auth === 'garbage') requestHeaders.Authorization = 'Bearer a.b.c';
          const before = await storeSnapshot(api);
          const response = await send(api.url, {
            method,
            path,
            headers: requestHeaders,
            // A route that takes no body never reads one; a large one unread may cut the
            // connection under the response, which is transport, not the app's answer.
            body:
              method === 'HEAD' || (method !== 'POST' && (payload?.length ?? 0) > 16_384)
                ? undefined
                : payload,
            chunks: payload && chunks > 0 ? chunks : undefined,
          });
          const label = `${method} ${path.slice(0, 120)}`;
          if (method !== 'HEAD') expectEnvelope(response, label);
          else expect(response.status, label).to.be.below(500);
          await expectDocumented(method, path, response);
          if (response.status >= 400) {
            expect(await storeSnapshot(api), `${label} changed the store`).to.equal(before);
          }
        },
      ),
      { numRuns: Number(process.env.FUZZ_RUNS ?? 250) },
    );
  });

  it('when a conversation id is longer than a DynamoDB key may be, then every conversation route is 404 not_found, not 500', async () => {
    const id = `conv_${'c'.repeat(2044)}`;
    const calls: [string, string, unknown][] = [
      ['GET', `/api/v1/conversations/${id}`, undefined],
      ['POST', `/api/v1/conversations/${id}/message`, { user_message: 'hello' }],
      ['POST', `/api/v1/conversations/${id}/pause`, {}],
      ['POST', `/api/v1/conversations/${id}/resume`, undefined],
      ['POST', `/api/v1/conversations/${id}/complete`, {}],
      ['DELETE', `/api/v1/conversations/${id}`, undefined],
    ];
    for (const [method, path, payload] of calls) {
      const response = await api.request(method, path, { token, body: payload });
      expect(response.status, `${method} ${path.slice(0, 40)}`).to.equal(404);
      expect(response.body.error).to.equal('not_found');
    }
  });

  it('when the body is just over the limit and streamed without a length, then it is 413 and nothing is stored', async () => {
    const before = await storeSnapshot(api);
    const response = await send(api.url, {
      method: 'POST',
      path: '/api/v1/conversations/initiate',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: Buffer.from(JSON.stringify({ topic: 'purpose', context: { pad: 'p'.repeat(70_000) } })),
      chunks: 9,
    });
    expect(response.status).to.equal(413);
    expect(JSON.parse(response.text)).to.include({ error: 'payload_too_large' });
    expect(await storeSnapshot(api)).to.equal(before);
  });

  it('when a token is any mutation of a valid one, then it is never accepted', async function () {
    this.timeout(30_000);
    const nowSeconds = () => Math.floor(Date.now() / 1000);
    const good = { user_id: 'fuzzer', tenant_id: 'acme', exp: nowSeconds() + 600 };
    const part = (v: unknown) => base64url.encode(JSON.stringify(v));
    const validToken = await new SignJWT(good)
      .setProtectedHeader({ alg: 'HS256' })
      .sign(new TextEncoder().encode(TEST_SECRET));
    const [header, payload, signature] = validToken.split('.') as [string, string, string];
    const mutation = fc.oneof(
      // One character of the token changed: header, payload or signature.
      fc
        .tuple(
          fc.nat(),
          fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'),
        )
        .map(([at, c]) => {
          const i = at % validToken.length;
          const changed = `${validToken.slice(0, i)}${c}${validToken.slice(i + 1)}`;
          // The last character of a segment carries spare bits: a change there may decode to
          // the very same bytes, which is the same token, not a tampered one.
          const bytes = (t: string) =>
            t
              .split('.')
              .map((s) => Buffer.from(s, 'base64url').toString('hex'))
              .join('.');
          return validToken[i] === '.' || bytes(changed) === bytes(validToken) ? null : changed;
        }),
      // The header swapped for another algorithm, the signature kept or dropped.
      fc
        .tuple(
          fc.constantFrom('none', 'None', 'HS512', 'HS384', 'RS256', 'ES256', 'PS256', ''),
          fc.boolean(),
        )
        .map(([alg, keep]) => `${part({ alg, typ: 'JWT' })}.${payload}.${keep ? signature : ''}`),
      // Claims rewritten after signing.
      fc
        .record(
          {
            user_id: fc.oneof(fc.constant('fuzzer'), fc.string()),
            tenant_id: fc.oneof(fc.constant('acme'), fc.string()),
            exp: fc.oneof(fc.constant(good.exp), fc.integer()),
            nbf: fc.integer(),
            iss: fc.string(),
            aud: fc.string(),
          },
          { requiredKeys: [] },
        )
        .filter((claims) => JSON.stringify(claims) !== JSON.stringify(good))
        .map((claims) => `${header}.${part(claims)}.${signature}`),
      // Validly signed with the real secret but wrong in time or claims.
      fc
        .record({
          exp: fc.option(fc.integer({ min: -10_000_000, max: -31 }).map((d) => nowSeconds() + d)),
          nbf: fc.option(fc.integer({ min: 31, max: 10_000_000 }).map((d) => nowSeconds() + d)),
          dropUser: fc.boolean(),
          dropTenant: fc.boolean(),
        })
        .filter((r) => r.exp !== null || r.nbf !== null || r.dropUser || r.dropTenant)
        .map((r) => ({
          ...(r.dropUser ? {} : { user_id: 'fuzzer' }),
          ...(r.dropTenant ? {} : { tenant_id: 'acme' }),
          ...(r.exp === null ? { exp: good.exp } : { exp: r.exp }),
          ...(r.nbf === null ? {} : { nbf: r.nbf }),
        })),
    );
    await fc.assert(
      fc.asyncProperty(mutation, async (candidate) => {
        if (candidate === null) return;
        const tokenText =
          typeof candidate === 'string'
            ? candidate
            : await new SignJWT(candidate)
                .setProtectedHeader({ alg: 'HS256' })
                .sign(new TextEncoder().encode(TEST_SECRET));
        const response = await send(api.url, {
          method: 'GET',
          path: '/api/v1/conversations',
          headers: { Authorization: `Bearer ${tokenText}` },
        });
        expect(response.status, tokenText).to.equal(401);
        expect(response.headers['www-authenticate']).to.equal('Bearer');
        expectEnvelope(response, tokenText);
        await expectDocumented('GET', '/api/v1/conversations', response);
      }),
      { numRuns: 200 },
    );
  });
});

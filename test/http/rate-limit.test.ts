// The rate limits as a client meets them: per user and route class, per IP only without valid
// credentials, and across instances through the shared DynamoDB store, including when that
// store fails, hangs, or is the local server's embedded one.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { expect } from 'chai';
import { startLocalServer } from '../../app/src/server.js';
import { userLimitKey } from '../../app/src/http/rate-limit.js';
import type { MetricName } from '../../app/src/observability/metrics.js';
import { createDynamo } from '../../app/src/storage/dynamo.js';
import { ensureTables, startEmbeddedDynamo } from '../../app/src/storage/local-dynamo.js';
import { guardLikeDynamoDb } from '../support/dynamo-guard.js';
import { startApi, type TestApi } from '../support/harness.js';
import { signedToken } from '../support/tokens.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function countingMetrics() {
  const counts = new Map<MetricName, number>();
  return {
    counts,
    add: (name: MetricName, value: number) =>
      void counts.set(name, (counts.get(name) ?? 0) + value),
  };
}

const shortWindows = {
  RATE_LIMIT_INITIATE: '2/2',
  RATE_LIMIT_ANALYSIS: '1/2',
  RATE_LIMIT_DEFAULT: '3/2',
  RATE_LIMIT_ANONYMOUS: '1000/60',
};

describe('rate limits', () => {
  describe('per user, by route class (memory store)', () => {
    let api: TestApi;
    const metrics = countingMetrics();
    before(async () => {
      api = await startApi({ env: shortWindows, overrides: { metrics } });
    });
    after(() => api.close());

    it('when a user initiates past the initiate limit, then the next answers 429 with the real Retry-After, and the window resets', async () => {
      const token = await api.token('ivy', 'acme');
      const initiate = () =>
        api.request('POST', '/api/v1/conversations/initiate', {
          token,
          body: { topic: 'purpose' },
        });
      const first = await initiate();
      expect(first.status).to.equal(201);
      expect(first.headers.get('x-ratelimit-limit')).to.equal('2');
      expect(first.headers.get('x-ratelimit-remaining')).to.equal('1');
      expect(Number(first.headers.get('x-ratelimit-reset'))).to.be.within(1, 2);
      const second = await initiate();
      expect(second.headers.get('x-ratelimit-remaining')).to.equal('0');

      const refused = await initiate();
      expect(refused.status).to.equal(429);
      const retryAfter = Number(refused.headers.get('retry-after'));
      expect(retryAfter).to.be.within(1, 2);
      expect(refused.body).to.include({
        error: 'rate_limit_exceeded',
        message: 'Too many requests. Please try again later.',
        retry_after: retryAfter,
      });
      expect(refused.body.request_id).to.equal(refused.headers.get('x-request-id'));
      expect(metrics.counts.get('RateLimitExceeded')).to.be.at.least(1);

      await sleep(2100);
      expect((await initiate()).status).to.equal(201);
    });

    it('when the initiate limit is used up, then the default class of the same user is still open', async () => {
      const token = await api.token('jack', 'acme');
      for (let i = 0; i < 2; i++) {
        await api.request('POST', '/api/v1/conversations/initiate', {
          token,
          body: { topic: 'vision' },
        });
      }
      const initiate = await api.request('POST', '/api/v1/conversations/initiate', {
        token,
        body: { topic: 'vision' },
      });
      expect(initiate.status).to.equal(429);
      const list = await api.request('GET', '/api/v1/conversations', { token });
      expect(list.status).to.equal(200);
      expect(list.headers.get('x-ratelimit-limit')).to.equal('3');
    });

    it('when one user hits the default limit, then another user of the same tenant is not limited', async () => {
      const kim = await api.token('kim', 'acme');
      const lee = await api.token('lee', 'acme');
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) {
        statuses.push((await api.request('GET', '/api/v1/conversations', { token: kim })).status);
      }
      expect(statuses).to.deep.equal([200, 200, 200, 429]);
      expect((await api.request('GET', '/api/v1/conversations', { token: lee })).status).to.equal(
        200,
      );
    });

    it('when the per-user limit is used up, then a bad body still gets 429, since the limit is checked first', async () => {
      const token = await api.token('max', 'acme');
      for (let i = 0; i < 3; i++) await api.request('GET', '/api/v1/conversations', { token });
      const response = await api.request('POST', '/api/v1/conversations/conv_x/pause', {
        token,
        rawBody: 'not json',
        headers: { 'Content-Type': 'text/plain' },
      });
      expect(response.status).to.equal(429);
    });

    it('when a user posts analyses and suggestions, then they share the analysis limit', async () => {
      const token = await api.token('nia', 'acme');
      const first = await api.request('POST', '/api/v1/analysis/alignment', {
        token,
        body: { text_to_analyze: 'short' },
      });
      expect(first.status).to.equal(422);
      expect(first.headers.get('x-ratelimit-limit')).to.equal('1');
      const second = await api.request('POST', '/api/v1/suggestions/onboarding', {
        token,
        body: { kind: 'niche' },
      });
      expect(second.status).to.equal(429);
      expect(second.body).to.include({ success: false, error: 'rate_limit_exceeded' });
    });

    it('when a request has no valid token, then it is 401 and counts against no user', async () => {
      const response = await api.request('GET', '/api/v1/conversations', { token: 'nope' });
      expect(response.status).to.equal(401);
    });
  });

  describe('per IP, for requests without valid credentials', () => {
    let api: TestApi;
    before(async () => {
      api = await startApi({ env: { ...shortWindows, RATE_LIMIT_ANONYMOUS: '3/60' } });
    });
    after(() => api.close());

    it('when many users behind one address send authenticated requests, then none of them counts against the address', async () => {
      for (let user = 0; user < 10; user++) {
        const token = await api.token(`nat-user-${user}`, 'acme');
        for (let i = 0; i < 2; i++) {
          const response = await api.request('GET', '/api/v1/conversations', { token });
          expect(response.status, `user ${user}`).to.equal(200);
          expect(response.headers.get('x-ratelimit-limit')).to.equal('3');
        }
      }
      const root = await api.request('GET', '/');
      expect(root.status).to.equal(200);
      expect(root.headers.get('x-ratelimit-remaining')).to.equal('2');
    });

    it('when one address floods bad tokens, then the 401s turn into 429 before auth, while a valid user from there is still served', async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) {
        statuses.push(
          (await api.request('GET', '/api/v1/conversations', { token: `bad-${i}` })).status,
        );
      }
      // GET / of the test before used one of the three.
      expect(statuses).to.deep.equal([401, 401, 429]);
      const refused = await api.request('GET', '/api/v1/conversations');
      expect(refused.status).to.equal(429);
      expect(Number(refused.headers.get('retry-after'))).to.be.within(1, 60);
      expect((await api.request('GET', '/')).status).to.equal(429);
      const valid = await api.request('GET', '/api/v1/conversations', {
        token: await api.token('still-served', 'acme'),
      });
      expect(valid.status).to.equal(200);
      for (const route of ['/api/v1/health/live', '/api/v1/health', '/openapi.json', '/docs']) {
        const response = await api.request('GET', route);
        expect(response.status, route).to.be.oneOf([200, 503]);
        expect(response.headers.get('x-ratelimit-limit'), route).to.equal(null);
      }
      expect((await api.request('GET', '/nowhere')).status).to.equal(404);
    });
  });

  describe('per IP, window', () => {
    let api: TestApi;
    before(async () => {
      api = await startApi({ env: { ...shortWindows, RATE_LIMIT_ANONYMOUS: '3/2' } });
    });
    after(() => api.close());

    it('when one address sends more than the anonymous limit, then 429 comes with the real Retry-After, and the window resets', async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) statuses.push((await api.request('GET', '/')).status);
      expect(statuses).to.deep.equal([200, 200, 200]);
      const root = await api.request('GET', '/');
      expect(root.status).to.equal(429);
      expect(Number(root.headers.get('retry-after'))).to.be.within(1, 2);
      await sleep(2100);
      expect((await api.request('GET', '/')).status).to.equal(200);
    });
  });

  describe('DynamoDB store', () => {
    it('when two instances share the limiter table, then the limit holds across both', async () => {
      const embedded = await startEmbeddedDynamo();
      const env = {
        ...shortWindows,
        // A window longer than the test, so none turns while it runs on a busy machine.
        RATE_LIMIT_DEFAULT: '3/120',
        RATE_LIMIT_STORE: 'dynamodb',
        NAME_SUFFIX: '-shared',
      };
      const one = await startApi({ env, embedded });
      const two = await startApi({ env, embedded });
      try {
        const token = await one.token('olga', 'acme');
        const statuses: number[] = [];
        for (const api of [one, two, one, two]) {
          statuses.push((await api.request('GET', '/api/v1/conversations', { token })).status);
        }
        expect(statuses).to.deep.equal([200, 200, 200, 429]);
      } finally {
        await one.close();
        await two.close();
        await embedded.close();
      }
    });

    it('when the limiter store is stopped, then requests are still answered, limited in-process, and the fallback is logged', async () => {
      const store = await startEmbeddedDynamo();
      const api = await startApi({
        env: { ...shortWindows, RATE_LIMIT_STORE: 'dynamodb', DYNAMODB_ENDPOINT: store.endpoint },
      });
      const client = createDynamo({
        region: 'us-east-1',
        endpoint: store.endpoint,
        localCredentials: true,
      });
      try {
        await ensureTables(guardLikeDynamoDb(client.client), api.config.tables);
        const token = await api.token('pia', 'acme');
        const before = await api.request('GET', '/api/v1/conversations', { token });
        expect(before.status).to.equal(200);
        await store.close();
        const during = await api.request('GET', '/api/v1/conversations', { token });
        expect(during.status).to.equal(200);
        expect(during.headers.get('x-ratelimit-limit')).to.equal('3');
        const fallback = api.logger.lines.find((l) => l.event === 'rate_limiter_store_fallback');
        expect(fallback?.reason).to.be.a('string');
        const statuses: number[] = [];
        for (let i = 0; i < 3; i++) {
          statuses.push((await api.request('GET', '/api/v1/conversations', { token })).status);
        }
        expect(statuses).to.include(429);
      } finally {
        client.client.destroy();
        await api.close();
      }
    });

    it('when the limiter store accepts connections but never answers, then the instance counts on its own, logs that once and counts every such request', async function () {
      this.timeout(30_000);
      const sockets = new Set<import('node:net').Socket>();
      const silent: Server = createServer((socket) => void sockets.add(socket));
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      const port = (silent.address() as import('node:net').AddressInfo).port;
      const metrics = countingMetrics();
      const api = await startApi({
        env: {
          ...shortWindows,
          RATE_LIMIT_DEFAULT: '2/60',
          RATE_LIMIT_STORE: 'dynamodb',
          DYNAMODB_ENDPOINT: `http://127.0.0.1:${port}`,
        },
        overrides: { metrics },
      });
      try {
        const token = await api.token('quin', 'acme');
        const statuses: number[] = [];
        for (let i = 0; i < 3; i++) {
          statuses.push((await api.request('GET', '/api/v1/conversations', { token })).status);
        }
        expect(statuses).to.deep.equal([200, 200, 429]);
        const fallbacks = api.logger.lines.filter((l) => l.event === 'rate_limiter_store_fallback');
        expect(fallbacks).to.have.length(1);
        expect(fallbacks[0]?.level).to.equal('warn');
        expect(metrics.counts.get('RateLimitStoreFallback')).to.equal(3);
      } finally {
        await api.close();
        for (const socket of sockets) socket.destroy();
        silent.close();
      }
    });

    it('when two instances share the limiter table and 40 initiates arrive at once, then no more than the limit get through', async function () {
      this.timeout(30_000);
      const embedded = await startEmbeddedDynamo();
      const env = {
        ...shortWindows,
        // A window longer than the test, so none turns while it runs: the bound is the limit.
        RATE_LIMIT_INITIATE: '10/120',
        RATE_LIMIT_STORE: 'dynamodb',
        NAME_SUFFIX: '-parallel',
      };
      const one = await startApi({ env, embedded });
      const two = await startApi({ env, embedded });
      try {
        const token = await one.token('burst', 'acme');
        const responses = await Promise.all(
          Array.from({ length: 40 }, (_, i) =>
            (i % 2 ? one : two).request('POST', '/api/v1/conversations/initiate', {
              token,
              body: { topic: 'goals' },
            }),
          ),
        );
        const statuses = responses.map((r) => r.status);
        expect(statuses.filter((s) => s === 201)).to.have.length(10);
        expect(statuses.filter((s) => s === 429)).to.have.length(30);
        for (const api of [one, two]) {
          expect(
            api.logger.lines.filter((l) => l.event === 'rate_limiter_store_fallback'),
          ).to.deep.equal([]);
        }
      } finally {
        await one.close();
        await two.close();
        await embedded.close();
      }
    });
  });

  describe('the local server with RATE_LIMIT_STORE=dynamodb', () => {
    it('when it runs on its embedded store, then the counters are kept there', async function () {
      this.timeout(30_000);
      const dataDir = await mkdtemp(path.join(tmpdir(), 'pp-limits-'));
      try {
        const server = await startLocalServer({
          DATA_DIR: dataDir,
          PORT: '0',
          HOST: '127.0.0.1',
          LOG_SILENT: 'true',
          RATE_LIMIT_STORE: 'dynamodb',
        });
        const secret = (await readFile(path.join(dataDir, 'jwt-secret'), 'utf8')).trim();
        const token = await signedToken(secret, { user_id: 'local', tenant_id: 'acme' });
        const response = await fetch(`${server.url}/api/v1/conversations`, {
          headers: { Authorization: `Bearer ${token}` },
        });
        expect(response.status).to.equal(200);
        const table = server.config.tables.rateLimits;
        await server.close();

        const store = await startEmbeddedDynamo({ path: path.join(dataDir, 'dynamodb') });
        const client = createDynamo({
          region: 'us-east-1',
          endpoint: store.endpoint,
          localCredentials: true,
        });
        try {
          const counters = await client.doc.send(new ScanCommand({ TableName: table }));
          expect(counters.Items?.map((i) => String(i.key))).to.deep.equal([
            `rl:default:${userLimitKey({ userId: 'local', tenantId: 'acme', roles: [], scopes: [] })}`,
          ]);
        } finally {
          client.client.destroy();
          await store.close();
        }
      } finally {
        await rm(dataDir, { recursive: true, force: true });
      }
    });
  });
});

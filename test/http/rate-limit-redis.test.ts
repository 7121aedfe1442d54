import { spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { expect } from 'chai';
import { Redis } from 'ioredis';
import { userLimitKey } from '../../app/src/http/rate-limit.js';
import { startEmbeddedDynamo } from '../../app/src/storage/local-dynamo.js';
import { startChild, stopChild } from '../support/child-processes.js';
import { startApi } from '../support/harness.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const hasRedis = spawnSync('redis-server', ['--version']).status === 0;

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  return port;
}

// A real Redis server, when this machine has one (Debian's redis-server); otherwise the test says
// it was skipped rather than pretending to pass.
(hasRedis ? describe : describe.skip)('rate limits on a real Redis server', () => {
  let redis: ChildProcess;
  let port: number;

  before(async function () {
    this.timeout(10_000);
    port = await freePort();
    redis = startChild(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      {
        stdio: 'ignore',
      },
    );
    const probe = new Redis({ port, lazyConnect: true, retryStrategy: () => 50 });
    probe.on('error', () => undefined); // refused until the server listens: that is the wait
    for (let i = 0; i < 50; i++) {
      if (
        await probe.connect().then(
          () => true,
          () => false,
        )
      )
        break;
      await sleep(100);
    }
    await probe.quit();
  });
  after(() => stopChild(redis));

  it('when two instances share REDIS_CLUSTER_ENDPOINT, then the limit holds across both and the counters live in Redis', async () => {
    const embedded = await startEmbeddedDynamo();
    const env = {
      RATE_LIMIT_DEFAULT: '3/30',
      RATE_LIMIT_ANONYMOUS: '1000/60',
      REDIS_CLUSTER_ENDPOINT: `127.0.0.1:${port}`,
      NAME_SUFFIX: '-redis',
    };
    const one = await startApi({ env, embedded });
    const two = await startApi({ env, embedded });
    const inspector = new Redis({ port });
    try {
      // Let both instances connect to Redis before counting (until then, the in-process
      // insurance limiter answers).
      const warm = await one.token('warm-up', 'acme');
      for (const api of [one, two])
        await api.request('GET', '/api/v1/conversations', { token: warm });
      await sleep(300);

      const token = await one.token('rita', 'acme');
      const statuses: number[] = [];
      for (const api of [one, two, one, two]) {
        statuses.push((await api.request('GET', '/api/v1/conversations', { token })).status);
      }
      expect(statuses).to.deep.equal([200, 200, 200, 429]);
      const keys = await inspector.keys('*');
      const rita = userLimitKey({ userId: 'rita', tenantId: 'acme', roles: [], scopes: [] });
      expect(keys).to.include(`rl:default:${rita}`);
    } finally {
      inspector.disconnect();
      await one.close();
      await two.close();
      await embedded.close();
    }
  });
});

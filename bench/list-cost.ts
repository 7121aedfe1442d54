// What `GET /api/v1/conversations` costs in DynamoDB reads as a user's conversations grow:
// the app on the embedded store, one user given 10, then 100, then 1,000 conversations (each
// with one turn), and every read the list makes metered in read capacity units as DynamoDB
// bills them (test/support/dynamo-capacity.ts). Run: `npm run bench:list` (about a minute).
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { createApp } from '../app/src/app.js';
import { fixedSecret } from '../app/src/auth/secret-sources.js';
import { composeDependencies } from '../app/src/compose.js';
import { loadConfig } from '../app/src/config.js';
import { createLogger } from '../app/src/observability/logger.js';
import { createDynamo } from '../app/src/storage/dynamo.js';
import { ensureTables, startEmbeddedDynamo } from '../app/src/storage/local-dynamo.js';
import { meterReads } from '../test/support/dynamo-capacity.js';
import { apiCall } from './support/api-call.js';
import { signedToken } from '../test/support/tokens.js';

const SECRET = 'list-cost-secret-of-at-least-32-bytes!';
const sizes = [10, 100, 1000];

async function main(): Promise<void> {
  const store = await startEmbeddedDynamo();
  const unlimited = '10000000/1';
  const config = loadConfig({
    STAGE: 'bench',
    JWT_SECRET: SECRET,
    DYNAMODB_ENDPOINT: store.endpoint,
    RATE_LIMIT_INITIATE: unlimited,
    RATE_LIMIT_DEFAULT: unlimited,
    RATE_LIMIT_ANONYMOUS: unlimited,
  });
  const dynamo = createDynamo({
    region: 'us-east-1',
    endpoint: store.endpoint,
    localCredentials: true,
  });
  await ensureTables(dynamo.client, config.tables);
  const meter = meterReads(dynamo.client);
  const app = createApp(
    composeDependencies(config, createLogger('error', { silent: true }), {
      dynamo,
      secretSource: fixedSecret(SECRET),
    }),
  );
  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const bearer = await signedToken(SECRET, { user_id: 'lister', tenant_id: 'acme' });

  const measure = async (path: string) => {
    meter.reset();
    const body = await apiCall(url, 'GET', path, bearer);
    return { ...meter.reads, body };
  };

  const rows: string[] = [];
  let held = 0;
  try {
    for (const size of sizes) {
      for (; held < size; held++) {
        const created = await apiCall(url, 'POST', '/api/v1/conversations/initiate', bearer, {
          topic: 'core_values',
        });
        await apiCall(
          url,
          'POST',
          `/api/v1/conversations/${String(created.conversation_id)}/message`,
          bearer,
          {
            user_message: `Honesty and craft matter to me (${held}).`,
          },
        );
      }
      const cell = (m: { calls: number; units: number }) => `${m.units} RCU in ${m.calls} reads`;
      const first = await measure('/api/v1/conversations');
      const cursor = first.body.next_cursor;
      const next =
        typeof cursor === 'string'
          ? cell(await measure(`/api/v1/conversations?cursor=${encodeURIComponent(cursor)}`))
          : '(one page holds them all)';
      const fifth = await measure('/api/v1/conversations?page=5');
      rows.push(`| ${size} | ${cell(first)} | ${next} | ${cell(fifth)} |`);
    }
  } finally {
    server.closeAllConnections();
    server.close();
    dynamo.client.destroy();
    await store.close();
  }
  process.stdout.write(
    [
      '| conversations | first page (20) | next page by cursor | page 5 by number |',
      '|---|---|---|---|',
      ...rows,
      '',
    ].join('\n'),
  );
}

void main();

// DynamoDB calls per route, counted by SDK middleware on the app's own client: one count per
// command the app sends (retries are not counted, so the figure is deterministic).
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { SignJWT } from 'jose';
import { apiCall } from './api-call.js';
import { createApp } from '../../app/src/app.js';
import { fixedSecret } from '../../app/src/auth/secret-sources.js';
import { composeDependencies } from '../../app/src/compose.js';
import { loadConfig } from '../../app/src/config.js';
import { createLogger } from '../../app/src/observability/logger.js';
import { createDynamo } from '../../app/src/storage/dynamo.js';

const analyses: Record<string, unknown> = {
  alignment: {
    text_to_analyze: 'We grow a small design studio by taking every project that pays well.',
    context: { purpose: 'Help small makers be seen', core_values: ['craft', 'honesty'] },
  },
  strategy: { current_strategy: 'Cold outreach to fifty prospects a week, discounts to close.' },
  kpi: { current_kpis: ['Monthly recurring revenue', 'Churn rate', 'Net promoter score'] },
  operations: {
    analysis_type: 'swot',
    description: 'A two-person studio that misses deadlines when three projects overlap.',
  },
};

export async function countDynamoCalls(
  env: NodeJS.ProcessEnv,
  secret: string,
): Promise<Record<string, number>> {
  const config = loadConfig(env);
  const dynamo = createDynamo({
    region: config.region,
    endpoint: config.dynamodbEndpoint,
    localCredentials: true,
  });
  let calls = 0;
  dynamo.client.middlewareStack.add(
    (next) => (args) => {
      calls++;
      return next(args);
    },
    { step: 'initialize', name: 'benchDynamoCallCounter' },
  );
  const app = createApp(
    composeDependencies(config, createLogger('error', { silent: true }), {
      dynamo,
      secretSource: fixedSecret(secret),
    }),
  );
  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const bearer = await new SignJWT({ user_id: 'calls-user', tenant_id: 'calls-tenant' })
    .setProtectedHeader({ alg: 'HS256' })
    .setExpirationTime('1h')
    .sign(new TextEncoder().encode(secret));

  const counts: Record<string, number> = {};
  async function measure(name: string, method: string, path: string, body?: unknown) {
    calls = 0;
    const answer = await apiCall(url, method, path, bearer, body);
    counts[name] = calls;
    return answer;
  }

  try {
    const created = await measure('initiate', 'POST', '/api/v1/conversations/initiate', {
      topic: 'core_values',
    });
    const id = String(created.conversation_id);
    const conversation = `/api/v1/conversations/${id}`;
    // A few turns first, so the message figure is a turn's in a conversation under way.
    for (let i = 0; i < 3; i++) {
      await measure('message', 'POST', `${conversation}/message`, {
        user_message: `Honesty and craft matter to me (${i}).`,
      });
    }
    await measure('get', 'GET', conversation);
    // Past the item's 12-message recent window, the turn items are read too.
    for (let i = 3; i < 7; i++) {
      await measure('message', 'POST', `${conversation}/message`, {
        user_message: `Generosity and courage matter to me (${i}).`,
      });
    }
    await measure('get_long', 'GET', conversation);
    await measure('list', 'GET', '/api/v1/conversations');
    await measure('pause', 'POST', `${conversation}/pause`, {});
    await measure('resume', 'POST', `${conversation}/resume`);
    await measure('complete', 'POST', `${conversation}/complete`, { rating: 5 });
    let analysisId = '';
    for (const [type, body] of Object.entries(analyses)) {
      const result = await measure(`analysis_${type}`, 'POST', `/api/v1/analysis/${type}`, body);
      analysisId = String(result.analysis_id);
    }
    await measure('analysis_get', 'GET', `/api/v1/analysis/${analysisId}`);
    await measure('delete', 'DELETE', conversation);
    return counts;
  } finally {
    server.closeAllConnections();
    server.close();
    dynamo.client.destroy();
  }
}

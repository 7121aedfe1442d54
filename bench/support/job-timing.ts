// How long a client waits for a `202` from a message job against a buffered turn's answer, in
// the same run and on the same store: with the offline model (the service's own cost) and with
// a model that takes a second (where the 202 does not wait for it and the buffered turn does).
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { apiCall } from './api-call.js';
import { createApp } from '../../app/src/app.js';
import { fixedSecret } from '../../app/src/auth/secret-sources.js';
import { composeDependencies } from '../../app/src/compose.js';
import { loadConfig } from '../../app/src/config.js';
import { createOfflineProvider } from '../../app/src/llm/offline.js';
import type { LlmProvider } from '../../app/src/llm/port.js';
import { createLogger } from '../../app/src/observability/logger.js';
import { createDynamo } from '../../app/src/storage/dynamo.js';
import { signedToken } from '../../test/support/tokens.js';

export interface JobTiming {
  readonly model_ms: number;
  readonly buffered_ms: number;
  readonly accepted_ms: number;
  /** accepted / buffered: how much of a buffered turn's wait the 202 costs. */
  readonly ratio: number;
}

/** The offline coach, answering after `delayMs` as a model that takes its time would. */
function modelTaking(delayMs: number): LlmProvider {
  const offline = createOfflineProvider();
  return {
    ...offline,
    generate: async (request) => {
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      return offline.generate(request);
    },
  };
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

export async function timeJobs(
  env: NodeJS.ProcessEnv,
  secret: string,
  options: { readonly modelMs: number; readonly rounds: number },
): Promise<JobTiming> {
  const config = loadConfig(env);
  const dynamo = createDynamo({
    region: config.region,
    endpoint: config.dynamodbEndpoint,
    localCredentials: true,
  });
  const deps = composeDependencies(config, createLogger('error', { silent: true }), {
    dynamo,
    secretSource: fixedSecret(secret),
    llm: modelTaking(options.modelMs),
  });
  const server = createApp(deps).listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const bearer = await signedToken(secret, { user_id: 'timing-user', tenant_id: 'timing-tenant' });
  const conversation = async () =>
    String(
      (await apiCall(url, 'POST', '/api/v1/conversations/initiate', bearer, { topic: 'purpose' }))
        .conversation_id,
    );
  const timed = async (call: () => Promise<unknown>) => {
    const started = process.hrtime.bigint();
    await call();
    return Number(process.hrtime.bigint() - started) / 1e6;
  };
  const message = { user_message: 'I want my work to help people start again.' };
  try {
    const buffered: number[] = [];
    const accepted: number[] = [];
    // Alternating, each on a conversation of its own (a job holds its conversation).
    for (let i = 0; i < options.rounds; i++) {
      const a = await conversation();
      buffered.push(
        await timed(() =>
          apiCall(url, 'POST', `/api/v1/conversations/${a}/message`, bearer, message),
        ),
      );
      const b = await conversation();
      accepted.push(
        await timed(() =>
          apiCall(url, 'POST', `/api/v1/conversations/${b}/message`, bearer, message, {
            Prefer: 'respond-async',
          }),
        ),
      );
    }
    const bufferedMs = median(buffered);
    const acceptedMs = median(accepted);
    return {
      model_ms: options.modelMs,
      buffered_ms: Math.round(bufferedMs * 10) / 10,
      accepted_ms: Math.round(acceptedMs * 10) / 10,
      ratio: Math.round((acceptedMs / bufferedMs) * 1000) / 1000,
    };
  } finally {
    // The jobs still running get a second to finish before the server goes.
    await deps.jobs.stop(options.modelMs + 1000);
    server.closeAllConnections();
    server.close();
    dynamo.client.destroy();
  }
}

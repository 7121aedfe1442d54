// Local entry: boots the embedded stack (dynalite on disk unless DYNAMODB_ENDPOINT is set,
// prompts from prompts/, the offline model unless configured otherwise) and listens on PORT.
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { createApp } from './app.js';
import { fixedSecret } from './auth/secret-sources.js';
import { composeDependencies, isStandIn } from './compose.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { localJwtSecret } from './auth/local-secret.js';
import { createLogger } from './observability/logger.js';
import { createDynamo } from './storage/dynamo.js';
import { ensureTables, startEmbeddedDynamo, type EmbeddedDynamo } from './storage/local-dynamo.js';

export interface LocalServer {
  readonly url: string;
  readonly config: Config;
  close(): Promise<void>;
}

/** Starts the API on the local stack; `env` replaces process.env (tests pass their own). */
export async function startLocalServer(env: NodeJS.ProcessEnv = process.env): Promise<LocalServer> {
  const config = loadConfig(env);
  const logger = createLogger(config.logLevel, env.LOG_SILENT === 'true');
  let embedded: EmbeddedDynamo | undefined;
  let endpoint = config.dynamodbEndpoint;
  if (!endpoint) {
    embedded = await startEmbeddedDynamo({ path: path.join(config.dataDir, 'dynamodb') });
    endpoint = embedded.endpoint;
  }
  const dynamo = createDynamo({
    region: config.region,
    endpoint,
    localCredentials: isStandIn(endpoint, config.deployed),
  });
  await ensureTables(dynamo.client, config.tables);

  const secretSource =
    config.auth.secret || config.auth.secretArn
      ? undefined
      : fixedSecret(localJwtSecret(config.dataDir));
  // The embedded store serves every DynamoDB use, the rate-limit counters included.
  const app = createApp(
    composeDependencies({ ...config, dynamodbEndpoint: endpoint }, logger, {
      dynamo,
      secretSource,
    }),
  );
  const server = app.listen(config.port, config.host);
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const host = config.host === '0.0.0.0' ? 'localhost' : config.host;
  return {
    url: `http://${host}:${port}`,
    config,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      dynamo.client.destroy();
      await embedded?.close();
    },
  };
}

async function main(): Promise<void> {
  try {
    const server = await startLocalServer();
    const c = server.config;
    process.stdout.write(
      [
        `PurposePath AI Coaching API (stage ${c.stage}) listening on ${server.url}`,
        `  docs:   ${server.url}/docs`,
        `  health: ${server.url}${c.apiPrefix}/health`,
        `  model:  ${c.llm.provider}; data: ${c.dynamodbEndpoint ?? path.resolve(c.dataDir, 'dynamodb')}`,
        `Get a token with:  npm run token -- --user u1 --tenant t1`,
        '',
      ].join('\n'),
    );
    const stop = () => void server.close().then(() => process.exit(0));
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}

if (require.main === module) void main();

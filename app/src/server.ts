// Local entry: boots the embedded stack (dynalite on disk unless DYNAMODB_ENDPOINT is set,
// prompts from prompts/, the offline model unless configured otherwise) and listens on
// HOST:PORT. `npm start` and `npm run dev` (with --dev) run it; `.env` is read when present.
// First, so that an unsupported Node is refused before anything that would fail obscurely.
import './local/supported-node.js';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { createApp } from './app.js';
import { streamedTurnsSettled } from './http/message-stream.js';
import { fixedSecret } from './auth/secret-sources.js';
import { composeDependencies, isStandIn } from './compose.js';
import { ConfigError, loadConfig, withDotEnv, type Config } from './config.js';
import { localJwtSecret } from './auth/local-secret.js';
import { answerClientErrors } from './http/client-errors.js';
import { lockDataFolder } from './local/data-lock.js';
import { trackRequests } from './local/in-flight.js';
import { serverArguments } from './local/server-arguments.js';
import {
  unknownDotEnvSettings,
  unknownSettingLine,
  type UnknownSetting,
} from './local/unknown-settings.js';
import { listenProblem, StartupError } from './local/startup-error.js';
import { logStorageCalls } from './local/storage-debug.js';
import { createLogger, type Logger } from './observability/logger.js';
import { createDynamo } from './storage/dynamo.js';
import { ensureTables, startEmbeddedDynamo } from './storage/local-dynamo.js';

/**
 * How long a stop waits for requests in flight: under the 5 s after which `tsx watch` kills a
 * child that has not exited, and under the 10 s container runtimes give.
 */
const STOP_GRACE_MS = 4000;

/**
 * One Ctrl-C can arrive twice within moments: from the terminal, and relayed by the parent that
 * runs the server (`tsx watch` under npm run dev relays the signal it got too). Only a second
 * signal later than this is a person asking to stop at once.
 */
const SAME_SIGNAL_MS = 1000;

export interface StopReport {
  /** Requests that were in flight, or arrived on open connections, and finished. */
  readonly finished: number;
  /** Requests still running when the grace period ran out, whose connections were closed. */
  readonly cutOff: number;
  /** Jobs that finished during the stop. */
  readonly jobsFinished: number;
  /** Jobs not started or not finished by the end of the grace period: failed (503), freed. */
  readonly jobsFailed: number;
}

export interface LocalServer {
  readonly url: string;
  readonly config: Config;
  /**
   * Stops accepting connections, lets requests in flight finish for up to `graceMs` (none by
   * default), closes the rest, the store and the lock, and logs one line.
   */
  close(graceMs?: number, reason?: string): Promise<StopReport>;
}

export interface LocalServerOptions {
  /** `npm run dev`: any loopback origin passes CORS; refused in deployed stages. */
  readonly dev?: boolean;
  /** Keys of `.env` the service does not read: one warning each at start. */
  readonly unknownSettings?: readonly UnknownSetting[];
}

function localLogger(config: Config): Logger {
  return createLogger(config.logLevel, {
    format: config.logFormat ?? (process.stdout.isTTY ? 'pretty' : 'json'),
    colors: process.stdout.isTTY && process.stdout.hasColors(),
    silent: config.logSilent,
  });
}

/** The address a person types: loopback for the wildcard addresses, brackets for IPv6. */
function displayHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return 'localhost';
  return host.includes(':') ? `[${host}]` : host;
}

/** Starts the API on the local stack; `env` replaces process.env (tests pass their own). */
export async function startLocalServer(
  env: NodeJS.ProcessEnv = process.env,
  options: LocalServerOptions = {},
): Promise<LocalServer> {
  const config = loadConfig(env, { dev: options.dev });
  const logger = localLogger(config);
  for (const setting of options.unknownSettings ?? []) {
    logger.warn({ event: 'unknown_setting', ...setting, hint: unknownSettingLine(setting) });
  }
  // Undone in reverse order, on a failed start as on a stop.
  const teardown: (() => unknown)[] = [];
  const undo = async () => {
    for (const step of teardown.reverse()) await step();
  };
  try {
    let endpoint = config.dynamodbEndpoint;
    if (!endpoint) {
      const lock = lockDataFolder(config.dataDir);
      teardown.push(() => lock.release());
      const embedded = await startEmbeddedDynamo({ path: path.join(config.dataDir, 'dynamodb') });
      teardown.push(() => embedded.close());
      endpoint = embedded.endpoint;
    }
    const dynamo = createDynamo({
      region: config.region,
      endpoint,
      localCredentials: isStandIn(endpoint, config.deployed),
    });
    teardown.push(() => dynamo.client.destroy());
    if (config.logLevel === 'debug') logStorageCalls(dynamo.client, logger);
    await ensureTables(dynamo.client, config.tables, {
      // Another store may take a while to create them (DynamoDB: seconds to a minute).
      onCreated: (tables) => {
        if (config.dynamodbEndpoint) logger.info({ event: 'tables_created', tables });
      },
    }).catch((error: Error) => {
      if (!config.dynamodbEndpoint) throw error;
      throw new StartupError(
        `DYNAMODB_ENDPOINT=${config.dynamodbEndpoint} does not answer (${error.name}: ${error.message}): start that store, or unset DYNAMODB_ENDPOINT to use the embedded one`,
      );
    });

    const secretSource =
      config.auth.secret || config.auth.secretArn
        ? undefined
        : fixedSecret(localJwtSecret(config.dataDir));
    // The embedded store serves every DynamoDB use, the rate-limit counters included.
    const deps = composeDependencies({ ...config, dynamodbEndpoint: endpoint }, logger, {
      dynamo,
      secretSource,
      // The prompt templates' history is kept beside the data, across restarts.
      promptHistoryDir: path.join(config.dataDir, 'prompts'),
    });
    // This server runs its jobs itself: whatever a previous run left open can never finish.
    const abandoned = await deps.jobs.failUnfinished();
    if (abandoned > 0) logger.info({ event: 'jobs_failed_at_start', jobs: abandoned });
    const app = createApp(deps);
    const server = createServer(app.callback());
    answerClientErrors(server, logger);
    const requests = trackRequests(server);
    server.listen(config.port, config.host);
    await once(server, 'listening').catch((error: unknown) => {
      throw listenProblem(error, config.host, config.port);
    });
    const closed = new Promise<void>((resolve) => server.once('close', () => resolve()));
    teardown.push(() => closed);
    teardown.push(() => server.close());

    const { port } = server.address() as AddressInfo;
    logger.debug({
      event: 'configuration',
      stage: config.stage,
      dev: config.dev,
      host: config.host,
      port,
      llm_provider: config.llm.provider,
      store: config.dynamodbEndpoint ?? path.resolve(config.dataDir, 'dynamodb'),
      prompts: config.prompts.bucket ? `s3://${config.prompts.bucket}` : config.prompts.dir,
      cors_origins: config.corsOrigins,
      rate_limit_store: config.rateLimits.store,
      tables: config.tables,
    });
    return {
      url: `http://${displayHost(config.host)}:${port}`,
      config,
      async close(graceMs = 0, reason = 'close') {
        const started = Date.now();
        server.close();
        server.closeIdleConnections();
        const report = await requests.drain(graceMs);
        // A streamed turn whose client hung up still commits, within what is left of the grace.
        const left = graceMs - (Date.now() - started);
        if (left > 0) {
          await Promise.race([
            streamedTurnsSettled(),
            new Promise((resolve) => setTimeout(resolve, left).unref()),
          ]);
        }
        server.closeAllConnections();
        // Jobs share the grace period: what has not finished by its end fails and lets go.
        const jobs = await deps.jobs.stop(Math.max(0, graceMs - (Date.now() - started)));
        await undo();
        logger.info({
          event: 'server_stopped',
          reason,
          requests_finished: report.finished,
          requests_cut_off: report.cutOff,
          jobs_finished: jobs.finished,
          jobs_failed: jobs.failed,
          duration_ms: Date.now() - started,
        });
        return { ...report, jobsFinished: jobs.finished, jobsFailed: jobs.failed };
      },
    };
  } catch (error) {
    await undo();
    throw error;
  }
}

function banner(server: LocalServer): string {
  const c = server.config;
  return [
    `PurposePath AI Coaching API (stage ${c.stage}) listening on ${server.url}`,
    ...(c.host === '0.0.0.0' || c.host === '::'
      ? [`  on every network interface (HOST=${c.host})`]
      : []),
    `  docs:   ${server.url}/docs`,
    `  health: ${server.url}${c.apiPrefix}/health`,
    `  model:  ${c.llm.provider}; data: ${c.dynamodbEndpoint ?? path.resolve(c.dataDir, 'dynamodb')}`,
    ...(c.dev
      ? [
          '  dev:    restarts when a file under app/ or prompts/ changes; any http://localhost:<port> or http://127.0.0.1:<port> origin may call it',
        ]
      : []),
    `Get a token with:  npm run token -- --user u1 --tenant t1`,
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  let server: LocalServer;
  try {
    const args = serverArguments(process.argv.slice(2));
    server = await startLocalServer(
      { ...withDotEnv(), ...args.settings },
      { dev: args.dev, unknownSettings: unknownDotEnvSettings() },
    );
  } catch (error) {
    const known = error instanceof ConfigError || error instanceof StartupError;
    const message = known
      ? (error as Error).message
      : `Start-up failed: ${String((error as Error)?.stack ?? error)}`;
    process.stderr.write(`${message}\n`);
    process.exit(1);
  }
  let stopping: { readonly signal: NodeJS.Signals; readonly at: number } | undefined;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      if (signal === stopping.signal && Date.now() - stopping.at < SAME_SIGNAL_MS) return;
      process.exit(1); // a second Ctrl-C does not wait
    }
    stopping = { signal, at: Date.now() };
    void server.close(STOP_GRACE_MS, signal).then(
      () => {
        // Exit once what was logged has been written out (stdout may be an asynchronous pipe),
        // or after a second when stdout is gone (a closed terminal never calls back).
        setTimeout(() => process.exit(0), 1000);
        process.stdout.write('', () => process.exit(0));
      },
      (error: unknown) => {
        process.stderr.write(`Stopping failed: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  process.on('SIGHUP', stop); // the terminal it ran in was closed
  // Only now: whoever waits for the banner may signal at once, and must find the handlers.
  process.stdout.write(banner(server));
}

if (require.main === module) void main();

// Starts the real app in this process, on an ephemeral port, against an embedded DynamoDB behind
// DynamoDB's own limits (dynamo-guard.ts), and gives tests what a client has (a base URL, tokens
// and a fetch wrapper) plus what a test needs to look behind it: the stored items, and hooks
// that hold or fail a storage call.
import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { createApp } from '../../app/src/app.js';
import { fixedSecret } from '../../app/src/auth/secret-sources.js';
import { composeDependencies, type Overrides } from '../../app/src/compose.js';
import { loadConfig, type Config } from '../../app/src/config.js';
import type { LogFields, Logger } from '../../app/src/observability/logger.js';
import { type CallTiming, createDynamo, type Dynamo } from '../../app/src/storage/dynamo.js';
import { startEmbeddedDynamo, type EmbeddedDynamo } from '../../app/src/storage/local-dynamo.js';
import type { TableId } from '../../app/src/storage/tables.js';
import { dynamoWithTables } from './embedded-store.js';
import { startDynamoFaultProxy, type DynamoFaultProxy } from './dynamo-fault-proxy.js';
import { guardLikeDynamoDb } from './dynamo-guard.js';
import { installDynamoHooks, type DynamoHooks } from './dynamo-hooks.js';
import {
  expectConforms,
  ServedDocument,
  type Exchange,
  type OpenApiDocument,
} from './served-document.js';
import { signedToken } from './tokens.js';

export const TEST_SECRET = 'test-secret-of-at-least-thirty-two-bytes!';

export interface Response<T = Record<string, unknown>> {
  readonly status: number;
  readonly headers: Headers;
  readonly body: T;
  readonly text: string;
}

export interface RequestOptions {
  readonly token?: string | null;
  readonly body?: unknown;
  /** Sent as is (no JSON encoding), for malformed-body tests. */
  readonly rawBody?: string | Buffer;
  readonly headers?: Record<string, string>;
}

/** A logger that keeps its lines, so tests can check what was (and was not) logged. */
export function memoryLogger(): Logger & { lines: LogFields[] } {
  const lines: (LogFields & { level: string })[] = [];
  const at = (level: string) => (fields: LogFields) => void lines.push({ level, ...fields });
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

export interface TestApi {
  readonly url: string;
  readonly config: Config;
  /** The test's own client: straight to the store, past any fault proxy. */
  readonly dynamo: Dynamo;
  /** The proxy between the app and its store, when started with `faults`. */
  readonly proxy?: DynamoFaultProxy;
  readonly logger: ReturnType<typeof memoryLogger>;
  /** Holds or fails the app's next matching storage call. */
  readonly hooks: DynamoHooks;
  /** Every item of a table, read with a Scan (a test may; the app never does). */
  items(table: TableId): Promise<Record<string, unknown>[]>;
  token(user: string, tenant: string, claims?: Record<string, unknown>): Promise<string>;
  /** Sends a request; the response must match the app's served /openapi.json. */
  request<T = Record<string, unknown>>(
    method: string,
    path: string,
    options?: RequestOptions,
  ): Promise<Response<T>>;
  /** Checks a response got by other means (a raw socket) against the served document. */
  expectDocumented(exchange: Exchange): Promise<void>;
  close(): Promise<void>;
}

let tableSet = 0;

export interface StartOptions {
  readonly env?: Record<string, string>;
  readonly overrides?: Overrides;
  /** Reuse one embedded store across apps (e.g. a restart test); otherwise one is started. */
  readonly embedded?: EmbeddedDynamo;
  /**
   * Puts a fault proxy (dynamo-fault-proxy.ts) between the app's data client and the store, with
   * this seed; `timing` replaces that client's deadlines. The test's own reads go straight.
   */
  readonly faults?: { readonly seed: number; readonly timing?: CallTiming };
}

export async function startApi(options: StartOptions = {}): Promise<TestApi> {
  const embedded = options.embedded ?? (await startEmbeddedDynamo());
  const config = loadConfig({
    STAGE: 'test',
    NAME_SUFFIX: `-t${process.pid}-${++tableSet}`,
    JWT_SECRET: TEST_SECRET,
    DYNAMODB_ENDPOINT: embedded.endpoint,
    // Limits high enough to stay out of the way; the rate-limit tests set their own.
    RATE_LIMIT_INITIATE: '100000/60',
    RATE_LIMIT_ANALYSIS: '100000/60',
    RATE_LIMIT_DEFAULT: '100000/60',
    RATE_LIMIT_ANONYMOUS: '100000/60',
    ...options.env,
  });
  const dynamo = await dynamoWithTables(embedded.endpoint, config.tables, config.region);
  const proxy = options.faults
    ? await startDynamoFaultProxy(embedded.endpoint, { seed: options.faults.seed })
    : undefined;
  const appDynamo = proxy
    ? createDynamo({
        region: config.region,
        endpoint: proxy.endpoint,
        localCredentials: true,
        timing: options.faults?.timing,
      })
    : dynamo;
  const hooks = installDynamoHooks(appDynamo.client);
  const logger = memoryLogger();
  // Tests that exercise Secrets Manager name JWT_SECRET_ARN; the rest sign with TEST_SECRET.
  const secretSource = config.auth.secretArn ? undefined : fixedSecret(TEST_SECRET);
  const instrument = options.overrides?.instrument;
  const deps = composeDependencies(config, logger, {
    dynamo: appDynamo,
    secretSource,
    ...options.overrides,
    // Every DynamoDB client the app builds (its data and its limiter store) meets DynamoDB's limits.
    instrument: (client) => guardLikeDynamoDb(instrument ? instrument(client) : client),
  });
  const app = createApp(deps);
  const server: Server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  let served: Promise<ServedDocument> | undefined;
  const document = () =>
    (served ??= fetch(`${url}/openapi.json`)
      .then((r) => r.json() as Promise<OpenApiDocument>)
      .then((doc) => new ServedDocument(doc, [config.stage, config.apiMappingKey])));
  const expectDocumented = async (exchange: Exchange) => expectConforms(await document(), exchange);

  return {
    url,
    config,
    dynamo,
    proxy,
    logger,
    hooks,
    async items(table) {
      const items: Record<string, unknown>[] = [];
      let start: Record<string, unknown> | undefined;
      do {
        const page = await dynamo.doc.send(
          new ScanCommand({ TableName: config.tables[table], ExclusiveStartKey: start }),
        );
        items.push(...(page.Items ?? []));
        start = page.LastEvaluatedKey;
      } while (start);
      return items;
    },
    token(user, tenant, claims = {}) {
      return signedToken(TEST_SECRET, { user_id: user, tenant_id: tenant, ...claims });
    },
    async request<T>(
      method: string,
      path: string,
      opts: RequestOptions = {},
    ): Promise<Response<T>> {
      const headers: Record<string, string> = { ...opts.headers };
      if (opts.token) headers.Authorization = `Bearer ${opts.token}`;
      let body: string | Buffer | undefined;
      if (opts.rawBody !== undefined) body = opts.rawBody;
      else if (opts.body !== undefined) {
        body = JSON.stringify(opts.body);
        headers['Content-Type'] ??= 'application/json';
      }
      const response = await fetch(`${url}${path}`, { method, headers, body });
      const text = await response.text();
      let parsed: unknown = undefined;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        parsed = undefined;
      }
      await expectDocumented({
        method,
        path,
        status: response.status,
        header: (name) => response.headers.get(name),
        text,
      });
      return { status: response.status, headers: response.headers, body: parsed as T, text };
    },
    expectDocumented,
    async close() {
      // Jobs still running in this process get a few seconds, then fail, before their store goes.
      await deps.jobs.stop(5000);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await proxy?.close();
      if (appDynamo !== dynamo) appDynamo.client.destroy();
      dynamo.client.destroy();
      if (!options.embedded) await embedded.close();
    },
  };
}

/** Where a conversation takes a message. */
export const messagePath = (conversationId: string) =>
  `/api/v1/conversations/${conversationId}/message`;

/** Sends `text` to a conversation as its user, the way a client posts a message. */
export function sendMessage<T = Record<string, unknown>>(
  api: TestApi,
  token: string,
  conversationId: string,
  text: string,
  headers: Record<string, string> = {},
): Promise<Response<T>> {
  return api.request<T>('POST', messagePath(conversationId), {
    token,
    body: { user_message: text },
    headers,
  });
}

/** Initiates a conversation and returns its id. */
export async function initiate(
  api: TestApi,
  token: string,
  topic = 'core_values',
): Promise<string> {
  const response = await api.request<{ conversation_id: string }>(
    'POST',
    '/api/v1/conversations/initiate',
    {
      token,
      body: { topic },
    },
  );
  if (response.status !== 201)
    throw new Error(`initiate answered ${response.status}: ${response.text}`);
  return response.body.conversation_id;
}

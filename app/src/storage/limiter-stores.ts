// The rate limiters' shared stores: RateLimiterDynamo on the rate-limits table (so limits hold
// across Lambda instances) and RateLimiterRedis. Each store's client library loads only when a
// store is built; each says how long a count may take on it, sized for that store's latency.
import type { RateLimiterAbstract, RateLimiterRedis } from 'rate-limiter-flexible';
import RateLimiterDynamo from 'rate-limiter-flexible/lib/RateLimiterDynamo.js';
import RedisLimiter from 'rate-limiter-flexible/lib/RateLimiterRedis.js';
import type { Logger } from '../observability/logger.js';

/**
 * DynamoDB answers in milliseconds when warm, but a cold instance's first call opens a TLS
 * connection and a throttled one is retried: a count may take up to this long before the
 * instance counts on its own. Within it, one request and one retry fit their own timeouts.
 */
const DYNAMODB_COUNT_MS = 2500;
const DYNAMODB_REQUEST_MS = 1000;

/** Redis sits beside the function in its VPC: a count that takes longer than this is lost. */
const REDIS_COUNT_MS = 250;

/** What rate-limiter-flexible builds a store limiter from, less the store's client. */
type StoreLimiterOptions = Omit<ConstructorParameters<typeof RateLimiterRedis>[0], 'storeClient'>;

/** A shared store: how long a count may take on it, and the limiter of one class on it. */
export interface LimiterStore {
  readonly timeoutMs: number;
  build(options: StoreLimiterOptions): RateLimiterAbstract;
}

export interface DynamoLimiterStoreOptions {
  readonly region: string;
  readonly endpoint?: string;
  /** Fixed credentials for a stand-in (dynalite, DynamoDB Local), which accepts any key. */
  readonly localCredentials: boolean;
  /** The rate-limits table from storage/tables.ts (Pulumi or ensureTables creates it). */
  readonly tableName: string;
  /** Applied to the client (the Lambda entry's X-Ray tracing). */
  readonly instrument: <C extends object>(client: C) => C;
}

export async function dynamoLimiterStore(
  options: DynamoLimiterStoreOptions,
): Promise<LimiterStore> {
  const [{ DynamoDB }, { NodeHttpHandler }] = await Promise.all([
    import('@aws-sdk/client-dynamodb'),
    import('@smithy/node-http-handler'),
  ]);
  // The aggregated DynamoDB class: RateLimiterDynamo calls its methods by name.
  const client = options.instrument(
    new DynamoDB({
      region: options.region,
      endpoint: options.endpoint,
      maxAttempts: 2,
      requestHandler: new NodeHttpHandler({
        connectionTimeout: DYNAMODB_REQUEST_MS,
        requestTimeout: DYNAMODB_REQUEST_MS,
        throwOnRequestTimeout: true,
      }),
      ...(options.localCredentials
        ? { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }
        : {}),
    }),
  );
  return {
    timeoutMs: DYNAMODB_COUNT_MS,
    build: (limiter) =>
      new RateLimiterDynamo({
        ...limiter,
        storeClient: client,
        tableName: options.tableName,
        tableCreated: true,
        ttlSet: true,
      }),
  };
}

export interface RedisLimiterStoreOptions {
  /** `host` or `host:port` (REDIS_CLUSTER_ENDPOINT). */
  readonly endpoint: string;
  readonly tls: boolean;
  readonly password?: string;
}

export async function redisLimiterStore(
  options: RedisLimiterStoreOptions,
  logger: Logger,
): Promise<LimiterStore> {
  const { Redis } = await import('ioredis');
  const [host = options.endpoint, port = '6379'] = options.endpoint.split(':');
  const client = new Redis({
    host,
    port: Number(port),
    password: options.password,
    tls: options.tls ? {} : undefined,
    enableOfflineQueue: false,
    connectTimeout: 1000,
    commandTimeout: REDIS_COUNT_MS,
    maxRetriesPerRequest: 1,
  });
  client.on('error', (error: Error) =>
    logger.warn({ event: 'rate_limiter_store_error', reason: error.message }),
  );
  return {
    timeoutMs: REDIS_COUNT_MS,
    build: (limiter) =>
      new RedisLimiter({ ...limiter, storeClient: client, useRedisPackage: false }),
  };
}

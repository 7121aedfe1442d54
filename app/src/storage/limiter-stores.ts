// The rate limiters' shared stores: RateLimiterDynamo on the rate-limits table (so limits hold
// across Lambda instances) and RateLimiterRedis. Each store's client library loads only when a
// store is built, with timeouts short enough that a request never waits long on it.
import {
  RateLimiterDynamo,
  RateLimiterRedis,
  type RateLimiterAbstract,
} from 'rate-limiter-flexible';
import type { Logger } from '../observability/logger.js';

/** How long a store may take before the in-process insurance limiter answers instead. */
export const LIMITER_STORE_TIMEOUT_MS = 250;

/** What rate-limiter-flexible builds a store limiter from, less the store's client. */
type StoreLimiterOptions = Omit<ConstructorParameters<typeof RateLimiterRedis>[0], 'storeClient'>;

/** Builds the shared-store limiter of one limit class. */
export type LimiterStore = (options: StoreLimiterOptions) => RateLimiterAbstract;

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
      maxAttempts: 1,
      requestHandler: new NodeHttpHandler({
        connectionTimeout: LIMITER_STORE_TIMEOUT_MS,
        requestTimeout: LIMITER_STORE_TIMEOUT_MS,
        throwOnRequestTimeout: true,
      }),
      ...(options.localCredentials
        ? { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }
        : {}),
    }),
  );
  return (limiter) =>
    new RateLimiterDynamo({
      ...limiter,
      storeClient: client,
      tableName: options.tableName,
      tableCreated: true,
      ttlSet: true,
    });
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
    commandTimeout: LIMITER_STORE_TIMEOUT_MS,
    maxRetriesPerRequest: 1,
  });
  client.on('error', (error: Error) =>
    logger.warn({ event: 'rate_limiter_store_error', reason: error.message }),
  );
  return (limiter) =>
    new RateLimiterRedis({ ...limiter, storeClient: client, useRedisPackage: false });
}

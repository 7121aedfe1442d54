// The DynamoDB clients every repository shares, and the one place that decides which storage
// failures are a dependency being down (503) rather than a bug.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  DynamoDBDocumentClient,
  QueryCommand,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { ServiceUnavailableError } from '../errors.js';
import { budgetedRetries, CALL_TIMING, type CallTiming } from './dynamo-retries.js';

export interface DynamoOptions {
  readonly region: string;
  readonly endpoint?: string;
  /** Fixed credentials for a stand-in (dynalite, DynamoDB Local), which accepts any key. */
  readonly localCredentials?: boolean;
  /** An attempt's and a call's deadlines (dynamo-retries.ts); a test may shorten them. */
  readonly timing?: CallTiming;
}

export interface Dynamo {
  readonly client: DynamoDBClient;
  readonly doc: DynamoDBDocumentClient;
}

export function createDynamo(options: DynamoOptions): Dynamo {
  const timing = options.timing ?? CALL_TIMING;
  const client = new DynamoDBClient({
    region: options.region,
    endpoint: options.endpoint,
    retryStrategy: budgetedRetries(timing),
    requestHandler: new NodeHttpHandler({
      connectionTimeout: Math.min(1000, timing.attemptMs),
      requestTimeout: timing.attemptMs,
      // Without it a request past requestTimeout is only logged, and waits on.
      throwOnRequestTimeout: true,
    }),
    ...(options.localCredentials
      ? { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }
      : {}),
  });
  const doc = DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true },
  });
  return { client, doc };
}

const unavailableNames = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'InternalServerError',
  'ServiceUnavailable',
  'ResourceNotFoundException',
  'TimeoutError',
  'AbortError',
  'RequestTimeout',
  'RequestTimeoutException',
]);
const unavailableCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
]);

function isConditionFailure(error: unknown): boolean {
  return (error as { name?: string } | null)?.name === 'ConditionalCheckFailedException';
}

/**
 * A conditional write: what it answered, or undefined when its condition did not hold (the
 * item is not in the state the write expects; the caller says what that means).
 */
export async function ifCondition<T>(write: () => Promise<T>): Promise<T | undefined> {
  try {
    return await storageCall(write);
  } catch (error) {
    if (isConditionFailure(error)) return undefined;
    throw error;
  }
}

/** True when a storage error means "the dependency is down or throttling", not "our bug". */
export function isUnavailable(error: unknown): boolean {
  const e = error as { name?: string; code?: string; $metadata?: { httpStatusCode?: number } };
  return (
    unavailableNames.has(e.name ?? '') ||
    unavailableCodes.has(e.code ?? '') ||
    (e.$metadata?.httpStatusCode ?? 0) >= 500
  );
}

/** Every item a query finds, page after page. */
export async function queryAll(
  doc: DynamoDBDocumentClient,
  input: QueryCommandInput,
): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await storageCall(() =>
      doc.send(new QueryCommand({ ...input, ExclusiveStartKey: start })),
    );
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

/** One put or delete of a batch write. */
export type WriteRequest =
  | { readonly PutRequest: { readonly Item: Record<string, unknown> } }
  | { readonly DeleteRequest: { readonly Key: Record<string, unknown> } };

/**
 * Writes the requests 25 at a time (BatchWriteItem's limit), retrying what DynamoDB left
 * unprocessed; what is still left after a few tries is a 503, so the client's retry resumes.
 */
export async function writeInBatches(
  doc: DynamoDBDocumentClient,
  table: string,
  all: readonly WriteRequest[],
): Promise<void> {
  for (let i = 0; i < all.length; i += 25) {
    let requests = all.slice(i, i + 25);
    for (let attempt = 0; requests.length > 0 && attempt < 5; attempt++) {
      const result = await storageCall(() =>
        doc.send(new BatchWriteCommand({ RequestItems: { [table]: [...requests] } })),
      );
      requests = (result.UnprocessedItems?.[table] ?? []) as WriteRequest[];
    }
    if (requests.length > 0) throw new ServiceUnavailableError('dynamodb', 2, 'throttled');
  }
}

/** Runs a storage call, turning an unavailable store into ServiceUnavailableError. */
export async function storageCall<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (isUnavailable(error)) {
      throw new ServiceUnavailableError('dynamodb', 2, (error as Error).message);
    }
    throw error;
  }
}

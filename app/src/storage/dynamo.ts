// The DynamoDB clients every repository shares, the one place that decides which storage
// failures are a dependency being down (503) rather than a bug, and the two ways a write that may
// be sent more than once stays a single write: a conditional write that recognises its own
// earlier success, and a transaction under a ClientRequestToken of its own; and how the client
// retries within a deadline (below).
import { createHash } from 'node:crypto';
import {
  DynamoDBClient,
  type AttributeValue,
  type DynamoDBClientConfig,
} from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  BatchWriteCommand,
  DynamoDBDocumentClient,
  type BatchGetCommandInput,
  QueryCommand,
  TransactWriteCommand,
  type QueryCommandInput,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { ServiceUnavailableError } from '../errors.js';

export interface DynamoOptions {
  readonly region: string;
  readonly endpoint?: string;
  /** Fixed credentials for a stand-in (dynalite, DynamoDB Local), which accepts any key. */
  readonly localCredentials?: boolean;
  /** An attempt's and a call's deadlines (budgetedRetries, below); a test may shorten them. */
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
  'TransactionInProgressException',
]);
const unavailableCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
]);

type Item = Record<string, unknown>;

function isConditionFailure(error: unknown): boolean {
  return (error as { name?: string } | null)?.name === 'ConditionalCheckFailedException';
}

/** DynamoDB's attribute form, as an error carries it (the document client leaves errors alone). */
const itemOf = (raw: Record<string, AttributeValue> | undefined): Item | undefined =>
  raw ? unmarshall(raw) : undefined;

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

/**
 * A conditional write that knows its own earlier success. The write asks for the item it may be
 * refused on (`ReturnValuesOnConditionCheckFailure: ALL_OLD`) and `mine` tells from an item
 * whether this very write is in it (an id only this write sets). So a write the SDK sent again
 * after its first attempt landed, and was refused for the change it made itself, is a success;
 * and one whose every answer was lost is read back (`readBack`) before anyone is told: in it,
 * a success; not in it, the store's failure stands (503), since nothing was written. The item is
 * the write's own answer (ReturnValues), the one it was refused on, or the one read back.
 */
export async function ownWrite(
  write: () => Promise<{ readonly Attributes?: Item }>,
  mine: (item: Item) => boolean,
  readBack: () => Promise<Item | undefined>,
): Promise<{ readonly written: boolean; readonly item?: Item }> {
  try {
    return { written: true, item: (await storageCall(write)).Attributes };
  } catch (error) {
    if (isConditionFailure(error)) {
      const item = itemOf((error as { Item?: Record<string, AttributeValue> }).Item);
      return { written: item !== undefined && mine(item), item };
    }
    if (!(error instanceof ServiceUnavailableError)) throw error;
    const item = await readBack();
    if (item && mine(item)) return { written: true, item };
    throw error;
  }
}

/** A ClientRequestToken of at most 36 characters, the same for the same parts. */
export function requestToken(...parts: readonly string[]): string {
  return createHash('sha256').update(parts.join('\n')).digest('base64url').slice(0, 36);
}

/** One action of a transaction, as the document client takes it. */
export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * How long a write whose answer was lost is sent again by default: a store back within it takes
 * the write, and a route still answers well within API Gateway's 30 s.
 */
const RESEND_MS = 6000;

/**
 * A transaction sent until the store answers it, all under one ClientRequestToken, so that
 * within DynamoDB's ten minutes a repeat of one that landed is a success that writes nothing:
 * however often it is sent (by the SDK's retries, then by these), it is written once. A refusal
 * by a condition is an answer (`refused`: nothing was written); a conflict
 * with another writer of one of its items wrote nothing and is tried again. Once `deadline`
 * (epoch ms; RESEND_MS from now by default) leaves no room for another call, the last failure
 * is thrown: the transaction may or may not have landed, and only the caller knows how to read
 * which.
 */
export async function transactOnce(
  doc: DynamoDBDocumentClient,
  items: readonly TransactItem[],
  token: string,
  deadline = Date.now() + RESEND_MS,
): Promise<'written' | 'refused'> {
  for (let attempt = 1; ; attempt++) {
    let failure: Error;
    try {
      await storageCall(() =>
        doc.send(
          new TransactWriteCommand({ TransactItems: [...items], ClientRequestToken: token }),
        ),
      );
      return 'written';
    } catch (error) {
      const reasons = (error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons;
      if ((error as Error).name === 'TransactionCanceledException' && reasons) {
        if (reasons.some((r) => r.Code === 'ConditionalCheckFailed')) return 'refused';
        if (!reasons.some((r) => r.Code === 'TransactionConflict')) throw error;
        failure = new ServiceUnavailableError('dynamodb', 1, 'a transaction conflict');
      } else if (error instanceof ServiceUnavailableError) failure = error;
      else throw error;
    }
    const wait = 50 * 2 ** Math.min(attempt, 4) * Math.random();
    if (Date.now() + wait + CALL_TIMING.callMs > deadline) throw failure;
    await pause(wait);
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

/** Rounds for keys left unprocessed, each after a longer pause, before the read fails. */
const UNPROCESSED_ROUNDS = 5;

/**
 * Every item a BatchGetItem asks for (at most 100 keys), by table: a call, plus one for keys
 * DynamoDB leaves unprocessed, which it does only past 16 MB or under throttling.
 */
export async function batchGetAll(
  doc: DynamoDBDocumentClient,
  request: NonNullable<BatchGetCommandInput['RequestItems']>,
): Promise<Record<string, Record<string, unknown>[]>> {
  const found: Record<string, Record<string, unknown>[]> = {};
  let asking = request;
  for (let round = 1; ; round++) {
    const result = await storageCall(() => doc.send(new BatchGetCommand({ RequestItems: asking })));
    for (const [table, items] of Object.entries(result.Responses ?? {})) {
      (found[table] ??= []).push(...items);
    }
    const unprocessed = result.UnprocessedKeys ?? {};
    if (Object.keys(unprocessed).length === 0) return found;
    if (round === UNPROCESSED_ROUNDS) throw new Error('BatchGetItem left keys unprocessed');
    await new Promise((resolve) => setTimeout(resolve, 25 * 2 ** round));
    asking = unprocessed;
  }
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

// ---- retries within a deadline ----
// How the DynamoDB client retries, within a budget. The SDK retries throttling, 5xx answers and
// network failures (a reset, a timed-out attempt) on its own; its standard strategy knows no
// overall time, so three attempts of a store that accepts connections and never answers, plus
// its back-off, could outlast a route. Here every attempt has a hard deadline (the handler's
// requestTimeout with throwOnRequestTimeout) and a retry is only started when it can end within
// the call's budget. A write whose answer was lost may have landed: what the retry does again
// must be safe to repeat, which is the repositories' concern (docs/reliability.md).

/** The SDK's token-based strategy, as the client's config takes it. */
type RetryStrategyV2 = Extract<
  NonNullable<DynamoDBClientConfig['retryStrategy']>,
  { acquireInitialRetryToken: unknown }
>;
type RetryToken = Awaited<ReturnType<RetryStrategyV2['acquireInitialRetryToken']>>;
type RetryErrorInfo = Parameters<RetryStrategyV2['refreshRetryTokenForRetry']>[1];

export interface CallTiming {
  /** One attempt, connection included: past it the attempt fails as a TimeoutError. */
  readonly attemptMs: number;
  /** A call, all its attempts and back-off included: no retry starts that could end later. */
  readonly callMs: number;
  readonly maxAttempts: number;
}

/**
 * DynamoDB answers in milliseconds; an attempt that takes 2 s has met a store in trouble. Two
 * such attempts fit a call's 5 s, and a turn's few calls, resolution included, fit API Gateway's
 * 30 s beside the model's 22 s only when the store is healthy again (docs/reliability.md says
 * what each route's worst case is).
 */
export const CALL_TIMING: CallTiming = { attemptMs: 2000, callMs: 5000, maxAttempts: 3 };

/** Back-off bases, as the SDK's: throttling waits longer than a lost connection. */
const BASE_MS = { transient: 50, throttling: 250 };

interface BudgetToken extends RetryToken {
  readonly startedAt: number;
  readonly retries: number;
  readonly delayMs: number;
}

export function budgetedRetries(timing: CallTiming): RetryStrategyV2 {
  const token = (startedAt: number, retries: number, delayMs: number): BudgetToken => ({
    startedAt,
    retries,
    delayMs,
    getRetryCount: () => retries,
    getRetryDelay: () => delayMs,
  });
  return {
    acquireInitialRetryToken: () => Promise.resolve(token(Date.now(), 0, 0)),
    refreshRetryTokenForRetry(previous: RetryToken, info: RetryErrorInfo) {
      const { startedAt, retries } = previous as BudgetToken;
      const retryable = info.errorType !== 'CLIENT_ERROR';
      const base = info.errorType === 'THROTTLING' ? BASE_MS.throttling : BASE_MS.transient;
      const delayMs = Math.floor(Math.random() * base * 2 ** (retries + 1));
      const endsBy = Date.now() + delayMs + timing.attemptMs;
      if (!retryable || retries + 1 >= timing.maxAttempts || endsBy > startedAt + timing.callMs) {
        return Promise.reject(info.error ?? new Error('not retried'));
      }
      return Promise.resolve(token(startedAt, retries + 1, delayMs));
    },
    recordSuccess: () => undefined,
  };
}

// How the DynamoDB client retries, within a budget. The SDK retries throttling, 5xx answers and
// network failures (a reset, a timed-out attempt) on its own; its standard strategy knows no
// overall time, so three attempts of a store that accepts connections and never answers, plus
// its back-off, could outlast a route. Here every attempt has a hard deadline (the handler's
// requestTimeout with throwOnRequestTimeout) and a retry is only started when it can end within
// the call's budget. A write whose answer was lost may have landed: what the retry does again
// must be safe to repeat, which is the repositories' concern (docs/reliability.md).
import type { DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';

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

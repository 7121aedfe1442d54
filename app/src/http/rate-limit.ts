// Fixed-window rate limits (rate-limiter-flexible): per user for an authenticated request (its
// route's class, never its IP), per client IP for a request without valid credentials (a
// missing or failing token, and the public `GET /`). The counters live in the shared store
// compose.ts hands in (storage/limiter-stores.ts); a store that fails or passes its timeout is
// replaced, for that request, by this instance's own count, which it logs and counts in the
// RateLimitStoreFallback metric.
import { createHash } from 'node:crypto';
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
// By file, not from the package's index, which loads every store type (types/ says why).
import RateLimiterMemory from 'rate-limiter-flexible/lib/RateLimiterMemory.js';
import RateLimiterRes from 'rate-limiter-flexible/lib/RateLimiterRes.js';
import type { RateLimit } from '../config.js';
import type { Principal } from '../domain/kernel.js';
import { RateLimitExceededError } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import type { AppContext, AppMiddleware } from './middleware.js';

/** The class of an authenticated route; each has its own per-user limit. */
export type RouteClass = 'initiate' | 'analysis' | 'default';
export type LimitClass = RouteClass | 'anonymous';

export interface RateLimitState {
  readonly limit: number;
  readonly remaining: number;
  /** Seconds until the window resets. */
  readonly resetSeconds: number;
}

export interface RateLimiters {
  /** Counts one request; throws RateLimitExceededError when the window is used up. */
  consume(limitClass: LimitClass, key: string): Promise<RateLimitState>;
}

interface StoreLimiterOptions {
  readonly keyPrefix: string;
  readonly points: number;
  readonly duration: number;
}

/** A shared store: how long it may take, and the limiter of one class on it. */
export interface LimiterStore {
  readonly timeoutMs: number;
  build(options: StoreLimiterOptions): RateLimiterAbstract;
}

const classes: readonly LimitClass[] = ['initiate', 'analysis', 'default', 'anonymous'];

export interface RateLimitersOptions {
  readonly limits: Readonly<Record<LimitClass, RateLimit>>;
  /**
   * The shared store, resolved on first use so its client library loads only when a request
   * needs it; undefined keeps the counters in this process only (the local default).
   */
  readonly store: () => Promise<LimiterStore | undefined>;
  readonly logger: Logger;
  readonly metrics: Metrics;
}

/** A class's limiter: the shared one, and this instance's own count when that one fails. */
interface ClassLimiter {
  readonly shared?: RateLimiterAbstract;
  readonly local: RateLimiterMemory;
}

const timedOut = Symbol('timed out');

function within<T>(promise: Promise<T>, ms: number): Promise<T | typeof timedOut> {
  // A store that answers (or fails) after the timeout is no longer waited for.
  promise.catch(() => undefined);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<typeof timedOut>((resolve) => {
    timer = setTimeout(() => resolve(timedOut), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export function createRateLimiters(options: RateLimitersOptions): RateLimiters {
  const { limits, logger, metrics } = options;
  let limiters: Promise<{ timeoutMs: number; byClass: Record<LimitClass, ClassLimiter> }>;
  let fallingBack = false;

  async function build() {
    const store = await options.store();
    const byClass = Object.fromEntries(
      classes.map((limitClass) => {
        const { points, windowSeconds } = limits[limitClass];
        const common = { keyPrefix: `rl:${limitClass}`, points, duration: windowSeconds };
        // Each role its own limiter: the store's is given no insurance, so a request the
        // store fails is counted once, here, and not again by the store's own fallback.
        return [limitClass, { shared: store?.build(common), local: new RateLimiterMemory(common) }];
      }),
    ) as Record<LimitClass, ClassLimiter>;
    return { timeoutMs: store?.timeoutMs ?? 0, byClass };
  }

  /** The shared count; on a failure or a timeout, this instance's own, said in log and metric. */
  async function count(limiter: ClassLimiter, timeoutMs: number, key: string) {
    if (!limiter.shared) return limiter.local.consume(key);
    let reason: string;
    try {
      const outcome = await within(limiter.shared.consume(key), timeoutMs);
      if (outcome !== timedOut) {
        if (fallingBack) logger.info({ event: 'rate_limiter_store_recovered' });
        fallingBack = false;
        return outcome;
      }
      reason = `no answer within ${timeoutMs} ms`;
    } catch (error) {
      if (error instanceof RateLimiterRes) throw error;
      reason = (error as Error)?.message ?? String(error);
    }
    metrics.add('RateLimitStoreFallback', 1, 'Count');
    if (!fallingBack) logger.warn({ event: 'rate_limiter_store_fallback', reason });
    fallingBack = true;
    return limiter.local.consume(key);
  }

  return {
    async consume(limitClass, key) {
      limiters ??= build();
      const { timeoutMs, byClass } = await limiters;
      const limit = limits[limitClass].points;
      try {
        const res = await count(byClass[limitClass], timeoutMs, key);
        return {
          limit,
          remaining: res.remainingPoints,
          resetSeconds: Math.max(1, Math.ceil(res.msBeforeNext / 1000)),
        };
      } catch (outcome) {
        if (outcome instanceof RateLimiterRes) {
          throw new RateLimitExceededError(Math.max(1, Math.ceil(outcome.msBeforeNext / 1000)));
        }
        throw outcome;
      }
    },
  };
}

function setHeaders(ctx: AppContext, state: RateLimitState): void {
  ctx.set('X-RateLimit-Limit', String(state.limit));
  ctx.set('X-RateLimit-Remaining', String(state.remaining));
  ctx.set('X-RateLimit-Reset', String(state.resetSeconds));
}

async function consume(
  ctx: AppContext,
  limiters: RateLimiters,
  metrics: Metrics,
  limitClass: LimitClass,
  key: string,
): Promise<void> {
  try {
    setHeaders(ctx, await limiters.consume(limitClass, key));
  } catch (error) {
    if (error instanceof RateLimitExceededError) metrics.add('RateLimitExceeded', 1, 'Count');
    throw error;
  }
}

/**
 * Counts a request without valid credentials against its client IP: the connection's address
 * (API Gateway's `sourceIp` in Lambda); X-Forwarded-For is not trusted.
 */
export function countAnonymous(limiters: RateLimiters, metrics: Metrics) {
  return (ctx: AppContext) =>
    consume(ctx, limiters, metrics, 'anonymous', ctx.request.ip || 'unknown');
}

/** The per-IP limit of the routes that take no credentials; `limited` names their patterns. */
export function anonymousLimit(
  limiters: RateLimiters,
  metrics: Metrics,
  limited: ReadonlySet<string>,
): AppMiddleware {
  const count = countAnonymous(limiters, metrics);
  return async (ctx, next) => {
    if (ctx.state.route !== undefined && limited.has(ctx.state.route)) await count(ctx);
    await next();
  };
}

/** A user's counter key: fixed-size, whatever the ids hold, so it fits any store's keys. */
export const userLimitKey = (principal: Principal): string =>
  createHash('sha256')
    .update(JSON.stringify([principal.tenantId, principal.userId]))
    .digest('base64url');

/** The per-user limit of one route class, after auth (tenant + user). */
export function userLimit(
  limiters: RateLimiters,
  metrics: Metrics,
  routeClass: RouteClass,
): AppMiddleware {
  return async (ctx, next) => {
    const principal = ctx.state.principal;
    if (!principal) throw new Error('the per-user limit runs after authentication');
    await consume(ctx, limiters, metrics, routeClass, userLimitKey(principal));
    await next();
  };
}

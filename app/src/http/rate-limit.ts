// Fixed-window rate limits (rate-limiter-flexible): per client IP before auth, per user after.
// The counters live in the shared store compose.ts hands in (storage/limiter-stores.ts); a slow
// or failing store falls back to an in-process limiter within a short timeout, so it never
// fails or stalls a request.
import {
  RateLimiterMemory,
  RateLimiterRes,
  RLWrapperTimeouts,
  type RateLimiterAbstract,
} from 'rate-limiter-flexible';
import type { RateLimit } from '../config.js';
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
  readonly insuranceLimiter: RateLimiterMemory;
}

/** Builds the shared-store limiter of one class. */
type LimiterStore = (options: StoreLimiterOptions) => RateLimiterAbstract;

const classes: readonly LimitClass[] = ['initiate', 'analysis', 'default', 'anonymous'];

export interface RateLimitersOptions {
  readonly limits: Readonly<Record<LimitClass, RateLimit>>;
  /**
   * The shared store, resolved on first use so its client library loads only when a request
   * needs it; undefined keeps the counters in this process only (the local default).
   */
  readonly store: () => Promise<LimiterStore | undefined>;
  /** How long a store may take before the in-process limiter answers instead. */
  readonly timeoutMs: number;
  readonly logger: Logger;
}

export function createRateLimiters(options: RateLimitersOptions): RateLimiters {
  const { limits, logger } = options;
  let limiters: Promise<Record<LimitClass, RateLimiterAbstract>> | undefined;

  async function build(): Promise<Record<LimitClass, RateLimiterAbstract>> {
    const store = await options.store();
    const entries = classes.map((limitClass) => {
      const { points, windowSeconds } = limits[limitClass];
      const common = { keyPrefix: `rl:${limitClass}`, points, duration: windowSeconds };
      const insuranceLimiter = new RateLimiterMemory(common);
      if (!store) return [limitClass, insuranceLimiter] as const;
      const shared = store({ ...common, insuranceLimiter });
      const limiter = new RLWrapperTimeouts({
        limiter: shared,
        insuranceLimiter,
        timeoutMs: options.timeoutMs,
      });
      return [limitClass, limiter as unknown as RateLimiterAbstract] as const;
    });
    return Object.fromEntries(entries) as Record<LimitClass, RateLimiterAbstract>;
  }

  return {
    async consume(limitClass, key) {
      limiters ??= build();
      const limiter = (await limiters)[limitClass];
      const limit = limits[limitClass].points;
      try {
        const res = await limiter.consume(key);
        return {
          limit,
          remaining: res.remainingPoints,
          resetSeconds: Math.max(1, Math.ceil(res.msBeforeNext / 1000)),
        };
      } catch (outcome) {
        if (outcome instanceof RateLimiterRes) {
          throw new RateLimitExceededError(Math.max(1, Math.ceil(outcome.msBeforeNext / 1000)));
        }
        // Both the store and its insurance failed: let the request through rather than fail it.
        logger.warn({
          event: 'rate_limiter_unavailable',
          limit_class: limitClass,
          reason: (outcome as Error)?.message,
        });
        return { limit, remaining: limit, resetSeconds: limits[limitClass].windowSeconds };
      }
    },
  };
}

function setHeaders(ctx: AppContext, state: RateLimitState): void {
  // Both limits apply to an authenticated request; report whichever leaves the fewest.
  const shown = Number(ctx.response.get('X-RateLimit-Remaining') || Infinity);
  if (state.remaining > shown) return;
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
 * The per-IP limit, before auth. The client IP is the connection's address (API Gateway's
 * `sourceIp` in Lambda); X-Forwarded-For is not trusted. `exempt` names the routes it skips.
 */
export function anonymousLimit(
  limiters: RateLimiters,
  metrics: Metrics,
  exempt: (route: string) => boolean,
): AppMiddleware {
  return async (ctx, next) => {
    if (ctx.state.route !== undefined && exempt(ctx.state.route)) return next();
    await consume(ctx, limiters, metrics, 'anonymous', ctx.request.ip || 'unknown');
    await next();
  };
}

/** The per-user limit of one route class, after auth (tenant + user). */
export function userLimit(
  limiters: RateLimiters,
  metrics: Metrics,
  routeClass: RouteClass,
): AppMiddleware {
  return async (ctx, next) => {
    const principal = ctx.state.principal;
    if (!principal) throw new Error('the per-user limit runs after authentication');
    const key = `${encodeURIComponent(principal.tenantId)}/${encodeURIComponent(principal.userId)}`;
    await consume(ctx, limiters, metrics, routeClass, key);
    await next();
  };
}

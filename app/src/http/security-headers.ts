// Response headers that protect a JSON API and its two docs pages, and the CORS policy: origins
// exactly from CORS_ORIGINS (and any loopback origin under `npm run dev`), credentials allowed,
// every preflight answered without auth, a refused one logged.
import cors from '@koa/cors';
import type { Logger } from '../observability/logger.js';
import type { AppMiddleware } from './middleware.js';

/** A JSON API loads nothing and is framed by nobody. */
const API_CSP = "default-src 'none'; frame-ancestors 'none'";

/**
 * The docs pages load only from this service. Styles may be inline (both UIs inject them),
 * images may be data: URIs, and Redoc runs its search in a worker started from a blob.
 */
export const DOCS_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "worker-src 'self' blob:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const HSTS = 'max-age=31536000; includeSubDomains';

export function securityHeaders(): AppMiddleware {
  return async (ctx, next) => {
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.set('X-Frame-Options', 'DENY');
    ctx.set('Referrer-Policy', 'no-referrer');
    ctx.set('Content-Security-Policy', API_CSP);
    // Behind API Gateway the connection is always TLS (serverless-http marks it so).
    if (ctx.secure) ctx.set('Strict-Transport-Security', HSTS);
    await next();
  };
}

function isPreflight(ctx: Parameters<AppMiddleware>[0]): boolean {
  return (
    ctx.method === 'OPTIONS' &&
    ctx.get('Origin') !== '' &&
    ctx.get('Access-Control-Request-Method') !== ''
  );
}

export interface CorsOptions {
  readonly origins: readonly string[];
  readonly exposeHeaders: readonly string[];
  /** `npm run dev` only: any http://localhost:<port> or http://127.0.0.1:<port> origin. */
  readonly anyLoopbackOrigin?: boolean;
  readonly logger: Logger;
}

const LOOPBACK_ORIGIN = /^http:\/\/(?:localhost|127\.0\.0\.1)(?::\d{1,5})?$/;

export function corsPolicy(options: CorsOptions): AppMiddleware {
  const listed = new Set(options.origins);
  const allowed = (origin: string) =>
    listed.has(origin) || (options.anyLoopbackOrigin === true && LOOPBACK_ORIGIN.test(origin));
  const koaCors = cors({
    origin: (ctx) => {
      const origin = ctx.get('Origin');
      return allowed(origin) ? origin : '';
    },
    credentials: true,
    allowMethods: ['GET', 'HEAD', 'POST', 'DELETE', 'OPTIONS'],
    allowHeaders: ['Authorization', 'Content-Type', 'Idempotency-Key', 'Prefer', 'X-Request-ID'],
    exposeHeaders: [...options.exposeHeaders],
    maxAge: 600,
  }) as unknown as AppMiddleware;
  return async (ctx, next) => {
    if (isPreflight(ctx) && !allowed(ctx.get('Origin'))) {
      // Answered here, without any Access-Control-Allow-* header: the browser refuses it. Said in
      // the log, since the browser's console is the only other place that shows it.
      options.logger.info({
        event: 'cors_preflight_refused',
        request_id: ctx.state.requestId,
        origin: ctx.get('Origin'),
        path: ctx.path,
        hint: 'add the origin to CORS_ORIGINS (scheme://host:port, no trailing slash)',
      });
      ctx.vary('Origin');
      ctx.status = 204;
      return;
    }
    await koaCors(ctx, next);
  };
}

// Response headers that protect a JSON API and its two docs pages, and the CORS policy: origins
// exactly from CORS_ORIGINS, credentials allowed, every preflight answered without auth.
import cors from '@koa/cors';
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

export function corsPolicy(
  origins: readonly string[],
  exposeHeaders: readonly string[],
): AppMiddleware {
  const allowed = new Set(origins);
  const koaCors = cors({
    origin: (ctx) => {
      const origin = ctx.get('Origin');
      return allowed.has(origin) ? origin : '';
    },
    credentials: true,
    allowMethods: ['GET', 'HEAD', 'POST', 'DELETE', 'OPTIONS'],
    allowHeaders: ['Authorization', 'Content-Type', 'Idempotency-Key', 'X-Request-ID'],
    exposeHeaders: [...exposeHeaders],
    maxAge: 600,
  }) as unknown as AppMiddleware;
  return async (ctx, next) => {
    if (isPreflight(ctx) && !allowed.has(ctx.get('Origin'))) {
      // Answered here, without any Access-Control-Allow-* header: the browser refuses it.
      ctx.vary('Origin');
      ctx.status = 204;
      return;
    }
    await koaCors(ctx, next);
  };
}

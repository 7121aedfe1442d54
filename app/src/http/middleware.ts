// The Koa edge, one job a middleware: request ids, the error envelope, the access log, the
// security headers and CORS, route checks (routing.ts), authentication and the JSON body, and
// the liveness route's fast path through the same edge. Composed in app.ts.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';
import cors from '@koa/cors';
import type { Middleware, ParameterizedContext } from 'koa';
import type { TokenVerifier } from '../auth/jwt.js';
import type { Principal } from '../domain/kernel.js';
import {
  type AppError,
  asAppError,
  AuthError,
  errorEnvelope,
  InvalidJsonError,
  PayloadTooLargeError,
  UnsupportedMediaTypeError,
} from '../errors.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import { discardRest } from './unread-body.js';

declare module 'koa' {
  interface Request {
    /** The request's JSON object, once jsonBody has read it (`{}` for a request without one). */
    body?: unknown;
  }
}

export interface AppState {
  requestId: string;
  /** The prefix API Gateway routed through (a stage or mapping key), put back into written URLs. */
  basePath: string;
  /** The legacy suggestion route keeps its own error body. */
  envelope: 'standard' | 'legacy';
  principal?: Principal;
  /** The route pattern that matched, for logs and metrics. */
  route?: string;
  /** Whether the path is a route's, whatever the method (the routing's match sets it). */
  pathKnown?: boolean;
}

export type AppContext = ParameterizedContext<AppState>;
export type AppMiddleware = Middleware<AppState>;

const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function requestId(): AppMiddleware {
  return async (ctx, next) => {
    const given = ctx.get('X-Request-ID');
    ctx.state.requestId = SANE_REQUEST_ID.test(given) ? given : randomUUID();
    ctx.state.basePath ??= '';
    ctx.state.envelope = 'standard';
    ctx.set('X-Request-ID', ctx.state.requestId);
    await next();
  };
}

export function errorBody(ctx: AppContext, error: AppError): Record<string, unknown> {
  if (ctx.state.envelope === 'legacy') {
    return {
      success: false,
      data: null,
      error: error.status === 401 ? 'Unauthorized' : error.code,
      message: error.message,
      request_id: ctx.state.requestId,
    };
  }
  return errorEnvelope(error, ctx.state.requestId);
}

/** The contract's error for whatever was thrown, logged: a dependency's failure, or a bug. */
export function loggedError(thrown: unknown, logger: Logger, requestId: string): AppError {
  const error = asAppError(thrown);
  if (error !== thrown) {
    logger.error({
      event: 'unhandled_error',
      request_id: requestId,
      error: (thrown as Error)?.name,
      reason: (thrown as Error)?.message,
      stack: (thrown as Error)?.stack,
    });
  } else if (error.status >= 500) {
    logger.warn({
      event: 'dependency_failure',
      request_id: requestId,
      error: error.code,
      dependency: (error as { dependency?: string }).dependency,
      reason:
        (error as { causeText?: string; reason?: string }).causeText ??
        (error as { reason?: string }).reason,
    });
  }
  return error;
}

/** Turns every thrown error into the contract's envelope. */
export function errorResponses(logger: Logger): AppMiddleware {
  return async (ctx, next) => {
    try {
      await next();
    } catch (thrown) {
      const error = loggedError(thrown, logger, ctx.state.requestId);
      ctx.status = error.status;
      for (const [name, value] of Object.entries(error.headers)) ctx.set(name, value);
      ctx.body = errorBody(ctx, error);
    }
  };
}

export function accessLog(logger: Logger, metrics: Metrics): AppMiddleware {
  return async (ctx, next) => {
    const started = process.hrtime.bigint();
    try {
      await next();
    } finally {
      const durationMs = Number(process.hrtime.bigint() - started) / 1e6;
      metrics.add('APILatency', durationMs, 'Milliseconds');
      logger.info({
        event: 'request',
        request_id: ctx.state.requestId,
        method: ctx.method,
        route: ctx.state.route ?? null,
        path: ctx.path,
        status: ctx.status,
        duration_ms: Math.round(durationMs * 100) / 100,
        user_id: ctx.state.principal?.userId,
        tenant_id: ctx.state.principal?.tenantId,
      });
    }
  };
}

/**
 * The caller's principal from its bearer token. A request without valid credentials first goes
 * through `rejected` (the per-IP limit), so a flood of bad tokens meets 429 before more 401s.
 */
export function authenticate(
  verifier: TokenVerifier,
  rejected: (ctx: AppContext) => Promise<void>,
): AppMiddleware {
  return async (ctx, next) => {
    try {
      ctx.state.principal = await verifier.verify(ctx.get('Authorization') || undefined);
    } catch (error) {
      if (error instanceof AuthError) await rejected(ctx);
      throw error;
    }
    await next();
  };
}

function hasBody(ctx: AppContext): boolean {
  return (ctx.request.length ?? 0) > 0 || ctx.get('Transfer-Encoding') !== '';
}

/**
 * Reads the JSON body in the contract's order: media type and coding (415), size (413), JSON
 * (400). A request without a body gets `{}`, which the route's schema then judges. The bytes
 * are read here, not by a body-parser package: what is needed is a byte limit, UTF-8 and
 * JSON.parse, and the text is parsed with JSON.parse itself, so any JSON is the client's, a
 * `__proto__` key included (JSON.parse makes it an own property, never a prototype).
 */
export function jsonBody(maxBytes: number): AppMiddleware {
  return async (ctx, next) => {
    if (!hasBody(ctx)) {
      ctx.request.body = {};
      return next();
    }
    // application/json itself: other +json types (vnd.api, json-patch, …) promise semantics
    // this API does not give them, so they are 415 like any other type.
    if (!ctx.is('application/json')) throw new UnsupportedMediaTypeError();
    // JSON travels as UTF-8 (RFC 8259), so no other charset is decoded.
    const charset = ctx.request.charset.toLowerCase();
    if (charset !== '' && charset !== 'utf-8' && charset !== 'utf8') {
      throw new UnsupportedMediaTypeError();
    }
    const coding = ctx.get('Content-Encoding').trim().toLowerCase();
    const encoded = coding !== '' && coding !== 'identity';
    const decode = encoded && Object.hasOwn(decoders, coding) ? decoders[coding] : undefined;
    if (encoded && !decode) {
      throw new UnsupportedMediaTypeError(
        `Content-Encoding ${coding.slice(0, 40)} is not supported: send the body as is, or as gzip, deflate or br`,
      );
    }
    // The rest of a refused body is dropped, or the connection announced as closing.
    const tooLarge = async () => {
      if (!(await discardRest(ctx.req))) ctx.set('Connection', 'close');
      return new PayloadTooLargeError(maxBytes);
    };
    if ((ctx.request.length ?? 0) > maxBytes) throw await tooLarge();
    // MAX_BODY_BYTES bounds what arrives (an encoded body too: a small message padded to
    // megabytes costs as much to read as a large one), and below, what it decodes to.
    const data = await readAtMost(ctx.req, maxBytes);
    if (data === undefined) throw await tooLarge();
    const text = decode ? decodedText(data, decode, coding, maxBytes) : data.toString('utf8');
    // A body of no bytes is no body; a byte order mark is allowed before the JSON (RFC 8259).
    ctx.request.body = text === '' ? {} : jsonObject(text.replace(/^\uFEFF/, ''));
    return next();
  };
}

function jsonObject(text: string): Record<string, unknown> {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new InvalidJsonError('Request body is not valid JSON');
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new InvalidJsonError('Request body must be a JSON object');
  }
  return body as Record<string, unknown>;
}

/** Decodes a body, throwing once the output would pass `maxOutputLength` bytes. */
type Decoder = (data: Buffer, maxOutputLength: number) => Buffer;

const gunzip: Decoder = (data, maxOutputLength) => gunzipSync(data, { maxOutputLength });

/** The content codings a body may come in (RFC 9110 §8.4.1; names in any case, x-gzip as gzip). */
const decoders: Readonly<Record<string, Decoder>> = {
  gzip: gunzip,
  'x-gzip': gunzip,
  deflate: (data, maxOutputLength) => inflateSync(data, { maxOutputLength }),
  br: (data, maxOutputLength) => brotliDecompressSync(data, { maxOutputLength }),
};

/** An encoded body's text, refused when it decodes to more than `maxBytes` (a bomb). */
function decodedText(data: Buffer, decode: Decoder, coding: string, maxBytes: number): string {
  let decoded: Buffer;
  try {
    decoded = decode(data, maxBytes + 1);
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new PayloadTooLargeError(maxBytes);
    }
    throw new InvalidJsonError(`Request body is not valid ${coding}`);
  }
  if (decoded.length > maxBytes) throw new PayloadTooLargeError(maxBytes);
  return decoded.toString('utf8');
}

/** The body's bytes, or undefined once more than `maxBytes` arrived (the rest left unread). */
function readAtMost(request: IncomingMessage, maxBytes: number): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (data: Buffer | undefined) => {
      request.off('data', onData);
      request.off('end', onEnd);
      request.off('close', onEnd);
      request.off('error', onEnd);
      if (data === undefined) request.pause();
      resolve(data);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) finish(undefined);
      else chunks.push(chunk);
    };
    // A client that goes away mid-body leaves what came, which will not parse: a 400 nobody reads.
    const onEnd = () => finish(Buffer.concat(chunks));
    request.on('data', onData);
    request.once('end', onEnd);
    request.once('close', onEnd);
    request.once('error', onEnd);
    request.resume();
  });
}

/** The absolute path a client uses for `path`, with the routing prefix put back. */
export function publicPath(ctx: AppContext, path: string): string {
  return `${ctx.state.basePath}${path}`;
}

/** The authenticated caller; routes behind `authenticate` always have one. */
export function principalOf(ctx: AppContext): Principal {
  const principal = ctx.state.principal;
  if (!principal) throw new Error('route reached without authentication');
  return principal;
}

// ---- security headers and CORS ----
// Response headers that protect a JSON API and its two docs pages, and the CORS policy: origins
// exactly from CORS_ORIGINS (and any loopback origin under `npm run dev`), credentials allowed,
// every preflight answered without auth, a refused one logged.

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
    // Every method and request header an operation of the document takes (a test holds the
    // two lists to the served document).
    allowMethods: ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS'],
    allowHeaders: [
      'Authorization',
      'Content-Encoding',
      'Content-Type',
      'Idempotency-Key',
      'If-Match',
      'Prefer',
      'X-Request-ID',
    ],
    exposeHeaders: [...options.exposeHeaders],
    maxAge: 600,
  }) as unknown as AppMiddleware;
  return async (ctx, next) => {
    // A preflight for a path that does not exist is the 404 any request for it gets.
    if (isPreflight(ctx) && ctx.state.pathKnown === false) return next();
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

// ---- the liveness fast path ----
// The liveness route's fast path. Load balancers and uptime checks call it far more often than
// anything else, and it touches no dependency, so it is answered before the routing, CORS and
// limiter middleware run: through the same request-id, security-header and access-log
// middleware the full stack uses, so its headers, log line and metric are the same.

/** The liveness answer, shared by the route and its fast path. */
export function answerLive(ctx: AppContext): void {
  ctx.body = { status: 'ok' };
}

/**
 * Answers GET/HEAD `path` exactly through `edge` (the full stack's own first middleware) and
 * passes anything else on. A request with an Origin goes the full way, so CORS answers it.
 */
export function livenessFastPath(path: string, edge: readonly AppMiddleware[]): AppMiddleware {
  const answer: AppMiddleware = (ctx) => {
    ctx.state.route = path;
    // What the CORS middleware says on every response it passes.
    ctx.vary('Origin');
    answerLive(ctx);
  };
  const chain = [...edge, answer];
  const step = async (ctx: AppContext, i: number): Promise<void> => {
    const middleware = chain[i];
    if (middleware) await middleware(ctx, () => step(ctx, i + 1));
  };
  return (ctx, next) => {
    const fast =
      ctx.path === path && (ctx.method === 'GET' || ctx.method === 'HEAD') && !ctx.get('Origin');
    return fast ? step(ctx, 0) : next();
  };
}

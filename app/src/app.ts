// createApp: the middleware order and the routers, nothing else. Tests, the local server and
// Lambda build the same app with different adapters.
import Koa from 'koa';
import type { Analyses } from './analysis/analysis-use-cases.js';
import type { TokenVerifier } from './auth/jwt.js';
import type { Coaching } from './coaching/coaching-use-cases.js';
import type { Config } from './config.js';
import { analysisDocs } from './http/analysis-docs.js';
import { analysisRoutes } from './http/analysis-routes.js';
import { conversationDocs } from './http/conversation-docs.js';
import { conversationRoutes } from './http/conversation-routes.js';
import { KEEP_ALIVE_MS } from './http/event-stream.js';
import {
  accessLog,
  authenticate,
  errorEnvelope,
  requestId,
  routeGuard,
  type AppContext,
  type AppMiddleware,
  type AppState,
} from './http/middleware.js';
import { suggestionDocs, suggestionRoutes } from './http/suggestion-routes.js';
import { docsRoutes } from './http/docs-routes.js';
import {
  anonymousLimit,
  countAnonymous,
  userLimit,
  type RateLimiters,
  type RouteClass,
} from './http/rate-limit.js';
import { corsPolicy, securityHeaders } from './http/security-headers.js';
import { systemDocs, systemRoutes, type HealthChecks } from './http/system-routes.js';
import type { Logger } from './observability/logger.js';
import type { Metrics } from './observability/metrics.js';
import type { Suggestions } from './suggestions/suggest-onboarding.js';

export interface AppDeps {
  readonly config: Config;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly verifier: TokenVerifier;
  readonly coaching: Coaching;
  readonly analyses: Analyses;
  readonly suggestions: Suggestions;
  readonly checks: HealthChecks;
  readonly rateLimiters: RateLimiters;
  /** A streamed turn's keep-alive interval (tests shorten it); the contract's 15 s by default. */
  readonly keepAliveMs?: number;
}

export const exposedHeaders = [
  'X-Request-ID',
  'X-RateLimit-Limit',
  'X-RateLimit-Remaining',
  'X-RateLimit-Reset',
  'Retry-After',
  'Location',
];

/** The named stage an API Gateway event came through (serverless-http keeps its context). */
function eventStage(ctx: AppContext): string | undefined {
  const stage = (ctx.req as { requestContext?: { stage?: unknown } }).requestContext?.stage;
  return typeof stage === 'string' && stage !== '$default' ? stage : undefined;
}

/**
 * API Gateway may hand us the path with a named stage (the event's, whatever STAGE says) or a
 * custom domain's mapping key in front; route without it and remember it, so written URLs carry
 * it again.
 */
function stripBasePath(segments: readonly string[]): AppMiddleware {
  const known = new Set(segments.filter(Boolean));
  return async (ctx, next) => {
    const match = /^\/([^/]+)(\/.*)?$/.exec(ctx.path);
    if (match?.[1] && (known.has(match[1]) || match[1] === eventStage(ctx))) {
      ctx.state.basePath = `/${match[1]}`;
      ctx.path = match[2] ?? '/';
    }
    await next();
  };
}

export function createApp(deps: AppDeps): Koa<AppState> {
  const { config, logger } = deps;
  const app = new Koa<AppState>({ proxy: false });
  app.silent = true;

  const system = systemRoutes({
    stage: config.stage,
    streamingUrl: config.streamingUrl,
    prefix: config.apiPrefix,
    checks: deps.checks,
  });
  // An authenticated request counts against its user only; one without valid credentials
  // against its IP.
  const guard = (routeClass: RouteClass): AppMiddleware[] => [
    authenticate(deps.verifier, countAnonymous(deps.rateLimiters, deps.metrics)),
    userLimit(deps.rateLimiters, deps.metrics, routeClass),
  ];
  const conversations = conversationRoutes({
    coaching: deps.coaching,
    prefix: config.apiPrefix,
    maxBodyBytes: config.maxBodyBytes,
    guard,
    streamBudgetMs: config.llm.streamTimeoutMs,
    keepAliveMs: deps.keepAliveMs ?? KEEP_ALIVE_MS,
    logger,
  });
  const analysis = analysisRoutes({
    analyses: deps.analyses,
    prefix: config.apiPrefix,
    maxBodyBytes: config.maxBodyBytes,
    guard,
  });
  const suggestions = suggestionRoutes({
    suggestions: deps.suggestions,
    prefix: config.apiPrefix,
    maxBodyBytes: config.maxBodyBytes,
    guard,
  });
  const routers = [system, conversations, analysis, suggestions];
  const docs = docsRoutes({
    prefix: config.apiPrefix,
    contributions: [systemDocs, conversationDocs, analysisDocs, suggestionDocs],
  });
  routers.push(docs);
  // The one route that takes no credentials and is limited (health and docs are not).
  const anonymousRoute = (route: string) => route === '/';

  app.use(requestId());
  app.use(securityHeaders());
  app.use(accessLog(logger, deps.metrics));
  app.use(errorEnvelope(logger));
  app.use(stripBasePath([config.stage, config.apiMappingKey]));
  app.use(
    corsPolicy({
      origins: config.corsOrigins,
      exposeHeaders: exposedHeaders,
      anyLoopbackOrigin: config.dev,
      logger,
    }),
  );
  app.use(routeGuard(routers, `${config.apiPrefix}/suggestions/`));
  app.use(anonymousLimit(deps.rateLimiters, deps.metrics, anonymousRoute));
  for (const router of routers) app.use(router.routes());
  return app;
}

// createApp: the middleware order and the routers, nothing else. Tests, the local server and
// Lambda build the same app with different adapters.
import Router from '@koa/router';
import Koa from 'koa';
import type { Analyses } from './analysis/analysis-use-cases.js';
import type { TokenVerifier } from './auth/jwt.js';
import type { Coaching } from './coaching/coaching-use-cases.js';
import type { Config } from './config.js';
import { adminDocs, adminRoutes } from './http/admin-routes.js';
import type { PromptAdmin } from './prompts/prompt-admin.js';
import type { PromptPreview } from './previews/preview-template.js';
import { analysisDocs, analysisRoutes } from './http/analysis-routes.js';
import { conversationDocs, conversationRoutes } from './http/conversation-routes.js';
import { jobDocs, jobRoutes } from './http/job-routes.js';
import { KEEP_ALIVE_MS } from './http/message-stream.js';
import {
  accessLog,
  authenticate,
  errorResponses,
  requestId,
  type AppContext,
  type AppMiddleware,
  type AppState,
  livenessFastPath,
  corsPolicy,
  securityHeaders,
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
import { routing } from './http/routing.js';
import { systemDocs, systemRoutes, type HealthChecks } from './http/system-routes.js';
import type { Logger } from './observability/logger.js';
import type { Metrics } from './observability/metrics.js';
import type { Suggestions } from './suggestions/suggest-onboarding.js';
import type { Jobs } from './jobs/job-use-cases.js';
import type { Budgets } from './budgets/budgets.js';

export interface AppDeps {
  readonly config: Config;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly verifier: TokenVerifier;
  readonly coaching: Coaching;
  readonly analyses: Analyses;
  readonly suggestions: Suggestions;
  readonly jobs: Jobs;
  readonly budgets: Budgets;
  readonly checks: HealthChecks;
  readonly rateLimiters: RateLimiters;
  /** The prompt templates' admin use cases, loaded on first use. */
  readonly promptAdmin: () => Promise<PromptAdmin>;
  /** A template's preview, loaded on first use. */
  readonly promptPreview: () => Promise<PromptPreview>;
  /** A streamed turn's keep-alive interval (tests shorten it); the contract's 15 s by default. */
  readonly keepAliveMs?: number;
}

/** Every response header the document names, so a browser's script may read it. */
export const exposedHeaders = [
  'X-Request-ID',
  'X-RateLimit-Limit',
  'X-RateLimit-Remaining',
  'X-RateLimit-Reset',
  'Retry-After',
  'Location',
  'Preference-Applied',
  'ETag',
  'Allow',
  'WWW-Authenticate',
  'Deprecation',
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
    // The first segment, found without a regular expression: most paths start with a segment
    // that is neither a known prefix nor the event's stage, and pass untouched.
    const path = ctx.path;
    const end = path.indexOf('/', 1);
    const first = end === -1 ? path.slice(1) : path.slice(1, end);
    if (path.startsWith('/') && first && (known.has(first) || first === eventStage(ctx))) {
      ctx.state.basePath = `/${first}`;
      ctx.path = end === -1 ? '/' : path.slice(end);
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
  const jobs = jobRoutes({ jobs: deps.jobs, prefix: config.apiPrefix, guard });
  const admin = adminRoutes({
    budgets: deps.budgets,
    promptAdmin: deps.promptAdmin,
    promptPreview: deps.promptPreview,
    coaching: deps.coaching,
    prefix: config.apiPrefix,
    maxBodyBytes: config.maxBodyBytes,
    guard,
    logger,
  });
  const docs = docsRoutes({
    prefix: config.apiPrefix,
    contributions: [systemDocs, conversationDocs, analysisDocs, jobDocs, suggestionDocs],
    lazyContributions: [adminDocs],
  });
  // One router holds every route, so a request's path is matched once (by the guard).
  const router = new Router<AppState>();
  for (const routes of [system, conversations, analysis, jobs, suggestions, admin, docs]) {
    router.use(routes.routes());
  }
  const routes = routing(router, `${config.apiPrefix}/suggestions/`);
  // The one route that takes no credentials and is limited (health and docs are not).
  const anonymouslyLimited = new Set(['/']);

  const edge = () => [requestId(), securityHeaders(), accessLog(logger, deps.metrics)];
  app.use(livenessFastPath(`${config.apiPrefix}/health/live`, edge()));
  for (const middleware of edge()) app.use(middleware);
  app.use(errorResponses(logger));
  app.use(stripBasePath([config.stage, config.apiMappingKey]));
  app.use(routes.match);
  app.use(
    corsPolicy({
      origins: config.corsOrigins,
      exposeHeaders: exposedHeaders,
      anyLoopbackOrigin: config.dev,
      logger,
    }),
  );
  app.use(routes.guard);
  app.use(anonymousLimit(deps.rateLimiters, deps.metrics, anonymouslyLimited));
  app.use(routes.dispatch);
  return app;
}

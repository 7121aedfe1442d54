// The routes that need no token: the service's front door and its health.
import Router from '@koa/router';
import type { z } from 'zod';
import { answerLive, publicPath, type AppState } from './middleware.js';
import { describeRoutes, mount, route } from './routing.js';
import { healthResponse, liveResponse, rootResponse } from './system-schemas.js';

export const API_VERSION = '2.0.0';

export type DependencyCheck = () => Promise<string>;

export interface HealthChecks {
  readonly database: DependencyCheck;
  readonly llm: DependencyCheck;
  readonly storage: DependencyCheck;
  /** What works but not as it should (a broken template served by an earlier version). */
  readonly warnings?: () => string[];
}

const CHECK_TIMEOUT_MS = 2000;
const CACHE_MS = 5000;

async function withTimeout(check: DependencyCheck): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((resolve) => {
    timer = setTimeout(
      () => resolve(`unhealthy: no answer within ${CHECK_TIMEOUT_MS} ms`),
      CHECK_TIMEOUT_MS,
    );
  });
  try {
    return await Promise.race([
      check().catch((error: Error) => `unhealthy: ${error.message}`),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

const frontDoorRoute = route({
  method: 'get',
  path: '/',
  atRoot: true,
  describe: (docs) => ({
    operationId: 'getServiceInfo',
    tag: 'system',
    summary: 'The service, its version and where its docs and health are',
    description: 'Needs no token; counted by the per-IP limit.',
    auth: false,
    responses: {
      200: {
        description: 'The front door',
        schema: docs.schema('Root', rootResponse),
        example: {
          name: 'PurposePath AI Coaching API',
          version: API_VERSION,
          stage: 'dev',
          docs: '/docs',
          redoc: '/redoc',
          health: `${docs.prefix}/health`,
          streaming_url: 'https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/dev',
        },
      },
    },
  }),
});

const healthExample = {
  status: 'healthy',
  timestamp: '2026-01-31T12:00:00.000Z',
  version: API_VERSION,
  stage: 'dev',
  services: { database: 'healthy', llm: 'healthy', storage: 'healthy' },
};

/** The health check, answered the same at two paths (the original's and the readiness one). */
const healthRoute = (path: string, operationId: string) =>
  route({
    method: 'get',
    path,
    describe: (docs) => {
      const health = docs.schema('Health', healthResponse);
      return {
        operationId,
        tag: 'system',
        summary: 'Checks the table, the prompt store and the model provider (cached a few seconds)',
        description:
          'Each dependency is `healthy`, `skipped` or `unhealthy: <reason>`, checked with a short ' +
          'timeout; 503 when any is unhealthy. Needs no token and is not rate limited.',
        auth: false,
        limited: false,
        responses: {
          200: {
            description: 'Every dependency is healthy',
            schema: health,
            example: healthExample,
          },
          503: {
            description: 'A dependency is unhealthy; the same body with status "degraded"',
            schema: health,
            example: {
              ...healthExample,
              status: 'degraded',
              services: { ...healthExample.services, database: 'unhealthy: timeout' },
            },
          },
        },
      };
    },
  });

const healthRoutes = [
  healthRoute('/health', 'getHealth'),
  healthRoute('/health/ready', 'getReadiness'),
];

const liveRoute = route({
  method: 'get',
  path: '/health/live',
  describe: () => ({
    operationId: 'getLiveness',
    tag: 'system',
    summary: 'Liveness; touches no dependency',
    description: 'Answers as long as the process serves requests. Not rate limited.',
    auth: false,
    limited: false,
    responses: {
      200: { description: 'Alive', schema: liveResponse, example: { status: 'ok' } },
    },
  }),
});

export const systemDocs = describeRoutes([frontDoorRoute, ...healthRoutes, liveRoute]);

export function systemRoutes(options: {
  readonly stage: string;
  /** The stage's streaming endpoint (STREAMING_URL); unset, this service streams itself. */
  readonly streamingUrl?: string;
  readonly prefix: string;
  readonly checks: HealthChecks;
  readonly now?: () => number;
}): Router<AppState> {
  const router = new Router<AppState>();
  const on = { router, prefix: options.prefix };
  const now = options.now ?? Date.now;
  type Services = Record<'database' | 'llm' | 'storage', string>;
  let cached: { at: number; services: Services; warnings: string[] } | undefined;

  async function services() {
    if (cached && now() - cached.at < CACHE_MS) return cached;
    const [database, llm, storage] = await Promise.all([
      withTimeout(options.checks.database),
      withTimeout(options.checks.llm),
      withTimeout(options.checks.storage),
    ]);
    const warnings = options.checks.warnings?.() ?? [];
    cached = { at: now(), services: { database, llm, storage }, warnings };
    return cached;
  }

  mount(on, frontDoorRoute, [], (ctx) => {
    const body: z.infer<typeof rootResponse> = {
      name: 'PurposePath AI Coaching API',
      version: API_VERSION,
      stage: options.stage,
      docs: publicPath(ctx, '/docs'),
      redoc: publicPath(ctx, '/redoc'),
      health: publicPath(ctx, `${options.prefix}/health`),
      streaming_url: options.streamingUrl ?? `${ctx.protocol}://${ctx.host}${publicPath(ctx, '')}`,
    };
    ctx.body = body;
  });

  for (const healthCheck of healthRoutes) {
    mount(on, healthCheck, [], async (ctx) => {
      const state = await services();
      const healthy = Object.values(state.services).every(
        (s) => s === 'healthy' || s === 'skipped',
      );
      const body: z.infer<typeof healthResponse> = {
        status: healthy ? 'healthy' : 'degraded',
        timestamp: new Date(now()).toISOString(),
        version: API_VERSION,
        stage: options.stage,
        services: state.services,
        ...(state.warnings.length > 0 ? { warnings: state.warnings } : {}),
      };
      ctx.status = healthy ? 200 : 503;
      ctx.body = body;
    });
  }
  mount(on, liveRoute, [], answerLive);
  return router;
}

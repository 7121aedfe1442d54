// The analysis routes, each declared once with its body's schema and its description: four POSTs
// that run an analysis (at once, or as a job) and keep it, and a GET that reads a kept one back
// to its owner.
import Router from '@koa/router';
import type { z } from 'zod';
import type { AnalysisInput } from '../analysis/analysis-input.js';
import type { Analyses } from '../analysis/analysis-use-cases.js';
import type { AnalysisType } from '../domain/kernel.js';
import { analysisExamples } from './analysis-examples.js';
import {
  alignmentResponse,
  analysisBodies,
  analysisResponse,
  kpiResponse,
  operationsResponse,
  strategyResponse,
} from './analysis-schemas.js';
import { acceptedResponse, answerAccepted } from './job-routes.js';
import {
  jsonBody,
  principalOf,
  publicPath,
  type AppMiddleware,
  type AppState,
} from './middleware.js';
import type { DocsContribution } from './openapi.js';
import { matchOnlyIds } from './path-ids.js';
import {
  asyncHeaders,
  deliveryOf,
  idempotencyKeyOf,
  describeRoutes,
  mount,
  route,
  type RouteSpec,
} from './routing.js';
import { analysisView } from './views.js';

const tag = 'analysis';

/** One analysis's POST: its body in, the stored analysis (201) or its job (202) out. */
function runRoute<S extends z.ZodType>(spec: {
  readonly type: AnalysisType;
  readonly operationId: string;
  readonly summary: string;
  readonly description: string;
  readonly body: S;
  readonly response: z.ZodType;
}) {
  const name = spec.type.charAt(0).toUpperCase() + spec.type.slice(1);
  return route({
    method: 'post',
    path: `/analysis/${spec.type}`,
    body: spec.body,
    describe: (docs, body) => ({
      operationId: spec.operationId,
      tag,
      summary: spec.summary,
      description: `${spec.description} The result is stored; Location names it for a later GET. With \`Prefer: respond-async\` it runs as a job (202). A spent budget is 429 quota_exceeded, for a job instead of the 202.`,
      auth: true,
      headers: asyncHeaders(
        'Used with respond-async only (and checked always): the same key and body name the same job (kept 24 h); a key is the user’s own for this analysis type',
      ),
      body: body(analysisExamples[spec.type].body, { name: `${name}AnalysisRequest` }),
      responses: {
        201: {
          description: 'The analysis, as the model produced it',
          schema: docs.schema(`${name}AnalysisResponse`, spec.response),
          example: analysisExamples[spec.type].response,
          headers: { Location: 'The analysis URL' },
          links: {
            GetAnalysis: {
              operationId: 'getAnalysis',
              parameters: { analysis_id: '$response.body#/analysis_id' },
              description: 'Read the stored analysis that the Location header names',
            },
          },
        },
        202: acceptedResponse(docs, 'analysis'),
      },
      errors: { 429: ['quota_exceeded'], 502: ['llm_bad_response'] },
    }),
  });
}

const alignmentRoute = runRoute({
  type: 'alignment',
  operationId: 'analyzeAlignment',
  summary: 'Score how well a text fits the business’s purpose, values and goals',
  description:
    'Scores (0–100) for purpose, values and goal clarity, with strengths, misalignments and ' +
    'prioritised recommendations.',
  body: analysisBodies.alignment.schema,
  response: alignmentResponse,
});

const strategyRoute = runRoute({
  type: 'strategy',
  operationId: 'analyzeStrategy',
  summary: 'Evaluate a business strategy',
  description:
    'An effectiveness score with strengths, weaknesses, opportunities and categorised ' +
    'recommendations.',
  body: analysisBodies.strategy.schema,
  response: strategyResponse,
});

const kpiRoute = runRoute({
  type: 'kpi',
  operationId: 'analyzeKpis',
  summary: 'Evaluate a set of key performance indicators',
  description:
    'Each KPI assessed as written, the areas none of them covers, and KPIs worth adding.',
  body: analysisBodies.kpi.schema,
  response: kpiResponse,
});

const operationsRoute = runRoute({
  type: 'operations',
  operationId: 'analyzeOperations',
  summary: 'A SWOT, root cause or action plan analysis of a situation',
  description:
    'The findings of the chosen method (`analysis_type`), recommendations and up to five ' +
    'priority actions.',
  body: analysisBodies.operations.schema,
  response: operationsResponse,
});

const readRoute = route({
  method: 'get',
  path: '/analysis/:analysis_id',
  describe: (docs) => ({
    operationId: 'getAnalysis',
    tag,
    summary: 'Read a stored analysis again (its owner only)',
    description:
      'The same body the analysis answered when it was made; 404 for anyone but the user and ' +
      'tenant who made it.',
    auth: true,
    responses: {
      200: {
        description: 'The stored analysis',
        schema: docs.schema('Analysis', analysisResponse),
        example: analysisExamples.kpi.response,
      },
    },
    errors: { 404: ['analysis_not_found'] },
  }),
});

const routes: readonly RouteSpec[] = [
  alignmentRoute,
  strategyRoute,
  kpiRoute,
  operationsRoute,
  readRoute,
];

export const analysisDocs: DocsContribution = (docs) => {
  // The stored analysis, which the GET answers, is named first: it unites the four below.
  docs.schema('Analysis', analysisResponse);
  describeRoutes(routes)(docs);
};

export interface AnalysisRoutesOptions {
  readonly analyses: Analyses;
  readonly prefix: string;
  readonly maxBodyBytes: number;
  /** Authentication and the per-user limit, run before the body is read. */
  readonly guard: (routeClass: 'analysis' | 'default') => AppMiddleware[];
}

export function analysisRoutes(options: AnalysisRoutesOptions): Router<AppState> {
  const { analyses, prefix } = options;
  const router = new Router<AppState>();
  const on = { router, prefix, readBody: jsonBody(options.maxBodyBytes) };
  const guard = options.guard('analysis');

  const run = <S extends z.ZodType>(
    spec: RouteSpec<S>,
    read: (body: z.output<S>) => AnalysisInput,
  ) =>
    mount(on, spec, guard, async (ctx, body) => {
      // Checked on every call, as documented; only a job keeps it (it names the job, scoped to
      // the user and the analysis type).
      const reply = await analyses.request(
        principalOf(ctx),
        read(body),
        deliveryOf(ctx, { streams: false }),
        { idempotencyKey: idempotencyKeyOf(ctx), requestId: ctx.state.requestId },
      );
      if (reply.delivery === 'job') {
        answerAccepted(ctx, prefix, reply.job);
        return;
      }
      ctx.status = 201;
      ctx.set('Location', publicPath(ctx, `${prefix}/analysis/${reply.analysis.id}`));
      ctx.body = analysisView(reply.analysis);
    });

  run(alignmentRoute, analysisBodies.alignment.read);
  run(strategyRoute, analysisBodies.strategy.read);
  run(kpiRoute, analysisBodies.kpi.read);
  run(operationsRoute, analysisBodies.operations.read);

  mount(on, readRoute, options.guard('default'), async (ctx) => {
    const analysis = await analyses.get(principalOf(ctx), ctx.params.analysis_id ?? '');
    ctx.body = analysisView(analysis);
  });

  return matchOnlyIds(router);
}

// The analysis routes: four POSTs that run an analysis and keep it, and a GET that reads a kept
// one back to its owner.
import Router from '@koa/router';
import type { z } from 'zod';
import type { AnalysisInput } from '../analysis/analysis-input.js';
import { ANALYSIS_VERSION, type StoredAnalysis } from '../analysis/analysis-records.js';
import type { Analyses } from '../analysis/analysis-use-cases.js';
import {
  alignmentBody,
  kpiBody,
  operationsBody,
  strategyBody,
  type analysisResponse,
} from './analysis-schemas.js';
import {
  jsonBody,
  principalOf,
  publicPath,
  type AppContext,
  type AppMiddleware,
  type AppState,
} from './middleware.js';
import { answerAccepted } from './job-accepted.js';
import { matchOnlyIds } from './path-ids.js';
import { deliveryOf, idempotencyKeyOf } from './request-headers.js';
import { validate } from './validate.js';

type AnalysisView = z.infer<typeof analysisResponse>;

export function analysisView(analysis: StoredAnalysis): AnalysisView {
  const common = {
    analysis_id: analysis.id,
    created_at: analysis.createdAt,
    metadata: {
      user_id: analysis.userId,
      tenant_id: analysis.tenantId,
      analysis_version: ANALYSIS_VERSION,
      model: analysis.usage.model,
    },
  } as const;
  const { outcome } = analysis;
  switch (outcome.type) {
    case 'alignment':
      return { ...common, analysis_type: 'alignment', ...outcome.output };
    case 'strategy':
      return { ...common, analysis_type: 'strategy', ...outcome.output };
    case 'kpi':
      return { ...common, analysis_type: 'kpi', ...outcome.output };
    case 'operations':
      return { ...common, analysis_type: 'operations', ...outcome.output };
  }
}

export interface AnalysisRoutesOptions {
  readonly analyses: Analyses;
  readonly prefix: string;
  readonly maxBodyBytes: number;
  /** Authentication and the per-user limit, run before the body is read. */
  readonly guard: (routeClass: 'analysis' | 'default') => AppMiddleware[];
}

export function analysisRoutes(options: AnalysisRoutesOptions): Router<AppState> {
  const { analyses, prefix } = options;
  const router = new Router<AppState>({ prefix: `${prefix}/analysis` });
  const body = jsonBody(options.maxBodyBytes);
  const guard = options.guard('analysis');

  const run = (read: (body: unknown) => AnalysisInput) => async (ctx: AppContext) => {
    const input = read(ctx.request.body);
    // Checked on every call, as documented; only a job keeps it (it names the job, scoped to
    // the user and the analysis type).
    const idempotencyKey = idempotencyKeyOf(ctx);
    const reply = await analyses.request(
      principalOf(ctx),
      input,
      deliveryOf(ctx, { streams: false }),
      {
        idempotencyKey,
        requestId: ctx.state.requestId,
      },
    );
    if (reply.delivery === 'job') {
      answerAccepted(ctx, prefix, reply.job);
      return;
    }
    const { analysis } = reply;
    ctx.status = 201;
    ctx.set('Location', publicPath(ctx, `${prefix}/analysis/${analysis.id}`));
    ctx.body = analysisView(analysis);
  };

  router.post(
    '/alignment',
    ...guard,
    body,
    run((raw) => {
      const input = validate('body', alignmentBody, raw);
      return { type: 'alignment', textToAnalyze: input.text_to_analyze, context: input.context };
    }),
  );

  router.post(
    '/strategy',
    ...guard,
    body,
    run((raw) => {
      const input = validate('body', strategyBody, raw);
      return { type: 'strategy', currentStrategy: input.current_strategy, context: input.context };
    }),
  );

  router.post(
    '/kpi',
    ...guard,
    body,
    run((raw) => {
      const input = validate('body', kpiBody, raw);
      return { type: 'kpi', currentKpis: input.current_kpis, context: input.context };
    }),
  );

  router.post(
    '/operations',
    ...guard,
    body,
    run((raw) => {
      const input = validate('body', operationsBody, raw);
      return {
        type: 'operations',
        specificType: input.analysis_type,
        description: input.description,
        context: input.context,
      };
    }),
  );

  router.get('/:analysis_id', ...options.guard('default'), async (ctx) => {
    const analysis = await analyses.get(principalOf(ctx), ctx.params.analysis_id ?? '');
    ctx.body = analysisView(analysis);
  });

  return matchOnlyIds(router);
}

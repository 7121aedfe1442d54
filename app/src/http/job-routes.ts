// GET /jobs/{job_id}: a job read back to its owner, with the synchronous call's body as its
// result (job-accepted.ts answers the 202 that made it).
import Router from '@koa/router';
import type { z } from 'zod';
import type { Job } from '../jobs/job-records.js';
import type { Jobs } from '../jobs/job-use-cases.js';
import { analysisView } from './analysis-routes.js';
import { turnView } from './conversation-routes.js';
import { POLL_AFTER_SECONDS } from './job-accepted.js';
import type { jobResponse } from './job-schemas.js';
import { principalOf, type AppMiddleware, type AppState } from './middleware.js';
import { matchOnlyIds } from './path-ids.js';

const isOpen = (job: Job) => job.status === 'queued' || job.status === 'running';

export function jobView(job: Job): z.infer<typeof jobResponse> {
  const { result } = job;
  return {
    job_id: job.jobId,
    kind: job.kind,
    status: job.status,
    conversation_id: job.conversationId,
    created_at: job.createdAt,
    updated_at: job.updatedAt,
    result:
      result === null
        ? null
        : result.kind === 'message'
          ? turnView(result.turn)
          : analysisView(result.analysis),
    error: job.error as z.infer<typeof jobResponse>['error'],
  };
}

export interface JobRoutesOptions {
  readonly jobs: Jobs;
  readonly prefix: string;
  readonly guard: (routeClass: 'default') => AppMiddleware[];
}

export function jobRoutes(options: JobRoutesOptions): Router<AppState> {
  const router = new Router<AppState>({ prefix: `${options.prefix}/jobs` });
  router.get('/:job_id', ...options.guard('default'), async (ctx) => {
    const job = await options.jobs.get(principalOf(ctx), ctx.params.job_id ?? '');
    if (isOpen(job)) ctx.set('Retry-After', POLL_AFTER_SECONDS);
    ctx.body = jobView(job);
  });
  return matchOnlyIds(router);
}

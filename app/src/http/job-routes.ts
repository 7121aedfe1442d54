// GET /jobs/{job_id}, declared once: a job read back to its owner, with the synchronous call's
// body as its result (job-accepted.ts answers the 202 that made it).
import Router from '@koa/router';
import type { Job } from '../jobs/job-records.js';
import type { Jobs } from '../jobs/job-use-cases.js';
import { AT, JOB_ID, POLL_AFTER_SECONDS } from './job-accepted.js';
import { jobResponse } from './job-schemas.js';
import { principalOf, type AppMiddleware, type AppState } from './middleware.js';
import { matchOnlyIds } from './path-ids.js';
import { describeRoutes, mount, route } from './route.js';
import { jobView } from './views.js';

const isOpen = (job: Job) => job.status === 'queued' || job.status === 'running';

const getJobRoute = route({
  method: 'get',
  path: '/jobs/:job_id',
  describe: (docs) => ({
    operationId: 'getJob',
    tag: 'jobs',
    summary: 'Poll a job (its owner only)',
    description:
      'Where a job accepted with `Prefer: respond-async` stands. Once `succeeded`, `result` is ' +
      'exactly the body the synchronous call would have answered; once `failed`, `error` is ' +
      'its error envelope plus `status`. A job not finished by its deadline reads failed with ' +
      '503 service_unavailable. Jobs are kept 24 h; anyone but their owner gets 404.',
    auth: true,
    responses: {
      200: {
        description: 'The job as it stands',
        schema: docs.schema('Job', jobResponse),
        example: {
          job_id: JOB_ID,
          kind: 'message',
          status: 'running',
          conversation_id: 'conv_3f9a1c2e4b6d8f0a1c3e5b7d9f1a2c4e',
          created_at: AT,
          updated_at: AT,
          result: null,
          error: null,
        },
        optionalHeaders: { 'Retry-After': 'While queued or running: seconds before polling again' },
      },
    },
    errors: { 404: ['job_not_found'] },
  }),
});

export const jobDocs = describeRoutes([getJobRoute]);

export interface JobRoutesOptions {
  readonly jobs: Jobs;
  readonly prefix: string;
  readonly guard: (routeClass: 'default') => AppMiddleware[];
}

export function jobRoutes(options: JobRoutesOptions): Router<AppState> {
  const router = new Router<AppState>();
  mount({ router, prefix: options.prefix }, getJobRoute, options.guard('default'), async (ctx) => {
    const job = await options.jobs.get(principalOf(ctx), ctx.params.job_id ?? '');
    if (isOpen(job)) ctx.set('Retry-After', POLL_AFTER_SECONDS);
    ctx.body = jobView(job);
  });
  return matchOnlyIds(router);
}

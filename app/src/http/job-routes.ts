// A job at the edge: GET /jobs/{job_id}, declared once (a job read back to its owner, with the
// synchronous call's body as its result), and the 202 that made it, which the message and
// analysis routes answer.
import Router from '@koa/router';
import type { z } from 'zod';
import type { AcceptedJob } from '../domain/kernel.js';
import type { Job } from '../jobs/job-records.js';
import type { Jobs } from '../jobs/job-use-cases.js';
import { jobResponse, jobAccepted } from './job-schemas.js';
import {
  principalOf,
  type AppMiddleware,
  type AppState,
  publicPath,
  type AppContext,
} from './middleware.js';
import type { ApiDocs, DocumentedResponse } from './openapi.js';
import { matchOnlyIds } from './path-ids.js';
import { describeRoutes, mount, route } from './routing.js';
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

// ---- the 202 ----
// The 202 that accepts work with `Prefer: respond-async`, written and documented: the message and
// analysis routes answer it once the job is stored and handed on (jobs/job-use-cases.ts).

/** The document's examples of a job. */
export const AT = '2026-01-31T12:00:00.000Z';
export const JOB_ID = 'job_7b2e9c4a1d3f5e6a8b0c2d4e6f8a0b1c';

/** A client polls this often (seconds), while the job is open. */
export const POLL_AFTER_SECONDS = '1';

/** 202 Accepted: where to poll, that the preference was applied, and the job as it stands. */
export function answerAccepted(ctx: AppContext, prefix: string, job: AcceptedJob): void {
  const body: z.infer<typeof jobAccepted> = {
    job_id: job.jobId,
    kind: job.kind,
    status: job.status,
    ...(job.conversationId === null ? {} : { conversation_id: job.conversationId }),
    created_at: job.createdAt,
  };
  ctx.status = 202;
  ctx.set('Location', publicPath(ctx, `${prefix}/jobs/${job.jobId}`));
  ctx.set('Preference-Applied', 'respond-async');
  ctx.set('Retry-After', POLL_AFTER_SECONDS);
  ctx.body = body;
}

/** The 202 a route answers when the request prefers respond-async. */
export function acceptedResponse(docs: ApiDocs, kind: 'message' | 'analysis'): DocumentedResponse {
  return {
    description:
      'Accepted (`Prefer: respond-async`): the work runs as a job; poll the Location until it ' +
      'has succeeded or failed',
    schema: docs.schema('JobAccepted', jobAccepted),
    example: {
      job_id: JOB_ID,
      kind,
      status: 'queued',
      ...(kind === 'message' ? { conversation_id: 'conv_3f9a1c2e4b6d8f0a1c3e5b7d9f1a2c4e' } : {}),
      created_at: AT,
    },
    headers: {
      Location: 'The job URL',
      'Preference-Applied': '`respond-async`',
      'Retry-After': 'Seconds to wait before the first poll',
    },
    links: {
      GetJob: {
        operationId: 'getJob',
        parameters: { job_id: '$response.body#/job_id' },
        description: 'Poll the job that the Location header names',
      },
    },
  };
}

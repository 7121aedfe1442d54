// The 202 that accepts work with `Prefer: respond-async`, written and documented: the message and
// analysis routes answer it once the job is stored and handed on (jobs/accept-job.ts).
import type { z } from 'zod';
import type { AcceptedJob } from '../domain/accepted-job.js';
import { jobAccepted } from './job-schemas.js';
import { publicPath, type AppContext } from './middleware.js';
import type { ApiDocs, DocumentedResponse } from './openapi.js';

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

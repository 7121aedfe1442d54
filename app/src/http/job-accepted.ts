// The 202 that accepts work with `Prefer: respond-async`: the message and analysis routes answer
// it once the job is stored and handed on (jobs/accept-job.ts).
import type { z } from 'zod';
import type { AcceptedJob } from '../domain/accepted-job.js';
import type { jobAccepted } from './job-schemas.js';
import { publicPath, type AppContext } from './middleware.js';

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

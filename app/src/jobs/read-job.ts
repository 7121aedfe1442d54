// Reading a job back: its owner's only (anyone else's reads as a missing one, as for
// conversations in another tenant), and as it stands now: open past its deadline is failed.
import type { Principal } from '../domain/principal.js';
import { JobNotFoundError } from '../errors.js';
import type { JobDeps } from './job-deps.js';
import { asSeen } from './job-errors.js';
import type { Job } from './job-records.js';

export async function readJob(deps: JobDeps, principal: Principal, jobId: string): Promise<Job> {
  const job = await deps.jobs.get(jobId);
  if (!job || job.userId !== principal.userId || job.tenantId !== principal.tenantId) {
    throw new JobNotFoundError(jobId);
  }
  return asSeen(job, deps.now());
}

// What a stopped local server leaves: jobs it was running, or had not started, can never finish
// now. They fail (503, as past their deadline) and their conversations are free again, at the
// stop for those it knows of, and at the next start-up for any a crash left behind.
import type { JobDeps } from './job-deps.js';
import { expiredError, releaseConversation } from './job-use-cases.js';
import type { Job } from './job-records.js';

async function fail(deps: JobDeps, job: Job): Promise<boolean> {
  const failed = await deps.jobs.abandon(job.jobId, expiredError(job), deps.now(), [
    'queued',
    'running',
  ]);
  if (failed) {
    deps.metrics.add('JobExpired', 1, 'Count');
    await releaseConversation(deps, job);
  }
  return failed;
}

export async function failJobs(deps: JobDeps, jobIds: readonly string[]): Promise<number> {
  let failed = 0;
  for (const jobId of jobIds) {
    const job = await deps.jobs.get(jobId);
    if (job && (await fail(deps, job))) failed++;
  }
  return failed;
}

/**
 * Every open job of the store. The local store is this server's own, so whatever is open was
 * left by a previous run of it; the scan reads a table of at most a day's jobs, once, at start.
 */
export async function failUnfinishedJobs(deps: JobDeps): Promise<number> {
  let failed = 0;
  for (const job of await deps.jobs.unfinished()) if (await fail(deps, job)) failed++;
  return failed;
}

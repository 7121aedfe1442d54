// A job's times, as plain data: the jobs use cases apply them, and the Pulumi program reads them
// (infra/jobs.ts sizes Lambda's event age by START_WITHIN_MS; infra/config.ts the function's
// timeout by FINISH_MARGIN_MS). Nothing here imports anything, so the platform loads no app code.

/** How long after its acceptance a job may still be started (Lambda's shortest event age). */
export const START_WITHIN_MS = 60_000;
/** Beyond its model budget, what a job's storage calls may take (template, commit, result). */
export const FINISH_MARGIN_MS = 15_000;
/** Jobs and the Idempotency-Keys that name them are kept this long. */
export const JOB_KEPT_MS = 24 * 60 * 60 * 1000;

/** The latest a job accepted at `acceptedAt` may start, and the moment it reads failed. */
export function jobTimes(acceptedAt: number, budgetMs: number) {
  const startBy = acceptedAt + START_WITHIN_MS;
  return { startBy, deadline: startBy + budgetMs + FINISH_MARGIN_MS };
}

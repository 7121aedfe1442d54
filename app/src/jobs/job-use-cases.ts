// The jobs use cases bound to their dependencies: accepting work (accept-job.ts), reading a job
// (read-job.ts), the worker's run (run-job.ts), and failing what a stopped server left open
// (recover-jobs.ts).
import type { AnalysisInput } from '../analysis/analysis-input.js';
import type { MessageInput } from '../coaching/message-turn.js';
import type { Principal } from '../domain/principal.js';
import { acceptAnalysisJob, acceptMessageJob } from './accept-job.js';
import type { DrainableDispatcher } from './dispatcher.js';
import type { JobDeps } from './job-deps.js';
import { readJob } from './read-job.js';
import { failJobs, failUnfinishedJobs } from './recover-jobs.js';
import { runJob } from './run-job.js';

export function createJobs(deps: JobDeps) {
  return {
    acceptMessage: (
      principal: Principal,
      conversationId: string,
      input: MessageInput,
      requestId: string,
    ) => acceptMessageJob(deps, principal, conversationId, input, requestId),
    acceptAnalysis: (
      principal: Principal,
      input: AnalysisInput,
      idempotencyKey: string | undefined,
      requestId: string,
    ) => acceptAnalysisJob(deps, principal, input, idempotencyKey, requestId),
    get: (principal: Principal, jobId: string) => readJob(deps, principal, jobId),
    /** The worker's entry: runs the job once, whoever calls it and however often. */
    run: (jobId: string) => runJob(deps, jobId),
    /** Fails these jobs (a stop cut them off) and frees their conversations. */
    fail: (jobIds: readonly string[]) => failJobs(deps, jobIds),
    /** Fails every job still open (a start-up after a stop) and frees their conversations. */
    failUnfinished: () => failUnfinishedJobs(deps),
    /**
     * A stop of the process that runs them: nothing new starts, running jobs get `graceMs`,
     * and the rest fail (503) with their conversations freed. Nothing to do where jobs run
     * elsewhere.
     */
    async stop(graceMs: number): Promise<{ finished: number; failed: number }> {
      const dispatcher = deps.dispatcher as Partial<DrainableDispatcher>;
      if (!dispatcher.drain) return { finished: 0, failed: 0 };
      const { finished, unfinished } = await dispatcher.drain(graceMs);
      return { finished, failed: await failJobs(deps, unfinished) };
    },
  };
}

export type Jobs = ReturnType<typeof createJobs>;

// The jobs use cases bound to their dependencies: accepting work (accept-job.ts) through the
// ports the coaching and analysis use cases hand their work to, reading a job (read-job.ts), the
// worker's run (run-job.ts), and failing what a stopped server left open (recover-jobs.ts).
import type { AnalysisJobs } from '../analysis/analysis-deps.js';
import type { TurnJobs } from '../coaching/turn-records.js';
import type { Principal } from '../domain/principal.js';
import { answeredTurn, queueAnalysis, queueTurn } from './accept-job.js';
import type { DrainableDispatcher } from './dispatcher.js';
import type { JobDeps } from './job-deps.js';
import { asSeen } from './job-errors.js';
import { START_WITHIN_MS } from './job-timing.js';
import { readJob } from './read-job.js';
import { failJobs, failUnfinishedJobs } from './recover-jobs.js';
import { runJob } from './run-job.js';

export function createJobs(deps: JobDeps) {
  const turnJobs: TurnJobs = {
    startWithinMs: START_WITHIN_MS,
    queue: (turn) => queueTurn(deps, turn),
    answered: (turn) => answeredTurn(deps, turn),
    find: async (jobId) => {
      const job = await deps.jobs.get(jobId);
      return job && asSeen(job, deps.now());
    },
    eraseConversation: (conversationId) => deps.jobs.eraseConversation(conversationId),
  };
  const analysisJobs: AnalysisJobs = {
    queue: (request) => queueAnalysis(deps, request),
  };
  return {
    turnJobs,
    analysisJobs,
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

// The local server's dispatcher: jobs run in this process, at most `concurrency` at a time, the
// rest waiting their turn in arrival order. A stop drains it: nothing new starts, the running
// jobs get the grace period, and whatever is left is reported for the caller to fail.
import type { Logger } from '../observability/logger.js';
import { idleSignal } from '../local/in-flight.js';
import type { DrainableDispatcher } from './dispatcher.js';

export interface InProcessOptions {
  readonly concurrency: number;
  /** Runs one job to its end; never rejects for the job's own failure (runJob records it). */
  readonly run: (jobId: string) => Promise<void>;
  readonly logger: Logger;
}

export function createInProcessDispatcher(options: InProcessOptions): DrainableDispatcher {
  const waiting: string[] = [];
  const running = new Set<string>();
  let finished = 0;
  let stopping = false;
  const idle = idleSignal();

  const next = () => {
    while (!stopping && running.size < options.concurrency && waiting.length > 0) {
      const jobId = waiting.shift() as string;
      running.add(jobId);
      void options
        .run(jobId)
        .catch((error: Error) =>
          options.logger.error({ event: 'job_run_failed', job_id: jobId, reason: error.message }),
        )
        .finally(() => {
          running.delete(jobId);
          finished++;
          if (running.size === 0) idle.reached();
          next();
        });
    }
  };

  return {
    dispatch(job) {
      if (stopping) return Promise.reject(new Error('the server is stopping'));
      waiting.push(job.jobId);
      // After the response that accepted it has been written: the 202 never waits for the work.
      setImmediate(next);
      return Promise.resolve();
    },

    async drain(graceMs) {
      stopping = true;
      const notStarted = waiting.splice(0);
      const finishedBefore = finished;
      if (running.size > 0 && graceMs > 0) await idle.within(graceMs);
      return { finished: finished - finishedBefore, unfinished: [...notStarted, ...running] };
    },
  };
}

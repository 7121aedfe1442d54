// The jobs' port to whatever runs them: an accepted job is handed on, and the worker that gets
// it calls runJob (job-use-cases.ts) with its id. Locally that is this process (in-process-dispatcher.ts);
// in AWS, another invocation of the function. The job is stored before it is dispatched, so a
// dispatcher carries only its id.
export interface JobDispatcher {
  /** Hands the job on; resolves once it will run (or rejects, and then it never will). */
  dispatch(job: { readonly jobId: string }): Promise<void>;
}

/** A dispatcher that runs jobs in this process, and so has something to wait for on a stop. */
export interface DrainableDispatcher extends JobDispatcher {
  /**
   * Stops taking jobs, gives the running ones up to `graceMs` to finish, and returns the ids of
   * those that were not started or did not finish in time.
   */
  drain(graceMs: number): Promise<{ readonly finished: number; readonly unfinished: string[] }>;
}

// A job as the jobs use cases keep it, and what they need from its storage. A job is one piece
// of model work accepted with `Prefer: respond-async`: what to run (plain data, so any worker
// can run it), who owns it, where it stands, and its outcome. Its status moves only forward,
// queued → running → succeeded | failed, each step a conditional write (storage/job-repository.ts).
import type { AnalysisInput } from '../analysis/analysis-input.js';
import type { StoredAnalysis } from '../analysis/analysis-records.js';
import type { LeasedTurn, TurnInput, TurnResult } from '../coaching/turn-records.js';
import type { AcceptedJob } from '../domain/kernel.js';
import type { ErrorEnvelope } from '../errors.js';

/** The error envelope of a failed job, plus its HTTP status (the contract's `error`). */
export interface JobError extends ErrorEnvelope {
  readonly status: number;
}

/** A message turn whose conversation lease was taken when the job was accepted. */
export interface MessageWork {
  readonly kind: 'message';
  readonly conversationId: string;
  readonly input: TurnInput;
  /** The leased turn the worker resumes. */
  readonly turn: LeasedTurn;
}

export interface AnalysisWork {
  readonly kind: 'analysis';
  readonly input: AnalysisInput;
}

export type JobWork = MessageWork | AnalysisWork;

/** What a job produced; the edge shows it as the synchronous call's body. */
export type JobResult =
  | { readonly kind: 'message'; readonly turn: TurnResult }
  | { readonly kind: 'analysis'; readonly analysis: StoredAnalysis };

export interface Job extends AcceptedJob {
  readonly userId: string;
  readonly tenantId: string;
  readonly updatedAt: string;
  /** Epoch milliseconds after which no worker may start it. */
  readonly startBy: number;
  /** Epoch milliseconds after which a job not finished reads failed (503). */
  readonly deadline: number;
  /** The request id of the request that accepted it (the error envelope's request_id). */
  readonly requestId: string;
  /**
   * What to run; null once it has succeeded or failed, when the client's text (the message,
   * its metadata, the analysed text) is no longer kept.
   */
  readonly work: JobWork | null;
  /** What it produced, once succeeded. */
  readonly result: JobResult | null;
  readonly error: JobError | null;
}

/** What an Idempotency-Key of an asynchronous analysis points at. */
export interface JobKeyRecord {
  readonly jobId: string;
  readonly bodyHash: string;
  /** Epoch milliseconds after which the key is free again. */
  readonly expiresAt: number;
}

export type JobOutcome =
  | { readonly status: 'succeeded'; readonly result: JobResult }
  | { readonly status: 'failed'; readonly error: JobError };

export interface JobRepository {
  /** Stores a new queued job; an existing id is a bug, refused. A lost answer is read back. */
  create(job: Job): Promise<void>;
  /** Stores the job unless one is stored under its id already; either way, the stored one. */
  createOnce(job: Job): Promise<Job>;
  get(jobId: string): Promise<Job | undefined>;
  /**
   * queued → running for this worker, only before `startBy`; undefined when it was not queued
   * or is too late. A claim sent again after its answer was lost knows the job as its own.
   */
  start(jobId: string, now: Date, workerId: string): Promise<Job | undefined>;
  /**
   * running → succeeded | failed, only before the deadline; false when that did not apply. A
   * message job's success is written with its turn's commit instead (conversation-records.ts).
   */
  finish(jobId: string, outcome: JobOutcome, now: Date, workerId: string): Promise<boolean>;
  /**
   * From one of `from` to failed, whatever the deadline (a stop, a start-up, a lost dispatch,
   * a start too late); false when it had moved on.
   */
  abandon(
    jobId: string,
    error: JobError,
    now: Date,
    from: readonly ('queued' | 'running')[],
  ): Promise<boolean>;
  /** The key's record, when one was written (expired ones included: the caller judges). */
  keyRecord(scope: string): Promise<JobKeyRecord | undefined>;
  /**
   * Points the key at a job: over nothing, or over `replacing` (a key whose job failed is free
   * again); false when another request's record is there.
   */
  claimKey(scope: string, record: JobKeyRecord, replacing?: string): Promise<boolean>;
  /** Jobs still queued or running (the local server's start-up; never a request path). */
  unfinished(): Promise<Job[]>;
  /** Deletes every job of the conversation, whatever its status (its erasure). */
  eraseConversation(conversationId: string): Promise<void>;
}

// What a coaching turn takes, what it answers, and what travels with a turn that a job runs. All
// plain data: the answer is stored as is for Idempotency-Key replays, and a leased turn is kept
// on its job until a worker, in any process, resumes it. Also the two sides of a turn run as a
// job: the port through which a turn becomes one (jobs/ implements it), and what its worker may
// do with the leased turn.
import type { AcceptedJob, Principal, Phase } from '../domain/kernel.js';
import type { HeldLease } from './conversation-records.js';

/** What a turn answers: a message the user sends, or the last one again (a regenerate). */
export type TurnInput = SentMessage | Regenerate;

export interface SentMessage {
  readonly userMessage: string;
  readonly metadata: Record<string, unknown>;
  readonly idempotencyKey?: string;
}

/** A new answer to the last user message, replacing the last answer. */
export interface Regenerate {
  readonly regenerate: true;
  readonly idempotencyKey?: string;
}

export const isRegenerate = (input: TurnInput): input is Regenerate => 'regenerate' in input;

export interface TurnResult {
  readonly conversationId: string;
  /** The coach's answer's id, as the history shows it. */
  readonly messageId: string;
  readonly aiResponse: string;
  readonly followUpQuestion: string | null;
  readonly phase: Phase;
  readonly progress: number;
  readonly isComplete: boolean;
  readonly insights: readonly string[];
  readonly identifiedValues: readonly string[];
  readonly nextSteps: readonly string[] | null;
}

/** A conversation leased for one turn: only this turn can commit while the lease holds. */
export interface LeasedTurn {
  readonly conversationId: string;
  /** The lease, with its fencing number, the request's digests and its job, if any. */
  readonly lease: HeldLease;
  /** Epoch milliseconds, once the lease was won: the user message's time. */
  readonly startedAt: number;
}

/** A leased turn handed to a job, with what its worker needs to run it. */
export interface QueuedTurn {
  /** The job's id, minted before the lease so that the lease names its holder. */
  readonly jobId: string;
  readonly principal: Principal;
  readonly turn: LeasedTurn;
  readonly input: TurnInput;
  /** The accepting request's id (a failed job's error envelope carries it). */
  readonly requestId: string;
}

/** A turn answered before, made a job that has already succeeded (a replayed key). */
export interface AnsweredTurn {
  /** The answer's job id: the same for every retry of the key while the answer stands. */
  readonly jobId: string;
  readonly principal: Principal;
  readonly conversationId: string;
  readonly result: TurnResult;
  readonly requestId: string;
}

/** What a job's worker may do with the turn its job leased: run it, or let it go unrun. */
export interface LeasedTurns {
  resume(principal: Principal, turn: LeasedTurn, input: TurnInput): Promise<TurnResult>;
  release(turn: LeasedTurn): Promise<void>;
}

/** Where a turn goes to be run by a job's worker, and a conversation's jobs with it. */
export interface TurnJobs {
  /** How long a queued job may wait for its worker: its lease holds that long unrenewed. */
  readonly startWithinMs: number;
  /** Stores a job for the leased turn and hands it to a worker; the job holds the lease now. */
  queue(turn: QueuedTurn): Promise<AcceptedJob>;
  /** The job that is this answer already: stored now, or the one stored before under its id. */
  answered(turn: AnsweredTurn): Promise<AcceptedJob>;
  /** The job with this id, while it is kept. */
  find(jobId: string): Promise<AcceptedJob | undefined>;
  /** Deletes every job of the conversation, whatever its status (its erasure). */
  eraseConversation(conversationId: string): Promise<void>;
}

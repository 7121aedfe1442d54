// What a client is told of work accepted as a job (`Prefer: respond-async`): the job's id, what it
// runs, where it stands and when it was accepted. The coaching and analysis use cases hand their
// work to jobs/ through ports that answer this; http/ writes it as the 202.
import type { JobStatus } from './vocabulary.js';

export interface AcceptedJob {
  readonly jobId: string;
  readonly kind: 'message' | 'analysis';
  /** `queued`; already `succeeded` when the job is an answer given before (a replayed key). */
  readonly status: JobStatus;
  /** A message job's conversation; null for an analysis. */
  readonly conversationId: string | null;
  readonly createdAt: string;
}

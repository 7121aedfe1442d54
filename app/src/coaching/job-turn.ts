// A message turn run by a job's worker: the job took the conversation's lease when it was
// accepted, so the turn picks the conversation up under that lease and goes on as any turn
// (send-message.ts). A pause, complete or erasure that landed in between wins: the lease is
// let go and the job fails with what the synchronous turn would have answered.
import type { Principal } from '../domain/principal.js';
import {
  ConversationBusyError,
  ConversationNotActiveError,
  ConversationNotFoundError,
} from '../errors.js';
import type { CoachingDeps } from './coaching-deps.js';
import type { HeldLease } from './conversation-records.js';
import type { MessageInput, TurnResult } from './message-turn.js';
import { completeTurn, leasedTemplate } from './send-message.js';
import { releaseLease } from './turn-lease.js';

export interface JobTurn {
  readonly conversationId: string;
  readonly input: MessageInput;
  readonly lease: HeldLease;
  readonly bodyHash: string;
  readonly startedAt: number;
}

export async function runLeasedTurn(
  deps: CoachingDeps,
  principal: Principal,
  job: JobTurn,
): Promise<TurnResult> {
  const conversation = await deps.conversations.get(job.conversationId);
  if (!conversation || conversation.tenantId !== principal.tenantId) {
    throw new ConversationNotFoundError(job.conversationId);
  }
  const keyDigest = job.lease.keyDigest;
  const turn = {
    conversation,
    lease: job.lease,
    bodyHash: job.bodyHash,
    keyDigest,
    startedAt: job.startedAt,
  };
  if (conversation.lease?.id !== job.lease.leaseId) {
    // The lease lapsed and another turn took it, or a status change let it go: not ours to free.
    if (conversation.status !== 'active') {
      throw new ConversationNotActiveError(
        job.conversationId,
        conversation.status,
        'send a message',
      );
    }
    throw new ConversationBusyError(job.conversationId);
  }
  if (conversation.status !== 'active') {
    await releaseLease(deps, turn);
    throw new ConversationNotActiveError(job.conversationId, conversation.status, 'send a message');
  }
  const template = await leasedTemplate(deps, turn);
  return completeTurn(deps, principal, turn, template, job.input, undefined);
}

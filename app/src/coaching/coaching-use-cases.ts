// The coaching use cases bound to their dependencies: what the HTTP routes call, and the narrow
// part of the turn pipeline a job's worker calls. Each story has its own file:
// initiate-conversation, turn-pipeline (sending a message), change-status, read-conversations,
// erase-conversation and answer-feedback.
import type { Principal, Delivery } from '../domain/kernel.js';
import { giveFeedback, removeFeedback, type FeedbackInput } from './answer-feedback.js';
import { completeConversation, pauseConversation, resumeConversation } from './change-status.js';
import type { CoachingDeps } from './coaching-deps.js';
import { releaseLease } from './conversation-lease.js';
import type { ListQuery } from './conversation-records.js';
import { eraseConversation } from './erase-conversation.js';
import type { FeedbackQuery } from './feedback-records.js';
import { initiateConversation, type InitiateInput } from './initiate-conversation.js';
import { listConversations, readConversation } from './read-conversations.js';
import { resumeTurn, sendMessage } from './turn-pipeline.js';
import type { LeasedTurns, TurnInput } from './turn-records.js';

export function createCoaching(deps: CoachingDeps) {
  const leasedTurns: LeasedTurns = {
    resume: (principal, turn, input) => resumeTurn(deps, principal, turn, input),
    release: (turn) => releaseLease(deps, turn),
  };
  return {
    initiate: (principal: Principal, input: InitiateInput) =>
      initiateConversation(deps, principal, input),
    sendMessage: (
      principal: Principal,
      conversationId: string,
      input: TurnInput,
      delivery: Delivery,
      requestId: string,
    ) => sendMessage(deps, principal, conversationId, input, delivery, requestId),
    get: (principal: Principal, conversationId: string) =>
      readConversation(deps, principal, conversationId),
    list: (principal: Principal, query: Omit<ListQuery, 'userId' | 'tenantId'>) =>
      listConversations(deps, principal, query),
    pause: (principal: Principal, conversationId: string, reason?: string) =>
      pauseConversation(deps, principal, conversationId, reason),
    resume: (principal: Principal, conversationId: string) =>
      resumeConversation(deps, principal, conversationId),
    complete: (principal: Principal, conversationId: string, feedback?: string, rating?: number) =>
      completeConversation(deps, principal, conversationId, feedback, rating),
    erase: (principal: Principal, conversationId: string) =>
      eraseConversation(deps, principal, conversationId),
    giveFeedback: (
      principal: Principal,
      conversationId: string,
      messageId: string,
      input: FeedbackInput,
    ) => giveFeedback(deps, principal, conversationId, messageId, input),
    removeFeedback: (principal: Principal, conversationId: string, messageId: string) =>
      removeFeedback(deps, principal, conversationId, messageId),
    /** A tenant's feedback for the export; who may read which tenant is the admin route's rule. */
    exportFeedback: (query: FeedbackQuery) => deps.feedback.export(query),
    leasedTurns,
  };
}

export type Coaching = ReturnType<typeof createCoaching>;

// The coaching use cases bound to their dependencies: what the HTTP routes call. Each story has
// its own file: initiate-conversation, send-message, change-status, read-conversations and
// erase-conversation.
import type { Principal } from '../domain/principal.js';
import { completeConversation, pauseConversation, resumeConversation } from './change-status.js';
import type { CoachingDeps } from './coaching-deps.js';
import type { ListQuery } from './conversation-records.js';
import { eraseConversation } from './erase-conversation.js';
import { initiateConversation, type InitiateInput } from './initiate-conversation.js';
import type { MessageInput } from './message-turn.js';
import { listConversations, readConversation } from './read-conversations.js';
import { beginMessage, sendMessage } from './send-message.js';

export function createCoaching(deps: CoachingDeps) {
  return {
    initiate: (principal: Principal, input: InitiateInput) =>
      initiateConversation(deps, principal, input),
    sendMessage: (principal: Principal, conversationId: string, input: MessageInput) =>
      sendMessage(deps, principal, conversationId, input),
    beginMessage: (principal: Principal, conversationId: string, input: MessageInput) =>
      beginMessage(deps, principal, conversationId, input),
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
  };
}

export type Coaching = ReturnType<typeof createCoaching>;

// Starting a conversation: the topic's template opens it, a coaching session begins beside it
// (the run's model, tokens and cost), and the opening message is the first of its history.
// The three are written as one (conversation-records.ts): an initiate that fails leaves none.
import {
  newId,
  type Principal,
  type CoachingTopic,
  type PromptVersionRef,
} from '../domain/kernel.js';
import type { CoachingTemplate } from '../prompts/template.js';
import {
  answerMetadata,
  type Conversation,
  type Message,
  mintMessageId,
  phaseProgress,
} from './conversation-entity.js';
import { modelFor, type CoachingDeps } from './coaching-deps.js';
import { coachingLog } from './coaching-log.js';
import type { CoachingSession } from './session-records.js';

export interface InitiateInput {
  readonly topic: CoachingTopic;
  readonly context: Record<string, unknown>;
  readonly language: string;
}

/**
 * A new conversation on the template, before its first turn: the opening message (the template's
 * own words, recording the version they came from) is the first of its history. What initiate
 * stores, and what a template's preview takes its turn on.
 */
export function openConversation(start: {
  readonly template: CoachingTemplate;
  /** The version the template is; null for a preview of content not saved as one. */
  readonly promptVersion: PromptVersionRef | null;
  readonly principal: Principal;
  readonly input: InitiateInput;
  readonly at: string;
  readonly sessionId?: string;
}): { readonly conversation: Conversation; readonly opening: Message } {
  const { template, principal, input, at } = start;
  const opening: Message = {
    messageId: mintMessageId(0, 0),
    role: 'assistant',
    content: template.initial_message.trim(),
    timestamp: at,
    metadata: answerMetadata(null, start.promptVersion),
  };
  const conversation: Conversation = {
    conversationId: newId('conv'),
    userId: principal.userId,
    tenantId: principal.tenantId,
    topic: input.topic,
    status: 'active',
    phase: 'introduction',
    resultStatus: 'exploring',
    insights: [],
    identifiedValues: [],
    userTurns: 0,
    turnCount: 0,
    recentMessages: [opening],
    context: input.context,
    language: input.language,
    sessionId: start.sessionId,
    metadata: {},
    createdAt: at,
    updatedAt: at,
    completedAt: null,
  };
  return { conversation, opening };
}

export async function initiateConversation(
  deps: CoachingDeps,
  principal: Principal,
  input: InitiateInput,
) {
  const template = await deps.templates.coaching(input.topic);
  const at = deps.now().toISOString();
  const sessionId = newId('sess');
  const { conversation, opening } = openConversation({
    template,
    promptVersion: template.promptVersion,
    principal,
    input,
    at,
    sessionId,
  });
  const session: CoachingSession = {
    sessionId,
    conversationId: conversation.conversationId,
    tenantId: principal.tenantId,
    userId: principal.userId,
    topic: input.topic,
    status: 'active',
    startedAt: at,
    completedAt: null,
    model: modelFor(deps.llm, template),
    provider: deps.llm.name,
    turns: 0,
    failedCalls: 0,
    inputTokens: 0,
    outputTokens: 0,
    estimatedCostUsd: 0,
  };
  await deps.conversations.create(conversation, opening, session);
  deps.metrics.add('ConversationInitiated', 1, 'Count');
  coachingLog(deps.logger).event('conversation_initiated', principal, conversation);
  return {
    conversation,
    initialMessage: opening.content,
    progress: phaseProgress.introduction,
  };
}

// Starting a conversation: the topic's template opens it, a coaching session begins beside it
// (the run's model, tokens and cost), and the opening message is the first of its history.
// The three are written as one (conversation-records.ts): an initiate that fails leaves none.
import { newId } from '../domain/ids.js';
import type { Principal } from '../domain/principal.js';
import type { CoachingTopic } from '../domain/vocabulary.js';
import { modelFor, type CoachingDeps } from './coaching-deps.js';
import { coachingLog } from './coaching-log.js';
import type { Conversation, Message } from './conversation-entity.js';
import { phaseProgress } from './phases.js';
import type { CoachingSession } from './session-records.js';

export interface InitiateInput {
  readonly topic: CoachingTopic;
  readonly context: Record<string, unknown>;
  readonly language: string;
}

export async function initiateConversation(
  deps: CoachingDeps,
  principal: Principal,
  input: InitiateInput,
) {
  const template = await deps.templates.coaching(input.topic);
  const at = deps.now().toISOString();
  const sessionId = newId('sess');
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
    recentMessages: [],
    context: input.context,
    language: input.language,
    sessionId,
    metadata: {},
    createdAt: at,
    updatedAt: at,
    completedAt: null,
  };
  const opening: Message = {
    role: 'assistant',
    content: template.initial_message.trim(),
    timestamp: at,
    metadata: { phase: 'introduction', template_version: template.version },
  };
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
  const stored = { ...conversation, recentMessages: [opening] };
  await deps.conversations.create(stored, opening, session);
  deps.metrics.add('ConversationInitiated', 1, 'Count');
  coachingLog(deps.logger).event('conversation_initiated', principal, conversation);
  return {
    conversation: stored,
    initialMessage: opening.content,
    progress: phaseProgress.introduction,
  };
}

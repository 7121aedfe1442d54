// The conversation use cases, one function a story: initiate, send a message, read, list,
// pause, resume, complete and erase. Storage, templates and the model are ports.
import { createHash, randomUUID } from 'node:crypto';
import { newId } from '../domain/ids.js';
import type { Principal } from '../domain/principal.js';
import {
  AppError,
  ConversationBusyError,
  ConversationLimitReachedError,
  ConversationNotActiveError,
  ConversationNotFoundError,
  IdempotencyKeyReusedError,
  PermissionDeniedError,
} from '../errors.js';
import type { Logger } from '../observability/logger.js';
import type { TokenUsage } from '../domain/usage.js';
import type { LlmProvider } from '../llm/port.js';
import { estimateCostUsd } from '../llm/pricing.js';
import type { Metrics } from '../observability/metrics.js';
import type { CoachingTopic, Phase } from '../domain/vocabulary.js';
import type { CoachingTemplate } from '../prompts/template.js';
import {
  applyTurn,
  isComplete,
  phaseProgress,
  transition,
  type Conversation,
  type Message,
  type StatusAction,
} from './conversation.js';
import type {
  ConversationRepository,
  ListPage,
  SessionRepository,
  StoredConversation,
  TurnLease,
} from './ports.js';
import { coachingTurnRequest } from './turn-request.js';

export interface CoachingDeps {
  readonly conversations: ConversationRepository;
  readonly sessions: SessionRepository;
  readonly templates: { coaching(topic: CoachingTopic): Promise<CoachingTemplate> };
  readonly llm: LlmProvider;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly maxTurns: number;
  readonly now?: () => Date;
}

/** What one message turn answers; stored as is for Idempotency-Key replays. */
export interface TurnResult {
  readonly conversationId: string;
  readonly aiResponse: string;
  readonly followUpQuestion: string | null;
  readonly phase: Phase;
  readonly progress: number;
  readonly isComplete: boolean;
  readonly insights: readonly string[];
  readonly identifiedValues: readonly string[];
  readonly nextSteps: readonly string[] | null;
}

export interface InitiateInput {
  readonly topic: CoachingTopic;
  readonly context: Record<string, unknown>;
  readonly language: string;
}

export interface MessageInput {
  readonly userMessage: string;
  readonly metadata: Record<string, unknown>;
  readonly idempotencyKey?: string;
}

/** A turn may take this long before its lease lapses and another request may take over. */
const LEASE_MS = 30_000;
const IDEMPOTENCY_MS = 24 * 60 * 60 * 1000;

export function createCoaching(deps: CoachingDeps) {
  const now = deps.now ?? (() => new Date());
  const modelFor = (template: CoachingTemplate): string =>
    deps.llm.modelFor?.(template.model) ?? deps.llm.name;

  async function owned(principal: Principal, conversationId: string): Promise<StoredConversation> {
    return authorize(principal, conversationId, await deps.conversations.get(conversationId));
  }

  function authorize(
    principal: Principal,
    conversationId: string,
    conversation: StoredConversation | undefined,
  ): StoredConversation {
    // Another tenant's conversation is indistinguishable from a missing one.
    if (!conversation || conversation.tenantId !== principal.tenantId) {
      throw new ConversationNotFoundError(conversationId);
    }
    if (conversation.userId !== principal.userId)
      throw new PermissionDeniedError(`conversation ${conversationId}`);
    return conversation;
  }

  async function recordCall(
    conversation: Conversation,
    call: { model: string; provider: string; usage: TokenUsage; failed: boolean },
  ): Promise<void> {
    deps.metrics.add('LLMInputTokens', call.usage.inputTokens, 'Count');
    deps.metrics.add('LLMOutputTokens', call.usage.outputTokens, 'Count');
    if (!conversation.sessionId) return;
    try {
      const costUsd = estimateCostUsd(call.model, call.usage) ?? 0;
      await deps.sessions.recordCall(
        conversation.sessionId,
        { ...call, costUsd },
        now().toISOString(),
      );
    } catch (error) {
      // Usage is bookkeeping: the user's turn is already committed, so it must not fail now.
      deps.logger.warn({
        event: 'session_usage_not_recorded',
        conversation_id: conversation.conversationId,
        reason: (error as Error).message,
      });
    }
  }

  /** Explains why a turn's lease was refused, as the contract's error. */
  async function refusal(
    principal: Principal,
    conversationId: string,
    current: StoredConversation | undefined,
    input: MessageInput,
    bodyHash: string,
    at: number,
  ): Promise<TurnResult> {
    const conversation = authorize(principal, conversationId, current);
    const record = input.idempotencyKey
      ? conversation.idempotency[input.idempotencyKey]
      : undefined;
    if (record && record.expiresAt >= at) {
      if (record.bodyHash !== bodyHash) throw new IdempotencyKeyReusedError();
      const replay = await deps.conversations.turnResponse(conversationId, record.turn);
      if (replay) return replay as TurnResult;
    }
    if (conversation.status !== 'active') {
      throw new ConversationNotActiveError(conversationId, conversation.status, 'send a message');
    }
    if (conversation.userTurns >= deps.maxTurns) {
      throw new ConversationLimitReachedError(conversationId, deps.maxTurns);
    }
    throw new ConversationBusyError(conversationId);
  }

  async function changeStatus(
    principal: Principal,
    conversationId: string,
    action: StatusAction,
    metadata: (current: Readonly<Record<string, unknown>>) => Record<string, unknown>,
  ): Promise<void> {
    // A concurrent status change makes the conditional write fail; decide again on fresh state.
    for (let attempt = 0; attempt < 3; attempt++) {
      const conversation = await owned(principal, conversationId);
      const next = transition(conversation.status, action);
      if (next === 'refused')
        throw new ConversationNotActiveError(conversationId, conversation.status, action);
      if (next === 'unchanged') return;
      const at = now().toISOString();
      const changed = await deps.conversations.updateStatus(
        conversationId,
        conversation.status,
        next,
        {
          updatedAt: at,
          completedAt: next === 'completed' ? at : undefined,
          metadata: metadata(conversation.metadata),
        },
      );
      if (!changed) continue;
      deps.logger.info({
        event: `conversation_${next}`,
        conversation_id: conversationId,
        user_id: principal.userId,
        tenant_id: principal.tenantId,
        topic: conversation.topic,
      });
      if (conversation.sessionId) {
        const outcome =
          next === 'completed'
            ? {
                phase: conversation.phase,
                identified_values: conversation.identifiedValues,
                insights: conversation.insights.length,
              }
            : undefined;
        await deps.sessions
          .updateStatus(conversation.sessionId, next, at, outcome)
          .catch((error: Error) =>
            deps.logger.warn({
              event: 'session_status_not_recorded',
              conversation_id: conversationId,
              reason: error.message,
            }),
          );
      }
      return;
    }
    throw new ConversationBusyError(conversationId);
  }

  return {
    async initiate(principal: Principal, input: InitiateInput) {
      const template = await deps.templates.coaching(input.topic);
      const at = now().toISOString();
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
        sessionId: newId('sess'),
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
      await deps.sessions.create({
        sessionId: conversation.sessionId as string,
        conversationId: conversation.conversationId,
        tenantId: principal.tenantId,
        userId: principal.userId,
        topic: input.topic,
        status: 'active',
        startedAt: at,
        completedAt: null,
        model: modelFor(template),
        provider: deps.llm.name,
        turns: 0,
        failedCalls: 0,
        inputTokens: 0,
        outputTokens: 0,
        estimatedCostUsd: 0,
      });
      const stored = { ...conversation, recentMessages: [opening] };
      await deps.conversations.create(stored, opening);
      deps.metrics.add('ConversationInitiated', 1, 'Count');
      deps.logger.info({
        event: 'conversation_initiated',
        conversation_id: conversation.conversationId,
        user_id: principal.userId,
        tenant_id: principal.tenantId,
        topic: input.topic,
      });
      return {
        conversation: stored,
        initialMessage: opening.content,
        progress: phaseProgress.introduction,
      };
    },

    async sendMessage(
      principal: Principal,
      conversationId: string,
      input: MessageInput,
    ): Promise<TurnResult> {
      const bodyHash = createHash('sha256')
        .update(JSON.stringify([input.userMessage, input.metadata]))
        .digest('hex');
      const startedAt = now().getTime();
      const lease: TurnLease = {
        leaseId: randomUUID(),
        now: startedAt,
        expiresAt: startedAt + LEASE_MS,
        idempotencyKey: input.idempotencyKey,
        maxUserTurns: deps.maxTurns,
      };
      const begun = await deps.conversations.beginTurn(
        conversationId,
        principal.userId,
        principal.tenantId,
        lease,
      );
      if (!begun.ok)
        return refusal(principal, conversationId, begun.current, input, bodyHash, startedAt);

      const conversation = begun.conversation;
      let committed = false;
      try {
        const template = await deps.templates.coaching(conversation.topic);
        let answer;
        try {
          answer = await deps.llm.generate(
            coachingTurnRequest(conversation, template, input.userMessage),
          );
        } catch (error) {
          const usage = (error as { usage?: TokenUsage }).usage;
          if (usage) {
            await recordCall(conversation, {
              model: modelFor(template),
              provider: deps.llm.name,
              usage,
              failed: true,
            });
          }
          deps.logger.info({
            event: 'message_processed',
            outcome: 'failed',
            error: error instanceof AppError ? error.code : 'internal_server_error',
            conversation_id: conversationId,
            user_id: principal.userId,
            tenant_id: principal.tenantId,
            topic: conversation.topic,
            model: modelFor(template),
            input_tokens: usage?.inputTokens ?? 0,
            output_tokens: usage?.outputTokens ?? 0,
            duration_ms: now().getTime() - startedAt,
          });
          throw error;
        }
        const turn = answer.output;
        const answeredAt = now().toISOString();
        const userMessage: Message = {
          role: 'user',
          content: input.userMessage,
          timestamp: new Date(startedAt).toISOString(),
          metadata: input.metadata,
        };
        const assistantMessage: Message = {
          role: 'assistant',
          content: turn.ai_response,
          timestamp: answeredAt,
          metadata: { model: answer.model, follow_up_question: turn.follow_up_question },
        };
        const after = applyTurn(
          conversation,
          userMessage,
          assistantMessage,
          {
            aiResponse: turn.ai_response,
            followUpQuestion: turn.follow_up_question,
            insights: turn.insights,
            identifiedValues: turn.identified_values,
            resultStatus: turn.result_status,
          },
          template,
        );
        const result: TurnResult = {
          conversationId,
          aiResponse: turn.ai_response,
          followUpQuestion: turn.follow_up_question,
          phase: after.phase,
          progress: phaseProgress[after.phase],
          isComplete: isComplete(after),
          insights: after.insights,
          identifiedValues: after.identifiedValues,
          nextSteps: turn.next_steps,
        };
        const turnNumber = conversation.turnCount + 1;
        committed = await deps.conversations.commitTurn(conversation, after, lease, {
          turn: turnNumber,
          messages: [userMessage, assistantMessage],
          idempotency: input.idempotencyKey
            ? {
                key: input.idempotencyKey,
                record: { turn: turnNumber, bodyHash, expiresAt: startedAt + IDEMPOTENCY_MS },
                response: result,
              }
            : undefined,
        });
        // The lease lapsed and another request took over (or the conversation was erased).
        if (!committed) throw new ConversationBusyError(conversationId);

        await recordCall(after, {
          model: answer.model,
          provider: answer.provider,
          usage: answer.usage,
          failed: false,
        });
        deps.metrics.add('MessageProcessed', 1, 'Count');
        deps.logger.info({
          event: 'message_processed',
          outcome: 'ok',
          conversation_id: conversationId,
          user_id: principal.userId,
          tenant_id: principal.tenantId,
          topic: conversation.topic,
          phase: after.phase,
          model: answer.model,
          input_tokens: answer.usage.inputTokens,
          output_tokens: answer.usage.outputTokens,
          duration_ms: now().getTime() - startedAt,
        });
        return result;
      } finally {
        if (!committed) {
          await deps.conversations
            .releaseTurn(conversationId, lease.leaseId)
            .catch((error: Error) =>
              deps.logger.warn({
                event: 'turn_lease_not_released',
                conversation_id: conversationId,
                reason: error.message,
              }),
            );
        }
      }
    },

    async get(principal: Principal, conversationId: string) {
      const conversation = await owned(principal, conversationId);
      // Independent reads, so one round trip of latency rather than two.
      const [messages, session] = await Promise.all([
        deps.conversations.messages(conversation),
        conversation.sessionId
          ? deps.sessions.get(conversation.sessionId).catch(() => undefined)
          : undefined,
      ]);
      if (!session) return { conversation, messages };
      // The run's usage, read from its session; never stored on the conversation itself.
      const usage = {
        model: session.model,
        turns: session.turns,
        failed_calls: session.failedCalls,
        input_tokens: session.inputTokens,
        output_tokens: session.outputTokens,
        estimated_cost_usd: session.estimatedCostUsd,
      };
      return {
        conversation: { ...conversation, metadata: { ...conversation.metadata, usage } },
        messages,
      };
    },

    list(
      principal: Principal,
      query: Omit<Parameters<ConversationRepository['list']>[0], 'userId' | 'tenantId'>,
    ): Promise<ListPage> {
      return deps.conversations.list({
        ...query,
        userId: principal.userId,
        tenantId: principal.tenantId,
      });
    },

    pause(principal: Principal, conversationId: string, reason?: string) {
      return changeStatus(principal, conversationId, 'pause', (m) => ({
        ...m,
        ...(reason ? { pause_reason: reason } : {}),
      }));
    },

    resume(principal: Principal, conversationId: string) {
      return changeStatus(principal, conversationId, 'resume', (m) => m);
    },

    complete(principal: Principal, conversationId: string, feedback?: string, rating?: number) {
      return changeStatus(principal, conversationId, 'complete', (m) => ({
        ...m,
        ...(feedback ? { feedback } : {}),
        ...(rating !== undefined ? { rating } : {}),
      }));
    },

    async erase(principal: Principal, conversationId: string): Promise<void> {
      const conversation = await owned(principal, conversationId);
      await deps.conversations.delete(conversationId);
      deps.logger.info({
        event: 'conversation_deleted',
        conversation_id: conversationId,
        user_id: principal.userId,
        tenant_id: principal.tenantId,
        topic: conversation.topic,
      });
    },
  };
}

export type Coaching = ReturnType<typeof createCoaching>;

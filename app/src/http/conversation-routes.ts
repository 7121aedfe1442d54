// The conversation routes: HTTP in, use case, contract-shaped JSON out.
import Router from '@koa/router';
import type { z } from 'zod';
import type { Coaching } from '../coaching/coaching-use-cases.js';
import type { Logger } from '../observability/logger.js';
import type { Message } from '../coaching/conversation-entity.js';
import type { StoredConversation } from '../coaching/conversation-records.js';
import type { TurnResult } from '../coaching/turn-records.js';
import { phaseProgress } from '../coaching/phases.js';
import {
  jsonBody,
  principalOf,
  publicPath,
  type AppMiddleware,
  type AppState,
} from './middleware.js';
import {
  completeBody,
  initiateBody,
  listQuery,
  messageBody,
  pauseBody,
  type conversationResponse,
  type conversationSummary,
  type initiateResponse,
  type listResponse,
  type messageResponse,
} from './conversation-schemas.js';
import { answerAccepted } from './job-accepted.js';
import { streamTurn } from './message-stream.js';
import { matchOnlyIds } from './path-ids.js';
import { deliveryOf, idempotencyKeyOf } from './request-headers.js';
import { validate } from './validate.js';

const messageView = (m: Message) => ({
  role: m.role,
  content: m.content,
  timestamp: m.timestamp,
  metadata: m.metadata,
});

export function turnView(result: TurnResult): z.infer<typeof messageResponse> {
  return {
    conversation_id: result.conversationId,
    ai_response: result.aiResponse,
    follow_up_question: result.followUpQuestion,
    current_phase: result.phase,
    progress: result.progress,
    is_complete: result.isComplete,
    insights: [...result.insights],
    identified_values: [...result.identifiedValues],
    next_steps: result.nextSteps ? [...result.nextSteps] : null,
  };
}

function summaryView(c: StoredConversation): z.infer<typeof conversationSummary> {
  return {
    conversation_id: c.conversationId,
    user_id: c.userId,
    tenant_id: c.tenantId,
    topic: c.topic,
    status: c.status,
    current_phase: c.phase,
    progress: phaseProgress[c.phase],
    message_count: c.messageCount,
    created_at: c.createdAt,
    updated_at: c.updatedAt,
    completed_at: c.completedAt,
  };
}

export interface ConversationRoutesOptions {
  readonly coaching: Coaching;
  readonly prefix: string;
  readonly maxBodyBytes: number;
  /** Authentication and the per-user limit, run before the body is read. */
  readonly guard: (routeClass: 'initiate' | 'default') => AppMiddleware[];
  /** How long a streamed turn may be silent before a keep-alive comment. */
  readonly keepAliveMs: number;
  readonly logger: Logger;
}

export function conversationRoutes(options: ConversationRoutesOptions): Router<AppState> {
  const { coaching } = options;
  const router = new Router<AppState>({ prefix: `${options.prefix}/conversations` });
  const body = jsonBody(options.maxBodyBytes);
  const guard = options.guard('default');

  router.post('/initiate', ...options.guard('initiate'), body, async (ctx) => {
    const input = validate('body', initiateBody, ctx.request.body);
    const principal = principalOf(ctx);
    const { conversation, initialMessage, progress } = await coaching.initiate(principal, input);
    const response: z.infer<typeof initiateResponse> = {
      conversation_id: conversation.conversationId,
      user_id: conversation.userId,
      tenant_id: conversation.tenantId,
      topic: conversation.topic,
      status: 'active',
      current_phase: conversation.phase,
      initial_message: initialMessage,
      progress,
      created_at: conversation.createdAt,
    };
    ctx.status = 201;
    ctx.set(
      'Location',
      publicPath(ctx, `${options.prefix}/conversations/${conversation.conversationId}`),
    );
    ctx.body = response;
  });

  router.post('/:id/message', ...guard, body, async (ctx) => {
    const input = validate('body', messageBody, ctx.request.body);
    const message = {
      userMessage: input.user_message,
      metadata: input.metadata,
      idempotencyKey: idempotencyKeyOf(ctx),
    };
    // Refusals (404, 409, 422 …) are thrown here, before any answer: ordinary JSON errors.
    const outcome = await coaching.sendMessage(
      principalOf(ctx),
      ctx.params.id ?? '',
      message,
      deliveryOf(ctx, { streams: true }),
      ctx.state.requestId,
    );
    switch (outcome.delivery) {
      case 'buffered':
        ctx.body = turnView(outcome.result);
        return;
      case 'stream':
        streamTurn(ctx, outcome.answer, {
          keepAliveMs: options.keepAliveMs,
          logger: options.logger,
          view: turnView,
        });
        return;
      case 'job':
        answerAccepted(ctx, options.prefix, outcome.job);
    }
  });

  router.get('/:id', ...guard, async (ctx) => {
    const { conversation: c, messages } = await coaching.get(principalOf(ctx), ctx.params.id ?? '');
    // The list's summary fields, without its message count, plus the whole history.
    const { message_count: _count, ...summary } = summaryView(c);
    const response: z.infer<typeof conversationResponse> = {
      ...summary,
      messages: messages.map(messageView),
      insights: [...c.insights],
      identified_values: [...c.identifiedValues],
      metadata: { ...c.metadata },
    };
    ctx.body = response;
  });

  const list: AppMiddleware = async (ctx) => {
    const query = validate('query', listQuery, ctx.query);
    const page = await coaching.list(principalOf(ctx), {
      activeOnly: query.active_only,
      pageSize: query.page_size,
      offset: (query.page - 1) * query.page_size,
      cursor: query.cursor,
    });
    const response: z.infer<typeof listResponse> = {
      conversations: page.items.map(summaryView),
      total: page.total,
      // A cursor's page is the first after that position, whatever `page` said.
      page: query.cursor === undefined ? query.page : 1,
      page_size: query.page_size,
      has_more: page.hasMore,
      next_cursor: page.nextCursor,
    };
    ctx.body = response;
  };
  router.get('/', ...guard, list);

  router.post('/:id/pause', ...guard, body, async (ctx) => {
    const input = validate('body', pauseBody, ctx.request.body);
    await coaching.pause(principalOf(ctx), ctx.params.id ?? '', input.reason);
    ctx.status = 204;
  });

  router.post('/:id/resume', ...guard, body, async (ctx) => {
    await coaching.resume(principalOf(ctx), ctx.params.id ?? '');
    ctx.status = 204;
  });

  router.post('/:id/complete', ...guard, body, async (ctx) => {
    const input = validate('body', completeBody, ctx.request.body);
    await coaching.complete(principalOf(ctx), ctx.params.id ?? '', input.feedback, input.rating);
    ctx.status = 204;
  });

  router.delete('/:id', ...guard, async (ctx) => {
    await coaching.erase(principalOf(ctx), ctx.params.id ?? '');
    ctx.status = 204;
  });

  return matchOnlyIds(router);
}

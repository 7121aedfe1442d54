// The conversation routes: HTTP in, use case, contract-shaped JSON out.
import Router from '@koa/router';
import { z } from 'zod';
import { phaseProgress } from '../coaching/phases.js';
import { type Message } from '../coaching/conversation-entity.js';
import type { Coaching } from '../coaching/coaching-use-cases.js';
import type { TurnResult } from '../coaching/message-turn.js';
import type { StoredConversation } from '../coaching/conversation-records.js';
import {
  jsonBody,
  principalOf,
  publicPath,
  type AppMiddleware,
  type AppState,
} from './middleware.js';
import {
  completeBody,
  conversationResponse,
  conversationSummary,
  idempotencyKeyHeader,
  initiateBody,
  initiateResponse,
  listQuery,
  listResponse,
  messageBody,
  messageResponse,
  pauseBody,
} from './schemas.js';
import { validate } from './validate.js';
import type { DocsContribution } from './openapi.js';

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

const idempotencyHeaders = z.object({ 'Idempotency-Key': idempotencyKeyHeader.optional() });

export interface ConversationRoutesOptions {
  readonly coaching: Coaching;
  readonly prefix: string;
  readonly maxBodyBytes: number;
  /** Authentication and the per-user limit, run before the body is read. */
  readonly guard: (routeClass: 'initiate' | 'default') => AppMiddleware[];
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
    const rawKey = ctx.get('Idempotency-Key');
    const idempotencyKey =
      ctx.headers['idempotency-key'] === undefined
        ? undefined
        : validate('header', idempotencyKeyHeader, rawKey, 'idempotency-key');
    const result = await coaching.sendMessage(principalOf(ctx), ctx.params.id ?? '', {
      userMessage: input.user_message,
      metadata: input.metadata,
      idempotencyKey,
    });
    ctx.body = turnView(result);
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

  return router;
}

const CONVERSATION_ID = 'conv_3f9a1c2e4b6d8f0a1c3e5b7d9f1a2c4e';
const AT = '2026-01-31T12:00:00.000Z';
const initiateExample: z.infer<typeof initiateResponse> = {
  conversation_id: CONVERSATION_ID,
  user_id: 'user_123',
  tenant_id: 'tenant_abc',
  topic: 'core_values',
  status: 'active',
  current_phase: 'introduction',
  initial_message: "Let's explore the values that guide your decisions. What matters most to you?",
  progress: 0.1,
  created_at: AT,
};
const turnExample: z.infer<typeof messageResponse> = {
  conversation_id: CONVERSATION_ID,
  ai_response: 'Integrity clearly matters to you. Can you tell me about a time it was tested?',
  follow_up_question: 'What did you do when it was tested?',
  current_phase: 'exploration',
  progress: 0.3,
  is_complete: false,
  insights: ['Honesty shows up in how you describe work'],
  identified_values: ['integrity'],
  next_steps: null,
};
const summaryExample: z.infer<typeof conversationSummary> = {
  conversation_id: CONVERSATION_ID,
  user_id: 'user_123',
  tenant_id: 'tenant_abc',
  topic: 'core_values',
  status: 'active',
  current_phase: 'exploration',
  progress: 0.3,
  message_count: 3,
  created_at: AT,
  updated_at: AT,
  completed_at: null,
};
const { message_count: _count, ...conversationExample } = summaryExample;
const notFound = { 403: ['permission_denied'], 404: ['conversation_not_found'] };

export const conversationDocs: DocsContribution = (docs) => {
  const base = `${docs.prefix}/conversations`;
  const tag = 'conversations';
  docs.route({
    method: 'post',
    path: `${base}/initiate`,
    tag,
    summary: 'Start a coaching conversation on a topic',
    auth: true,
    body: {
      schema: docs.schema('InitiateRequest', initiateBody),
      example: { topic: 'core_values' },
    },
    responses: {
      201: {
        description: 'Started; Location names the new conversation',
        schema: docs.schema('InitiateResponse', initiateResponse),
        example: initiateExample,
        headers: { Location: 'The conversation URL' },
      },
    },
  });
  docs.route({
    method: 'post',
    path: `${base}/:id/message`,
    tag,
    summary: 'Send the next user message and get the coach’s answer',
    description:
      'With an `Idempotency-Key`, a retry with the same body returns the first answer and ' +
      'calls the model once; the same key with another body is 422 idempotency_key_reused.',
    auth: true,
    headers: idempotencyHeaders,
    body: {
      schema: docs.schema('MessageRequest', messageBody),
      example: { user_message: 'Honesty matters most to me, even when it costs me.' },
    },
    responses: {
      200: {
        description: 'The coach’s answer',
        schema: docs.schema('MessageResponse', messageResponse),
        example: turnExample,
      },
    },
    errors: {
      ...notFound,
      409: ['conversation_not_active', 'conversation_busy', 'conversation_limit_reached'],
      422: ['idempotency_key_reused'],
      502: ['llm_bad_response'],
    },
  });
  docs.route({
    method: 'get',
    path: `${base}/:id`,
    tag,
    summary: 'Read a conversation with its whole history',
    auth: true,
    responses: {
      200: {
        description: 'The conversation',
        schema: docs.schema('Conversation', conversationResponse),
        example: {
          ...conversationExample,
          messages: [
            {
              role: 'assistant',
              content: initiateExample.initial_message,
              timestamp: AT,
              metadata: {},
            },
          ],
          insights: [],
          identified_values: [],
          metadata: {},
        },
      },
    },
    errors: notFound,
  });
  const listDoc = {
    method: 'get',
    tag,
    summary: 'The caller’s conversations in their tenant, newest first',
    auth: true,
    query: listQuery,
    responses: {
      200: {
        description: 'One page',
        schema: docs.schema('ConversationList', listResponse),
        example: {
          conversations: [summaryExample],
          total: 1,
          page: 1,
          page_size: 20,
          has_more: false,
          next_cursor: null,
        },
      },
    },
  } as const;
  // Also answered with a trailing slash; OpenAPI paths carry none.
  docs.route({ ...listDoc, path: base });
  const transition = (path: string, summary: string, body?: z.ZodObject, example?: unknown) =>
    docs.route({
      method: 'post',
      path: `${base}/:id/${path}`,
      tag,
      summary,
      auth: true,
      body: body && { schema: body, example, required: false },
      responses: { 204: { description: 'Done' } },
      errors: { ...notFound, 409: ['conversation_not_active'] },
    });
  transition('pause', 'Pause an active conversation', pauseBody, { reason: 'Back tomorrow' });
  transition('resume', 'Resume a paused conversation');
  transition('complete', 'Complete a conversation', completeBody, {
    feedback: 'Helpful',
    rating: 5,
  });
  docs.route({
    method: 'delete',
    path: `${base}/:id`,
    tag,
    summary: 'Erase a conversation and all its messages',
    auth: true,
    responses: { 204: { description: 'Erased; a later GET is 404' } },
    errors: notFound,
  });
};

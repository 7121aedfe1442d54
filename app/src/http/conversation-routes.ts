// The conversation routes, each declared once with its body's schema and its description:
// start, send a message (message-route.ts), read, list, pause, resume, complete and erase, and
// feedback on an answer (feedback-routes.ts).
import Router from '@koa/router';
import type { z } from 'zod';
import type { Coaching } from '../coaching/coaching-use-cases.js';
import type { Logger } from '../observability/logger.js';
import {
  conversationExample,
  historyExample,
  initiateExample,
  notTheirs,
  summaryExample,
} from './conversation-examples.js';
import {
  completeBody,
  conversationResponse,
  initiateBody,
  initiateResponse,
  listQuery,
  listResponse,
  pauseBody,
  noFieldsBody,
} from './conversation-schemas.js';
import { giveFeedbackRoute, mountFeedback, removeFeedbackRoute } from './feedback-routes.js';
import { mountSendMessage, sendMessageRoute } from './message-route.js';
import { mountRegenerate, regenerateRoute } from './regenerate-route.js';
import {
  jsonBody,
  principalOf,
  publicPath,
  type AppMiddleware,
  type AppState,
} from './middleware.js';
import { matchOnlyIds } from './path-ids.js';
import { describeRoutes, mount, route, type RouteSpec, validate } from './routing.js';
import { conversationView, summaryView } from './views.js';

const tag = 'conversations';

const initiateRoute = route({
  method: 'post',
  path: '/conversations/initiate',
  body: initiateBody,
  describe: (docs, body) => ({
    operationId: 'initiateConversation',
    tag,
    summary: 'Start a coaching conversation on a topic',
    description:
      'Creates an active conversation in its introduction phase and answers the coach’s ' +
      'opening message from the topic’s prompt template.',
    auth: true,
    body: body({ topic: 'core_values' }, { name: 'InitiateRequest' }),
    responses: {
      201: {
        description: 'Started; Location names the new conversation',
        schema: docs.schema('InitiateResponse', initiateResponse),
        example: initiateExample,
        headers: { Location: 'The conversation URL' },
        links: {
          GetConversation: {
            operationId: 'getConversation',
            parameters: { id: '$response.body#/conversation_id' },
            description: 'Read the conversation that the Location header names',
          },
          SendMessage: {
            operationId: 'sendMessage',
            parameters: { id: '$response.body#/conversation_id' },
            description: 'Answer the opening message',
          },
        },
      },
    },
  }),
});

const readRoute = route({
  method: 'get',
  path: '/conversations/:id',
  describe: (docs) => ({
    operationId: 'getConversation',
    tag,
    summary: 'Read a conversation with its whole history',
    description:
      'The conversation with every message in order, the assistant’s opening message first, ' +
      'and the values and insights found so far.',
    auth: true,
    responses: {
      200: {
        description: 'The conversation',
        schema: docs.schema('Conversation', conversationResponse),
        example: {
          ...conversationExample,
          messages: historyExample,
          insights: [],
          identified_values: [],
          metadata: {},
        },
      },
    },
    errors: notTheirs,
  }),
});

/** Also answered with a trailing slash; OpenAPI paths carry none. */
const listRoute = route({
  method: 'get',
  path: '/conversations',
  describe: (docs) => ({
    operationId: 'listConversations',
    tag,
    summary: 'The caller’s conversations in their tenant, newest first',
    description:
      'One page, by page number or by the cursor of the previous page; `total` is the real ' +
      'count. Also answered with a trailing slash.',
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
  }),
});

/** A status change: a body that may be left out, 204, and 409 when the status forbids it. */
const transitionRoute = <S extends z.ZodObject>(spec: {
  readonly action: 'pause' | 'resume' | 'complete';
  readonly operationId: string;
  readonly summary: string;
  readonly description: string;
  readonly body: S;
  readonly example: unknown;
}) =>
  route({
    method: 'post',
    path: `/conversations/:id/${spec.action}`,
    body: spec.body,
    describe: (_docs, body) => ({
      operationId: spec.operationId,
      tag,
      summary: spec.summary,
      description: spec.description,
      auth: true,
      body: body(spec.example, { required: false }),
      responses: { 204: { description: 'Done' } },
      errors: { ...notTheirs, 409: ['conversation_not_active'] },
    }),
  });

const pauseRoute = transitionRoute({
  action: 'pause',
  operationId: 'pauseConversation',
  summary: 'Pause an active conversation',
  description:
    'Messages are refused until it is resumed; pausing a paused conversation is a no-op.',
  body: pauseBody,
  example: { reason: 'Back tomorrow' },
});

const resumeRoute = transitionRoute({
  action: 'resume',
  operationId: 'resumeConversation',
  summary: 'Resume a paused conversation',
  description: 'It is active again; resuming an active conversation is a no-op. No body is needed.',
  body: noFieldsBody,
  example: {},
});

const completeRoute = transitionRoute({
  action: 'complete',
  operationId: 'completeConversation',
  summary: 'Complete a conversation',
  description: 'From active or paused; sets `completed_at`. Completed is final.',
  body: completeBody,
  example: { feedback: 'Helpful', rating: 5 },
});

const eraseRoute = route({
  method: 'delete',
  path: '/conversations/:id',
  describe: () => ({
    operationId: 'deleteConversation',
    tag,
    summary: 'Erase a conversation and all its messages',
    description:
      'The user’s right to erasure: the conversation, its messages and its idempotency ' +
      'records are removed; a later read is 404.',
    auth: true,
    responses: { 204: { description: 'Erased; a later GET is 404' } },
    errors: notTheirs,
  }),
});

const routes: readonly RouteSpec[] = [
  initiateRoute,
  sendMessageRoute,
  regenerateRoute,
  readRoute,
  listRoute,
  pauseRoute,
  resumeRoute,
  completeRoute,
  eraseRoute,
  giveFeedbackRoute,
  removeFeedbackRoute,
];

export const conversationDocs = describeRoutes(routes);

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
  const { coaching, prefix } = options;
  const router = new Router<AppState>();
  const on = { router, prefix, readBody: jsonBody(options.maxBodyBytes) };
  const guard = options.guard('default');

  mount(on, initiateRoute, options.guard('initiate'), async (ctx, input) => {
    const { conversation, initialMessage, progress } = await coaching.initiate(
      principalOf(ctx),
      input,
    );
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
    ctx.set('Location', publicPath(ctx, `${prefix}/conversations/${conversation.conversationId}`));
    ctx.body = response;
  });

  mountSendMessage(on, guard, options);
  mountRegenerate(on, guard, options);

  mount(on, readRoute, guard, async (ctx) => {
    const { conversation, messages } = await coaching.get(principalOf(ctx), ctx.params.id ?? '');
    ctx.body = conversationView(conversation, messages);
  });

  mount(on, listRoute, guard, async (ctx) => {
    // With a cursor, `page` is ignored (the contract's word): not even judged.
    const { page: _page, ...withoutPage } = ctx.query;
    const query = validate('query', listQuery, 'cursor' in ctx.query ? withoutPage : ctx.query);
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
  });

  mount(on, pauseRoute, guard, async (ctx, input) => {
    await coaching.pause(principalOf(ctx), ctx.params.id ?? '', input.reason);
    ctx.status = 204;
  });

  mount(on, resumeRoute, guard, async (ctx) => {
    await coaching.resume(principalOf(ctx), ctx.params.id ?? '');
    ctx.status = 204;
  });

  mount(on, completeRoute, guard, async (ctx, input) => {
    await coaching.complete(principalOf(ctx), ctx.params.id ?? '', input.feedback, input.rating);
    ctx.status = 204;
  });

  mount(on, eraseRoute, guard, async (ctx) => {
    await coaching.erase(principalOf(ctx), ctx.params.id ?? '');
    ctx.status = 204;
  });

  mountFeedback(on, guard, coaching);

  return matchOnlyIds(router);
}

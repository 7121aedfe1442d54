// The conversation routes' part of the OpenAPI document: each route with its schemas,
// examples and the errors it can answer with (conversation-routes.ts serves them).
import { z } from 'zod';
import {
  completeBody,
  conversationResponse,
  conversationSummary,
  initiateBody,
  initiateResponse,
  listQuery,
  listResponse,
  messageBody,
  messageResponse,
  pauseBody,
  resumeBody,
} from './conversation-schemas.js';
import { acceptedResponse } from './job-docs.js';
import {
  messageStreamSchema,
  streamDelta,
  streamError,
  streamReset,
} from './message-stream-schemas.js';
import type { DocsContribution } from './openapi.js';
import { asyncHeaders } from './request-headers.js';

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
    operationId: 'initiateConversation',
    tag,
    summary: 'Start a coaching conversation on a topic',
    description:
      'Creates an active conversation in its introduction phase and answers the coach’s ' +
      'opening message from the topic’s prompt template.',
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
  });
  const turnSchema = docs.schema('MessageResponse', messageResponse);
  const streamSchema = docs.schema(
    'MessageStream',
    messageStreamSchema(turnSchema, {
      delta: docs.schema('StreamDelta', streamDelta),
      reset: docs.schema('StreamReset', streamReset),
      error: docs.schema('StreamError', streamError),
    }),
  );
  docs.route({
    method: 'post',
    path: `${base}/:id/message`,
    operationId: 'sendMessage',
    tag,
    summary: 'Send the next user message and get the coach’s answer',
    description:
      'Runs one coaching turn: the coach answers, the phase may move on, and values and ' +
      'insights accumulate. If the model fails, nothing of the turn is stored. With an ' +
      '`Idempotency-Key`, a retry with the same body returns the first answer and calls the ' +
      'model once; the same key with another body is 422 idempotency_key_reused. With ' +
      '`Prefer: respond-async` the turn runs as a job (202) that holds the conversation as ' +
      'the turn would; the same key and body name the same job.\n\n' +
      'With `Accept: text/event-stream` (and no `Prefer: respond-async`, which wins) the ' +
      'answer is streamed: everything decided before the model is asked (401, 404, 409, 413, ' +
      '415, 422, 429 …) is still the ordinary JSON error; otherwise 200 `text/event-stream` ' +
      'with `Cache-Control: no-cache`, the coach’s words as `delta` events while the model ' +
      'writes them, then `turn` (exactly the JSON body) or `error` (the envelope plus its ' +
      '`status`; nothing stored). The model budget is `LLM_STREAM_TIMEOUT_MS`, not the ' +
      'gateway’s 30 s; in AWS send streamed turns to `streaming_url` from `GET /`. A client ' +
      'that disconnects does not cancel the turn; a retry with the same `Idempotency-Key` ' +
      'streams the stored answer (one `delta`, then `turn`) without asking the model again.',
    auth: true,
    headers: asyncHeaders(
      'Makes a retry safe: the same key with the same body returns the first answer, or with respond-async the same job (kept 24 h)',
    ),
    body: {
      schema: docs.schema('MessageRequest', messageBody),
      example: { user_message: 'Honesty matters most to me, even when it costs me.' },
    },
    responses: {
      200: {
        description: 'The coach’s answer (JSON), or its event stream (text/event-stream)',
        schema: turnSchema,
        example: turnExample,
        alternatives: {
          'text/event-stream': {
            schema: streamSchema,
            example: [
              { event: 'delta', data: { text: 'Integrity clearly matters to you. ' } },
              {
                event: 'delta',
                data: { text: 'Can you tell me about a time it was tested?' },
              },
              { event: 'turn', data: turnExample },
            ],
          },
        },
      },
      202: acceptedResponse(docs, 'message'),
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
  } as const;
  // Also answered with a trailing slash; OpenAPI paths carry none.
  docs.route({ ...listDoc, path: base });
  const transition = (
    path: string,
    operationId: string,
    summary: string,
    description: string,
    body: z.ZodObject,
    example: unknown,
  ) =>
    docs.route({
      method: 'post',
      path: `${base}/:id/${path}`,
      operationId,
      tag,
      summary,
      description,
      auth: true,
      body: { schema: body, example, required: false },
      responses: { 204: { description: 'Done' } },
      errors: { ...notFound, 409: ['conversation_not_active'] },
    });
  transition(
    'pause',
    'pauseConversation',
    'Pause an active conversation',
    'Messages are refused until it is resumed; pausing a paused conversation is a no-op.',
    pauseBody,
    { reason: 'Back tomorrow' },
  );
  transition(
    'resume',
    'resumeConversation',
    'Resume a paused conversation',
    'It is active again; resuming an active conversation is a no-op. No body is needed.',
    resumeBody,
    {},
  );
  transition(
    'complete',
    'completeConversation',
    'Complete a conversation',
    'From active or paused; sets `completed_at`. Completed is final.',
    completeBody,
    { feedback: 'Helpful', rating: 5 },
  );
  docs.route({
    method: 'delete',
    path: `${base}/:id`,
    operationId: 'deleteConversation',
    tag,
    summary: 'Erase a conversation and all its messages',
    description:
      'The user’s right to erasure: the conversation, its messages and its idempotency ' +
      'records are removed; a later read is 404.',
    auth: true,
    responses: { 204: { description: 'Erased; a later GET is 404' } },
    errors: notFound,
  });
};

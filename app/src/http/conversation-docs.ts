// The conversation routes' part of the OpenAPI document: each route with its schemas,
// examples and the errors it can answer with (conversation-routes.ts serves them).
import { z } from 'zod';
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
} from './conversation-schemas.js';
import type { DocsContribution } from './openapi.js';

const idempotencyHeaders = z.object({ 'Idempotency-Key': idempotencyKeyHeader.optional() });
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

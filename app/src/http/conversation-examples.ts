// The conversation routes' examples in the OpenAPI document: one conversation, seen as it is
// started, answered, listed and read.
import type { z } from 'zod';
import type {
  conversationMessage,
  conversationSummary,
  initiateResponse,
  messageResponse,
} from './conversation-schemas.js';
import { promptVersionExample } from './prompt-version-schema.js';

const CONVERSATION_ID = 'conv_3f9a1c2e4b6d8f0a1c3e5b7d9f1a2c4e';
export const AT = '2026-01-31T12:00:00.000Z';

export const initiateExample: z.infer<typeof initiateResponse> = {
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

/** The opening message's id, and the first answer's. */
export const OPENING_ID = 'msg_t0s0_7c1e9a3b5d2f4e6a8b0c1d3e5f7a9b2c';
export const ANSWER_ID = 'msg_t1s1_2b4d6f8a0c1e3a5c7e9b1d3f5a7c9e0b';

export const turnExample: z.infer<typeof messageResponse> = {
  conversation_id: CONVERSATION_ID,
  message_id: ANSWER_ID,
  ai_response: 'Integrity clearly matters to you. Can you tell me about a time it was tested?',
  follow_up_question: 'What did you do when it was tested?',
  current_phase: 'exploration',
  progress: 0.3,
  is_complete: false,
  insights: ['Honesty shows up in how you describe work'],
  identified_values: ['integrity'],
  next_steps: null,
};

export const summaryExample: z.infer<typeof conversationSummary> = {
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

const opening = promptVersionExample('coaching/core_values');

/** The history of the conversation above: the opening, the user's answer, the coach's reply. */
export const historyExample: z.infer<typeof conversationMessage>[] = [
  {
    message_id: OPENING_ID,
    role: 'assistant',
    content: initiateExample.initial_message,
    timestamp: AT,
    metadata: { model: null, prompt_version: opening },
    feedback: { rating: 'up', tags: ['clear'], comment: 'A good way to start', updated_at: AT },
  },
  {
    message_id: 'msg_t1s0_9d1f3b5a7c0e2a4c6e8a0b2d4f6a8c1e',
    role: 'user',
    content: 'Honesty, even when it costs me.',
    timestamp: AT,
    metadata: { client: 'web' },
    feedback: null,
  },
  {
    message_id: ANSWER_ID,
    role: 'assistant',
    content: turnExample.ai_response,
    timestamp: AT,
    metadata: { model: 'us.anthropic.claude-sonnet-4-6', prompt_version: opening },
    feedback: null,
  },
];

const { message_count: _count, ...conversationExample } = summaryExample;
export { conversationExample };

/** What every route on one conversation can answer when it is not the caller's. */
export const notTheirs = { 403: ['permission_denied'], 404: ['conversation_not_found'] };

// Request and response schemas of the conversation routes. The same objects validate requests,
// type the handlers and generate the OpenAPI document.
import { z } from 'zod';
import { coachingTopics, conversationStatuses, phases } from '../domain/vocabulary.js';
import { clientJsonObject } from './client-json.js';

const jsonObject = z.record(z.string(), z.unknown());

// ---- requests ----

export const initiateBody = z.object({
  topic: z.enum(coachingTopics),
  context: clientJsonObject.default({}),
  // Trimmed and lower-cased; a blank value means the default, as an absent one does.
  language: z
    .string()
    .trim()
    .toLowerCase()
    .max(5)
    .transform((v) => v || 'en')
    .default('en'),
});

export const messageBody = z.object({
  user_message: z.string().trim().min(1, 'must not be blank').max(4000),
  metadata: clientJsonObject.default({}),
});

export const idempotencyKeyHeader = z.string().min(1).max(128);

// The spellings the original (FastAPI) accepted for a boolean query value, in any case.
const truthy = ['true', '1', 'yes', 'on'];
const booleanQuery = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.enum([...truthy, 'false', '0', 'no', 'off'], { message: 'expected true or false' }))
  .transform((v) => truthy.includes(v));

export const listQuery = z.object({
  page: z.coerce.number().int().min(1).default(1),
  page_size: z.coerce.number().int().min(1).max(100).default(20),
  active_only: booleanQuery.default(false),
  cursor: z.string().min(1).max(512).optional(),
});

export const pauseBody = z.object({ reason: z.string().max(500).optional() });

export const completeBody = z.object({
  feedback: z.string().max(1000).optional(),
  rating: z.number().int().min(1).max(5).optional(),
});

// ---- responses ----

const timestamp = z.string().describe('ISO-8601 UTC timestamp');
const phase = z.enum(phases);
const status = z.enum(conversationStatuses);

export const initiateResponse = z.object({
  conversation_id: z.string(),
  user_id: z.string(),
  tenant_id: z.string(),
  topic: z.enum(coachingTopics),
  status: z.literal('active'),
  current_phase: phase,
  initial_message: z.string(),
  progress: z.number().min(0).max(1),
  created_at: timestamp,
});

export const messageResponse = z.object({
  conversation_id: z.string(),
  ai_response: z.string(),
  follow_up_question: z.string().nullable(),
  current_phase: phase,
  progress: z.number().min(0).max(1),
  is_complete: z.boolean(),
  insights: z.array(z.string()),
  identified_values: z.array(z.string()),
  next_steps: z.array(z.string()).nullable(),
});

export const conversationMessage = z.object({
  role: z.enum(['user', 'assistant']),
  content: z.string(),
  timestamp,
  metadata: jsonObject,
});

export const conversationSummary = z.object({
  conversation_id: z.string(),
  user_id: z.string(),
  tenant_id: z.string(),
  topic: z.enum(coachingTopics),
  status,
  current_phase: phase,
  progress: z.number().min(0).max(1),
  message_count: z.number().int().min(0),
  created_at: timestamp,
  updated_at: timestamp,
  completed_at: timestamp.nullable(),
});

/** A conversation with its whole history: the list's summary, less the count, plus the rest. */
export const conversationResponse = conversationSummary.omit({ message_count: true }).extend({
  messages: z.array(conversationMessage),
  insights: z.array(z.string()),
  identified_values: z.array(z.string()),
  metadata: jsonObject,
});

export const listResponse = z.object({
  conversations: z.array(conversationSummary),
  total: z.number().int().min(0),
  page: z.number().int().min(1),
  page_size: z.number().int().min(1),
  has_more: z.boolean(),
  next_cursor: z.string().nullable(),
});

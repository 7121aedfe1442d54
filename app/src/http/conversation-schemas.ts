// Request and response schemas of the conversation routes. The same objects validate requests,
// type the handlers and generate the OpenAPI document.
import { z } from 'zod';
import { coachingTopics, conversationStatuses, feedbackRatings, phases } from '../domain/kernel.js';
import { pathId } from './path-ids.js';
import { recordedPromptVersion } from './prompt-version-schema.js';
import { booleanQuery, clientJson, trimmedText } from './request-fields.js';

const jsonObject = z.record(z.string(), z.unknown());

// ---- requests ----

export const initiateBody = z.object({
  topic: z.enum(coachingTopics).describe('What the conversation is about'),
  context: clientJson('The client’s own JSON about the user (e.g. role, company); stored as sent'),
  // Trimmed and lower-cased; a blank value means the default, as an absent one does.
  language: trimmedText(0, 5, {
    what: 'The language the coach replies in, e.g. `en`; lower-cased, and blank means `en`',
  })
    .toLowerCase()
    .transform((v) => v || 'en')
    .default('en')
    .meta({ default: 'en' }),
});

export const listQuery = z.object({
  page: z.coerce
    .number()
    .int()
    .min(1)
    // zod's int() already stops at the largest safe integer; said here, the document says it.
    .max(Number.MAX_SAFE_INTEGER)
    .default(1)
    .describe('The page to read, from 1; ignored when `cursor` is given'),
  page_size: z.coerce.number().int().min(1).max(100).default(20).describe('Conversations a page'),
  active_only: booleanQuery('Only active conversations', false),
  cursor: z
    .string()
    .min(1)
    .max(512)
    .optional()
    .describe('`next_cursor` of the previous page, to read on from there'),
});

/** Unknown fields are refused: a misspelt `comment` must not vanish while the rating is kept. */
export const feedbackBody = z.strictObject({
  rating: z.enum(feedbackRatings).describe('Whether the answer helped: `up` or `down`'),
  tags: z
    .array(z.string().min(1).max(40))
    .max(10)
    .default([])
    .describe('At most 10 labels of 1 to 40 characters, e.g. `too_long`'),
  comment: z.string().max(1000).optional().describe('In the user’s words, at most 1000 characters'),
});

export const pauseBody = z.object({
  reason: z.string().max(500).optional().describe('Why the user pauses, at most 500 characters'),
});

export const completeBody = z.object({
  feedback: z
    .string()
    .max(1000)
    .optional()
    .describe('The user’s feedback on the conversation, at most 1000 characters'),
  rating: z.number().int().min(1).max(5).optional().describe('The user’s rating, 1 to 5'),
});

/** Resume takes no fields; a body, if sent, must still be a JSON object. */
export const noFieldsBody = z.object({}).describe('No fields; any JSON object sent is ignored');

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

/** A message's id, as the history shows it and the feedback routes take it. */
const messageId = z
  .string()
  .regex(new RegExp(pathId('msg', 'message').pattern))
  .describe('The message’s id (`msg_…`), stable across reads');

export const messageResponse = z.object({
  conversation_id: z.string(),
  message_id: messageId.describe('The coach’s answer’s id, as the history shows it'),
  ai_response: z.string(),
  follow_up_question: z.string().nullable(),
  current_phase: phase,
  progress: z.number().min(0).max(1),
  is_complete: z.boolean(),
  insights: z.array(z.string()),
  identified_values: z.array(z.string()),
  next_steps: z.array(z.string()).nullable(),
});

export const messageFeedback = z
  .object({
    rating: z.enum(feedbackRatings),
    tags: z.array(z.string()),
    comment: z.string().nullable(),
    updated_at: timestamp,
  })
  .describe('The user’s feedback on an answer of the coach');

const messageText = { message_id: messageId, content: z.string(), timestamp };

/** Who wrote an assistant message: the model and the template version. */
export const assistantMetadata = z.object({
  model: z
    .string()
    .nullable()
    .describe(
      'The model that wrote it; null for the opening message, which is the template’s own words, and for answers stored without one',
    ),
  prompt_version: recordedPromptVersion,
});

export const conversationMessage = z.discriminatedUnion('role', [
  z.object({
    role: z.literal('user'),
    ...messageText,
    metadata: jsonObject.describe('The client’s own metadata, as sent with the message'),
    feedback: z.null().describe('Always null: feedback is given on the coach’s answers'),
  }),
  z.object({
    role: z.literal('assistant'),
    ...messageText,
    metadata: assistantMetadata,
    feedback: messageFeedback
      .nullable()
      .describe('The user’s feedback on this answer; null for none'),
  }),
]);

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

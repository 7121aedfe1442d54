// The jobs' shapes: the 202 that accepts work with `Prefer: respond-async`, and the job read
// back, whose `result` is exactly the synchronous call's body and whose `error` is the error
// envelope plus its status.
import { z } from 'zod';
import { analysisResponse } from './analysis-schemas.js';
import { messageResponse } from './conversation-schemas.js';
import { spentQuota, standardErrorBody } from './error-schemas.js';

const jobId = z
  .string()
  .regex(/^job_[A-Za-z0-9_-]{1,128}$/)
  .describe('The job id (`job_…`)');
const kind = z.enum(['message', 'analysis']).describe('What the job runs');
const status = z
  .enum(['queued', 'running', 'succeeded', 'failed'])
  .describe('queued → running → succeeded | failed, never back');

export const jobAccepted = z.object({
  job_id: jobId,
  kind,
  status: status.describe('`queued`; a job replaying an answer already given is `succeeded`'),
  conversation_id: z.string().optional().describe('Message jobs: the conversation'),
  created_at: z.string(),
});

export const jobErrorBody = standardErrorBody
  .extend({
    status: z.number().int().describe('The HTTP status the synchronous call would have answered'),
    retry_after: z
      .number()
      .int()
      .optional()
      .describe('With 429 quota_exceeded: seconds until the spent budget resets'),
    quota: spentQuota.optional(),
    current_status: z.string().optional().describe('With 409 conversation_not_active'),
    job_id: z
      .string()
      .optional()
      .describe('With 409 conversation_busy: the job that holds the conversation, when a job does'),
  })
  .describe('The error envelope the synchronous call would have answered, plus its status');

export const jobResponse = z.object({
  job_id: jobId,
  kind,
  status,
  conversation_id: z.string().nullable().describe('Message jobs: the conversation; else null'),
  created_at: z.string(),
  updated_at: z.string(),
  result: z
    .union([messageResponse, analysisResponse])
    .nullable()
    .describe(
      'Once succeeded: exactly the synchronous body (the message’s 200, the analysis’s 201 ' +
        'with its analysis_id); else null',
    ),
  error: jobErrorBody.nullable().describe('Once failed: the envelope plus status; else null'),
});

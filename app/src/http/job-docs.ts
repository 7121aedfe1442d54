// The jobs' part of the OpenAPI document: GET /jobs/{job_id}, and the 202 response the message
// and analysis routes document with `acceptedResponse`.
import { jobAccepted, jobResponse } from './job-schemas.js';
import type { ApiDocs, DocsContribution, DocumentedResponse } from './openapi.js';

const AT = '2026-01-31T12:00:00.000Z';
const JOB_ID = 'job_7b2e9c4a1d3f5e6a8b0c2d4e6f8a0b1c';

/** The 202 a route answers when the request prefers respond-async. */
export function acceptedResponse(docs: ApiDocs, kind: 'message' | 'analysis'): DocumentedResponse {
  return {
    description:
      'Accepted (`Prefer: respond-async`): the work runs as a job; poll the Location until it ' +
      'has succeeded or failed',
    schema: docs.schema('JobAccepted', jobAccepted),
    example: {
      job_id: JOB_ID,
      kind,
      status: 'queued',
      ...(kind === 'message' ? { conversation_id: 'conv_3f9a1c2e4b6d8f0a1c3e5b7d9f1a2c4e' } : {}),
      created_at: AT,
    },
    headers: {
      Location: 'The job URL',
      'Preference-Applied': '`respond-async`',
      'Retry-After': 'Seconds to wait before the first poll',
    },
    links: {
      GetJob: {
        operationId: 'getJob',
        parameters: { job_id: '$response.body#/job_id' },
        description: 'Poll the job that the Location header names',
      },
    },
  };
}

export const jobDocs: DocsContribution = (docs) => {
  docs.route({
    method: 'get',
    path: `${docs.prefix}/jobs/:job_id`,
    operationId: 'getJob',
    tag: 'jobs',
    summary: 'Poll a job (its owner only)',
    description:
      'Where a job accepted with `Prefer: respond-async` stands. Once `succeeded`, `result` is ' +
      'exactly the body the synchronous call would have answered; once `failed`, `error` is ' +
      'its error envelope plus `status`. A job not finished by its deadline reads failed with ' +
      '503 service_unavailable. Jobs are kept 24 h; anyone but their owner gets 404.',
    auth: true,
    responses: {
      200: {
        description: 'The job as it stands',
        schema: docs.schema('Job', jobResponse),
        example: {
          job_id: JOB_ID,
          kind: 'message',
          status: 'running',
          conversation_id: 'conv_3f9a1c2e4b6d8f0a1c3e5b7d9f1a2c4e',
          created_at: AT,
          updated_at: AT,
          result: null,
          error: null,
        },
        optionalHeaders: { 'Retry-After': 'While queued or running: seconds before polling again' },
      },
    },
    errors: { 404: ['job_not_found'] },
  });
};

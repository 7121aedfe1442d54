// The prompt templates' admin routes in the OpenAPI document (admin-docs.ts adds the roles), with
// examples a reader can send from Swagger UI as they are.
import type { z } from 'zod';
import type { AdminDocumented } from './admin-docs.js';
import {
  previewBody,
  previewResponse,
  promptKeyParams,
  promptListResponse,
  promptReadQuery,
  promptVersionResponse,
  publishBody,
  publishHeaders,
  rollbackBody,
  rollbackHeaders,
  versionListResponse,
  versionsQuery,
} from './prompt-admin-schemas.js';
import type { ApiDocs } from './openapi.js';

type PromptOperation =
  | 'listPrompts'
  | 'getPrompt'
  | 'publishPrompt'
  | 'listPromptVersions'
  | 'rollbackPrompt'
  | 'previewPrompt';

const CURRENT = '3LgZ0b8mZpT.1sPz0qkF5dE6cV2hYw';
const EARLIER = 'kQ9e2mV7xT4rN1bF8aJ3sW6yH0pL5cUd';
const ADMIN = 'user_platform_1';

const contentExample =
  'version: "1.0"\ntopic: goals\ntitle: "Goals"\n# … the rest of the template, as the file in prompts/ reads\n';

const versionExample: z.infer<typeof promptVersionResponse> = {
  key: 'coaching/goals',
  version_id: CURRENT,
  updated_at: '2026-12-01T09:30:12.000Z',
  updated_by: ADMIN,
  note: 'Ask for one measurable outcome per goal',
  is_current: true,
  content: contentExample,
};

const listExample: z.infer<typeof promptListResponse> = {
  prompts: [
    {
      key: 'coaching/goals',
      version_id: CURRENT,
      updated_at: '2026-12-01T09:30:12.000Z',
      updated_by: ADMIN,
    },
    {
      key: 'analysis/kpi',
      version_id: EARLIER,
      updated_at: '2026-11-20T16:02:44.000Z',
      updated_by: 'deploy',
    },
  ],
};

const versionsExample: z.infer<typeof versionListResponse> = {
  versions: [
    {
      version_id: CURRENT,
      updated_at: '2026-12-01T09:30:12.000Z',
      updated_by: ADMIN,
      note: 'Ask for one measurable outcome per goal',
      is_current: true,
      size: 4182,
    },
    {
      version_id: EARLIER,
      updated_at: '2026-11-20T16:02:44.000Z',
      updated_by: 'deploy',
      note: null,
      is_current: false,
      size: 4011,
    },
  ],
  next_cursor: null,
};

const previewExample: z.infer<typeof previewResponse> = {
  key: 'coaching/goals',
  version_id: CURRENT,
  system_prompt: 'You are a warm, direct coach helping a business owner set goals. …',
  answer: {
    initial_message: 'Let’s talk about the goals that matter most to you this year.',
    turn: {
      ai_response: 'Growing recurring revenue is a clear aim.',
      follow_up_question: 'What would tell you, a year from now, that it worked?',
      insights: ['Wants more predictable revenue'],
      identified_values: ['stability'],
      next_steps: null,
      result_status: 'exploring',
    },
  },
  usage: {
    model: 'us.anthropic.claude-sonnet-4-6',
    input_tokens: 1840,
    output_tokens: 96,
    cache_read_tokens: 0,
    cache_write_tokens: 0,
    cost_usd: 0.006_96,
  },
};

const etag = {
  ETag: 'The version’s id as an entity tag, `"<version_id>"`: send it back as `If-Match` to edit from this version',
};

const KEY_TEXT =
  'The key `{kind}/{name}` is two path segments (`coaching/goals` is `…/admin/prompts/coaching/goals`); a pair that is not one of the nine keys is 404 prompt_not_found, a segment of other characters matches no route.';

/** A publish and a rollback both write a new current version, checked the same way. */
const newVersionErrors = {
  403: ['permission_denied'],
  404: ['prompt_not_found', 'version_not_found'],
  412: ['precondition_failed'],
  422: ['invalid_template'],
};

/** The prompt routes' entries of the admin module's documentation. */
export function promptAdminDocumented(docs: ApiDocs): Pick<AdminDocumented, PromptOperation> {
  const version = docs.schema('PromptVersion', promptVersionResponse);
  const versionResponse = (description: string) => ({
    description,
    schema: version,
    example: versionExample,
    headers: etag,
  });
  return {
    listPrompts: {
      tag: 'admin',
      summary: 'The prompt templates and their current versions (platform_admin)',
      description:
        'Every template key (`coaching/{topic}`, `analysis/{type}`, `suggestions/onboarding`) with ' +
        'the version the service serves, when it was written and by whom.',
      responses: {
        200: {
          description: 'The templates',
          schema: docs.schema('PromptList', promptListResponse),
          example: listExample,
        },
      },
      errors: { 403: ['permission_denied'] },
    },
    getPrompt: {
      tag: 'admin',
      summary: 'A prompt template’s current or named version (platform_admin)',
      description: `The template’s YAML and who wrote it when, why. ${KEY_TEXT}`,
      params: promptKeyParams,
      query: promptReadQuery,
      responses: { 200: versionResponse('The version') },
      errors: { 403: ['permission_denied'], 404: ['prompt_not_found', 'version_not_found'] },
    },
    listPromptVersions: {
      tag: 'admin',
      summary: 'A prompt template’s history, newest first (platform_admin)',
      description: `Every version the history keeps, a page at a time. ${KEY_TEXT}`,
      params: promptKeyParams,
      query: versionsQuery,
      responses: {
        200: {
          description: 'A page of versions',
          schema: docs.schema('PromptVersionPage', versionListResponse),
          example: versionsExample,
        },
      },
      errors: { 403: ['permission_denied'], 404: ['prompt_not_found'] },
    },
    publishPrompt: {
      tag: 'admin',
      summary: 'Publish a new version of a prompt template (platform_admin)',
      description:
        'The content is checked as the service reads a template; if it passes, it becomes the ' +
        'current version, written by the caller, and every instance serves it within ' +
        '`PROMPT_CACHE_SECONDS`. `If-Match` names the version the edit started from (the ' +
        '`ETag` of the GET): when another version has become current since, 412 ' +
        'precondition_failed names it (`current_version_id`) and nothing is written; without ' +
        `If-Match, 428 precondition_required. ${KEY_TEXT}`,
      params: promptKeyParams,
      headers: publishHeaders,
      body: {
        schema: publishBody,
        example: { content: contentExample, note: 'Ask for one measurable outcome per goal' },
      },
      responses: { 200: versionResponse('The new current version') },
      errors: { ...newVersionErrors, 428: ['precondition_required'] },
    },
    rollbackPrompt: {
      tag: 'admin',
      summary: 'Make an earlier version of a prompt template current again (platform_admin)',
      description:
        'A new current version with the named version’s content, checked as a publish is; the ' +
        'history keeps every version, the one rolled back from included. With `If-Match`, only ' +
        `while that version is current (412 otherwise). ${KEY_TEXT}`,
      params: promptKeyParams,
      headers: rollbackHeaders,
      body: { schema: rollbackBody, example: { version_id: EARLIER, note: 'Back to last week’s' } },
      responses: { 200: versionResponse('The new current version') },
      errors: newVersionErrors,
    },
    previewPrompt: {
      tag: 'admin',
      summary: 'Try a prompt template on the stage’s model, storing nothing (platform_admin)',
      description:
        'Renders the template (unsaved `content`, a stored `version_id`, or the current version) ' +
        'into the request a turn, an analysis or the onboarding suggestion sends, and asks the ' +
        'model once. A coaching template shows its opening message and, with `user_message`, ' +
        'the coach’s answer to it as the first turn. No conversation, session or analysis is ' +
        'stored; the call counts against the caller’s budgets (429 quota_exceeded when spent). ' +
        'A template naming a model outside the allowed list is 422 invalid_template. ' +
        KEY_TEXT,
      params: promptKeyParams,
      body: {
        schema: previewBody,
        example: { user_message: 'I want to grow recurring revenue this year' },
        required: false,
      },
      responses: {
        200: {
          description: 'What the model answered',
          schema: docs.schema('PromptPreview', previewResponse),
          example: previewExample,
        },
      },
      errors: {
        403: ['permission_denied'],
        404: ['prompt_not_found', 'version_not_found'],
        422: ['invalid_template'],
        429: ['quota_exceeded'],
        502: ['llm_bad_response'],
      },
    },
  };
}

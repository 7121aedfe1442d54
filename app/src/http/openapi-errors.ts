// What the OpenAPI document says about errors: a line for each status and an example body for
// each code, in the standard envelope or the legacy suggestion route's own.

export const errorText: Readonly<Record<number, string>> = {
  400: 'The body is not parseable JSON, or not an object',
  401: 'Missing, expired or invalid bearer token',
  403: 'The resource belongs to another user of the same tenant, or the token lacks the role the route needs',
  404: 'Not found',
  409: 'The resource is in a state that does not allow this',
  412: 'If-Match names a version that is no longer the current one',
  428: 'The edit needs If-Match with the version it started from',
  413: 'The body is larger than MAX_BODY_BYTES',
  415: 'The body is not application/json',
  422: 'The request does not match the schema',
  429: 'Rate limit exceeded, or a budget is spent; Retry-After says when to retry',
  500: 'An unexpected error',
  502: 'The model answered with something unusable',
  503: 'A dependency is throttling or down; Retry-After says when to retry',
};

const errorMessages: Readonly<Record<string, string>> = {
  invalid_json: 'Request body is not valid JSON',
  missing_token: 'Authorization header with a Bearer token is required',
  token_expired: 'Token has expired',
  missing_claims: 'Token lacks user_id or tenant_id',
  invalid_token: 'Token is invalid',
  permission_denied: 'You do not have access to conversation conv_123',
  conversation_not_found: 'Conversation conv_123 not found',
  analysis_not_found: 'Analysis anls_123 not found',
  prompt_not_found: 'Prompt template coaching/careers not found',
  version_not_found: 'Prompt template coaching/goals has no version kQ9e2mV7xT4r',
  precondition_failed:
    'Prompt template coaching/goals has changed: its current version is 3LgZ0b8mZpT.1sPz0qkF5dE6cV2hYw',
  precondition_required:
    'An edit of prompt template coaching/goals needs If-Match with the version it started from',
  invalid_template:
    'Prompt template coaching/goals cannot be used: model.model_id: model gpt-2 is not one of the allowed models (line 12)',
  message_not_found: 'Message msg_t1s1 not found',
  not_found: 'No route for GET /nowhere',
  conversation_not_active: 'Conversation conv_123 is completed; cannot send a message',
  conversation_busy: 'Another message to conversation conv_123 is in progress; retry shortly',
  conversation_limit_reached: 'Conversation conv_123 already holds 500 messages from you',
  nothing_to_regenerate:
    'Conversation conv_123 has no answer to regenerate: it holds only the coach’s opening message',
  payload_too_large: 'Request body exceeds 65536 bytes',
  unsupported_media_type: 'Request body must be sent as application/json',
  idempotency_key_reused: 'This Idempotency-Key was already used with a different request body',
  rate_limit_exceeded: 'Too many requests. Please try again later.',
  quota_exceeded:
    'Your organisation’s monthly budget of $500.00 allows no more model calls until 2026-12-01T00:00:00.000Z.',
  internal_server_error: 'An unexpected error occurred. Please try again later.',
  llm_bad_response: 'The model returned an unusable answer. Please try again.',
  service_unavailable:
    'A service this request needs is temporarily unavailable. Please retry shortly.',
};

/** The 401 codes, which the legacy route reports as `"Unauthorized"`. */
const unauthorized = new Set(['missing_token', 'token_expired', 'missing_claims', 'invalid_token']);

const REQUEST_ID = '0f6c2a4e-8d1b-4f7a-9c3e-2b5d7e9f1a3c';

export function errorExample(code: string, legacy: boolean): Record<string, unknown> {
  const message = errorMessages[code] ?? code;
  if (legacy) {
    return {
      success: false,
      data: null,
      error: unauthorized.has(code) ? 'Unauthorized' : code,
      message,
      request_id: REQUEST_ID,
    };
  }
  const detail =
    code === 'validation_error'
      ? [{ loc: ['body', 'topic'], msg: 'Invalid option', type: 'enum' }]
      : code === 'invalid_template'
        ? [
            {
              loc: ['model', 'model_id'],
              msg: 'model gpt-2 is not one of the allowed models (line 12)',
              type: 'model_not_allowed',
            },
          ]
        : message;
  const extra =
    code === 'rate_limit_exceeded'
      ? { retry_after: 7 }
      : code === 'conversation_not_active'
        ? { current_status: 'completed' }
        : code === 'precondition_failed'
          ? { current_version_id: '3LgZ0b8mZpT.1sPz0qkF5dE6cV2hYw' }
          : code === 'quota_exceeded'
            ? {
                retry_after: 86_400,
                quota: {
                  scope: 'tenant',
                  limit_usd: 500,
                  spent_usd: 500.0213,
                  resets_at: '2026-12-01T00:00:00.000Z',
                },
              }
            : {};
  return { error: code, message, detail, request_id: REQUEST_ID, ...extra };
}

// The one error hierarchy, and the one envelope it becomes. Use cases and adapters throw these;
// whichever way an answer travels (a response, a stream's `error` event, a job's `error`), the
// client reads the envelope errorEnvelope writes. Nothing here knows about Koa.
import type { TokenUsage } from './domain/kernel.js';

export interface ValidationIssue {
  readonly loc: (string | number)[];
  readonly msg: string;
  readonly type: string;
}

export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Extra top-level fields of the error body (e.g. current_status). */
    readonly fields: Readonly<Record<string, unknown>> = {},
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class InvalidJsonError extends AppError {
  constructor(reason = 'Request body must be a JSON object') {
    super(400, 'invalid_json', reason);
  }
}

export class AuthError extends AppError {
  constructor(
    code: 'missing_token' | 'token_expired' | 'missing_claims' | 'invalid_token',
    message: string,
  ) {
    super(401, code, message, {}, { 'WWW-Authenticate': 'Bearer' });
  }
}

export class PermissionDeniedError extends AppError {
  constructor(what: string) {
    super(403, 'permission_denied', `You do not have access to ${what}`);
  }
}

/** A valid token without the role a route needs; the message names the role. */
export class MissingRoleError extends AppError {
  constructor(roles: readonly string[]) {
    super(403, 'permission_denied', `This needs the ${roles.join(' or ')} role`);
  }
}

export class ConversationNotFoundError extends AppError {
  constructor(conversationId: string) {
    super(404, 'conversation_not_found', `Conversation ${conversationId} not found`);
  }
}

export class MessageNotFoundError extends AppError {
  constructor(messageId: string) {
    super(404, 'message_not_found', `Message ${messageId} not found`);
  }
}

export class AnalysisNotFoundError extends AppError {
  constructor(analysisId: string) {
    super(404, 'analysis_not_found', `Analysis ${analysisId} not found`);
  }
}

export class JobNotFoundError extends AppError {
  constructor(jobId: string) {
    super(404, 'job_not_found', `Job ${jobId} not found`);
  }
}

export class NotFoundError extends AppError {
  constructor(message = 'Not found', code = 'not_found') {
    super(404, code, message);
  }
}

export class MethodNotAllowedError extends AppError {
  constructor(method: string, allowed: readonly string[]) {
    super(
      405,
      'method_not_allowed',
      `Method ${method} is not allowed here`,
      {},
      {
        Allow: allowed.join(', '),
      },
    );
  }
}

export class ConversationNotActiveError extends AppError {
  constructor(conversationId: string, currentStatus: string, action: string) {
    super(
      409,
      'conversation_not_active',
      `Conversation ${conversationId} is ${currentStatus}; cannot ${action}`,
      { current_status: currentStatus },
    );
  }
}

export class NothingToRegenerateError extends AppError {
  constructor(conversationId: string, why: string) {
    super(
      409,
      'nothing_to_regenerate',
      `Conversation ${conversationId} has no answer to regenerate: ${why}`,
    );
  }
}

export class ConversationBusyError extends AppError {
  constructor(
    conversationId: string,
    retryAfterSeconds = 1,
    /** The job that holds the conversation, when a job does. */
    jobId?: string,
  ) {
    super(
      409,
      'conversation_busy',
      `Another message to conversation ${conversationId} is in progress; retry shortly`,
      jobId === undefined ? {} : { job_id: jobId },
      { 'Retry-After': String(retryAfterSeconds) },
    );
  }
}

export class ConversationLimitReachedError extends AppError {
  constructor(conversationId: string, maxTurns: number) {
    super(
      409,
      'conversation_limit_reached',
      `Conversation ${conversationId} already holds ${maxTurns} messages from you`,
    );
  }
}

export class PayloadTooLargeError extends AppError {
  constructor(limit: number) {
    super(413, 'payload_too_large', `Request body exceeds ${limit} bytes`);
  }
}

export class UnsupportedMediaTypeError extends AppError {
  constructor(message = 'Request body must be sent as application/json') {
    super(415, 'unsupported_media_type', message);
  }
}

export class ValidationError extends AppError {
  constructor(
    readonly issues: readonly ValidationIssue[],
    code = 'validation_error',
    message = issues[0]?.msg ?? 'Request validation failed',
  ) {
    super(422, code, message);
  }
}

/** A prompt template the service could not use; each issue names the field or the line. */
export class InvalidTemplateError extends ValidationError {
  constructor(
    readonly key: string,
    issues: readonly ValidationIssue[],
  ) {
    super(
      issues,
      'invalid_template',
      `Prompt template ${key} cannot be used: ${issues.map(describeIssue)[0] ?? 'invalid'}`,
    );
  }

  /** The first problem, as health and a 503 name it. */
  get firstProblem(): string {
    return this.issues.map(describeIssue)[0] ?? 'invalid';
  }
}

function describeIssue(issue: ValidationIssue): string {
  return issue.loc.length > 0 ? `${issue.loc.join('.')}: ${issue.msg}` : issue.msg;
}

export class PromptNotFoundError extends AppError {
  constructor(key: string) {
    super(404, 'prompt_not_found', `Prompt template ${key} not found`);
  }
}

export class VersionNotFoundError extends AppError {
  constructor(key: string, versionId: string) {
    super(404, 'version_not_found', `Prompt template ${key} has no version ${versionId}`);
  }
}

/** An edit that started from a version that is no longer the current one. */
export class PreconditionFailedError extends AppError {
  constructor(key: string, currentVersionId: string) {
    super(
      412,
      'precondition_failed',
      `Prompt template ${key} has changed: its current version is ${currentVersionId}`,
      { current_version_id: currentVersionId },
    );
  }
}

export class PreconditionRequiredError extends AppError {
  constructor(key: string) {
    super(
      428,
      'precondition_required',
      `An edit of prompt template ${key} needs If-Match with the ETag of the one version it started from (a missing header, \`*\` or a list of tags names none)`,
    );
  }
}

/** A list cursor this API did not write. */
export class InvalidCursorError extends ValidationError {
  constructor() {
    super([{ loc: ['query', 'cursor'], msg: 'Not a cursor from this API', type: 'value_error' }]);
  }
}

export class IdempotencyKeyReusedError extends AppError {
  constructor() {
    super(
      422,
      'idempotency_key_reused',
      'This Idempotency-Key was already used with a different request body',
    );
  }
}

export class RateLimitExceededError extends AppError {
  constructor(retryAfterSeconds: number) {
    super(
      429,
      'rate_limit_exceeded',
      'Too many requests. Please try again later.',
      { retry_after: retryAfterSeconds },
      { 'Retry-After': String(retryAfterSeconds) },
    );
  }
}

/** A tenant's monthly or a user's daily budget is spent: no model call until it resets. */
export interface SpentBudget {
  readonly scope: 'tenant' | 'user';
  readonly limitUsd: number;
  readonly spentUsd: number;
  readonly resetsAt: Date;
}

export class QuotaExceededError extends AppError {
  constructor(
    readonly budget: SpentBudget,
    retryAfterSeconds: number,
  ) {
    const which = budget.scope === 'tenant' ? 'organisation’s monthly' : 'daily';
    super(
      429,
      'quota_exceeded',
      `Your ${which} budget of $${budget.limitUsd.toFixed(2)} allows no more model calls until ${budget.resetsAt.toISOString()}.`,
      {
        retry_after: retryAfterSeconds,
        quota: {
          scope: budget.scope,
          limit_usd: budget.limitUsd,
          spent_usd: budget.spentUsd,
          resets_at: budget.resetsAt.toISOString(),
        },
      },
      { 'Retry-After': String(retryAfterSeconds) },
    );
  }
}

export class LlmBadResponseError extends AppError {
  constructor(
    readonly reason: string,
    /** Tokens the failed model calls used; recorded on the session, never shown to the client. */
    readonly usage?: TokenUsage,
  ) {
    super(502, 'llm_bad_response', 'The model returned an unusable answer. Please try again.', {});
  }
}

export class ServiceUnavailableError extends AppError {
  constructor(
    readonly dependency: string,
    retryAfterSeconds = 2,
    readonly causeText?: string,
    /** Tokens used before a model call failed (e.g. by the call a repair followed). */
    readonly usage?: TokenUsage,
  ) {
    super(
      503,
      'service_unavailable',
      'A service this request needs is temporarily unavailable. Please retry shortly.',
      {},
      { 'Retry-After': String(retryAfterSeconds) },
    );
  }
}

/**
 * A write the store never answered, which could be neither confirmed nor kept from landing (the
 * store stayed out of reach while it was read back). Answered as any 503; logged apart, since
 * only here can a 503 come with something stored (docs/reliability.md).
 */
export class UnresolvedWriteError extends ServiceUnavailableError {
  constructor(
    readonly write: string,
    causeText?: string,
  ) {
    super('dynamodb', 2, causeText);
  }
}

/** A template with no version the service can use: the detail names it and its problem. */
export class PromptTemplateUnusableError extends ServiceUnavailableError {
  constructor(
    readonly key: string,
    readonly problem: string,
  ) {
    super('prompt_store', 30, `${key}: ${problem}`);
    this.message = `Prompt template ${key} cannot be used: ${problem}`;
  }
}

/** Whatever the service did not expect: the client learns nothing of its cause. */
export class InternalServerError extends AppError {
  constructor() {
    super(500, 'internal_server_error', 'An unexpected error occurred. Please try again later.');
  }
}

/** The contract's error for whatever was thrown: an AppError as it is, anything else a bare 500. */
export function asAppError(thrown: unknown): AppError {
  return thrown instanceof AppError ? thrown : new InternalServerError();
}

/** The contract's error envelope, plus the error's own fields (e.g. current_status, job_id). */
export interface ErrorEnvelope {
  readonly error: string;
  readonly message: string;
  readonly detail: string | readonly ValidationIssue[];
  readonly request_id: string;
  readonly [field: string]: unknown;
}

/**
 * The envelope as it travels: in a response's body (`response`), where the status line says
 * the rest; in a job's `error` (`job`), which adds the status; in a stream's `error` event
 * (`event`), which adds the status and, where a response would send Retry-After, `retry_after`.
 * The fields come in the same order in all three.
 */
export function errorEnvelope(error: AppError, requestId: string): ErrorEnvelope;
export function errorEnvelope(
  error: AppError,
  requestId: string,
  carrier: 'job' | 'event',
): ErrorEnvelope & { readonly status: number };
export function errorEnvelope(
  error: AppError,
  requestId: string,
  carrier: 'response' | 'job' | 'event' = 'response',
): ErrorEnvelope {
  const envelope: ErrorEnvelope = {
    error: error.code,
    message: error.message,
    detail: error instanceof ValidationError ? error.issues : error.message,
    request_id: requestId,
    ...error.fields,
  };
  if (carrier === 'response') return envelope;
  const retryAfter = Number(error.headers['Retry-After']);
  return {
    ...envelope,
    status: error.status,
    ...(carrier === 'event' && Number.isInteger(retryAfter) ? { retry_after: retryAfter } : {}),
  };
}

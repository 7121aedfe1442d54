// The OpenAPI 3.1 document, generated from the same zod schemas that validate requests. Each
// route module contributes its routes (a DocsContribution); this file adds what every route
// shares: the bearer scheme, the error envelope and the errors the edge can answer with.
import {
  extendZodWithOpenApi,
  OpenAPIRegistry,
  OpenApiGeneratorV31,
  type ResponseConfig,
  type RouteConfig,
} from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { standardErrorBody } from './error-schemas.js';
import { pathIds } from './path-ids.js';

// Registering a named schema needs zod's `.openapi()`; loaded lazily, so only when documenting.
extendZodWithOpenApi(z);

export type HttpMethod = 'get' | 'post' | 'delete';

export interface DocumentedResponse {
  readonly description: string;
  /** JSON body; omit for an empty response (204). */
  readonly schema?: z.ZodType;
  readonly example?: unknown;
  /** Another media type than JSON (the docs pages and their assets). */
  readonly mediaType?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface DocumentedRoute {
  readonly method: HttpMethod;
  /** As the router spells it: `/api/v1/conversations/:id`. */
  readonly path: string;
  readonly summary: string;
  readonly description?: string;
  readonly tag: string;
  /** Needs a bearer token (adds 401, the per-user 429 and 503). */
  readonly auth: boolean;
  /** Counted by the per-IP limit (every route except health and docs). */
  readonly limited?: boolean;
  readonly query?: z.ZodObject;
  readonly headers?: z.ZodObject;
  readonly body?: {
    readonly schema: z.ZodType;
    readonly example: unknown;
    readonly required?: boolean;
  };
  readonly responses: Readonly<Record<number, DocumentedResponse>>;
  /** Route-specific errors, e.g. 403, 404, 409; each with its `error` codes. */
  readonly errors?: Readonly<Record<number, readonly string[]>>;
  /** The legacy suggestion route answers errors in its own envelope. */
  readonly errorSchema?: z.ZodType;
  readonly deprecated?: boolean;
}

export interface ApiDocs {
  readonly prefix: string;
  route(route: DocumentedRoute): void;
  /** Names a schema, so the document refers to it as a component. */
  schema<T extends z.ZodType>(name: string, schema: T): T;
}

/** A route module's part of the document. */
export type DocsContribution = (docs: ApiDocs) => void;

const errorText: Readonly<Record<number, string>> = {
  400: 'The body is not parseable JSON, or not an object',
  401: 'Missing, expired or invalid bearer token',
  403: 'The resource belongs to another user of the same tenant',
  404: 'Not found',
  409: 'The resource is in a state that does not allow this',
  413: 'The body is larger than MAX_BODY_BYTES',
  415: 'The body is not application/json',
  422: 'The request does not match the schema',
  429: 'Rate limit exceeded; Retry-After says when to retry',
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
  not_found: 'No route for GET /nowhere',
  conversation_not_active: 'Conversation conv_123 is completed; cannot send a message',
  conversation_busy: 'Another message to conversation conv_123 is in progress; retry shortly',
  conversation_limit_reached: 'Conversation conv_123 already holds 500 messages from you',
  payload_too_large: 'Request body exceeds 65536 bytes',
  unsupported_media_type: 'Request body must be sent as application/json',
  idempotency_key_reused: 'This Idempotency-Key was already used with a different request body',
  rate_limit_exceeded: 'Too many requests. Please try again later.',
  internal_server_error: 'An unexpected error occurred. Please try again later.',
  llm_bad_response: 'The model returned an unusable answer. Please try again.',
  service_unavailable:
    'A service this request needs is temporarily unavailable. Please retry shortly.',
};

const REQUEST_ID = '0f6c2a4e-8d1b-4f7a-9c3e-2b5d7e9f1a3c';

function errorExample(code: string, legacy: boolean): Record<string, unknown> {
  const message = errorMessages[code] ?? code;
  if (legacy) {
    return {
      success: false,
      data: null,
      error: code === 'missing_token' ? 'Unauthorized' : code,
      message,
      request_id: REQUEST_ID,
    };
  }
  const detail =
    code === 'validation_error'
      ? [{ loc: ['body', 'topic'], msg: 'Invalid option', type: 'enum' }]
      : message;
  const extra =
    code === 'rate_limit_exceeded'
      ? { retry_after: 7 }
      : code === 'conversation_not_active'
        ? { current_status: 'completed' }
        : {};
  return { error: code, message, detail, request_id: REQUEST_ID, ...extra };
}

const header = (description: string, type: 'string' | 'integer' = 'string') => ({
  description,
  schema: { type },
});

const requestIdHeader = { 'X-Request-ID': header('The request id, also in every log line') };
const rateLimitHeaders = {
  'X-RateLimit-Limit': header('Requests allowed in the window', 'integer'),
  'X-RateLimit-Remaining': header('Requests left in the window', 'integer'),
  'X-RateLimit-Reset': header('Seconds until the window resets', 'integer'),
};
const retryAfterHeader = { 'Retry-After': header('Seconds to wait before retrying', 'integer') };

/**
 * Zod 4 schemas built before extendZodWithOpenApi ran (the route schemas load first) lack
 * `.openapi`; the extension's own method makes a fresh copy that has it.
 */
function openApiCapable<T extends z.ZodType>(schema: T): T {
  const openapi = (z.ZodType.prototype as unknown as { openapi: (this: T) => T }).openapi;
  return 'openapi' in schema ? schema : openapi.call(schema);
}

const tagDescriptions: Readonly<Record<string, string>> = {
  system: 'The front door and health checks (no token)',
  conversations: 'Coaching conversations: start, talk, read, list, pause, resume, complete, erase',
  analysis: 'Alignment, strategy, KPI and operations analyses, stored and readable again',
  suggestions: 'Legacy onboarding suggestions, with their own envelope',
  docs: 'This document and its two readers (no token)',
};

/** A path parameter: an id with its pattern (the one the routers match), else any segment. */
function pathParamSchema(name: string): z.ZodType {
  const id = pathIds[name];
  if (!id)
    return z
      .string()
      .min(1)
      .describe(`The ${name.replace(/_/g, ' ')}`);
  return z
    .string()
    .regex(new RegExp(id.pattern))
    .describe(id.description)
    .openapi({ example: id.example });
}

const toOpenApiPath = (path: string) => path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

/** Collects contributions and generates the document; call `document` once per server URL. */
export function buildOpenApi(prefix: string, contributions: readonly DocsContribution[]) {
  const registry = new OpenAPIRegistry();
  const bearer = registry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: 'HS256 JWT with user_id (or sub), tenant_id and exp claims',
  });
  const standardError = registry.register(
    'ErrorBody',
    standardErrorBody.extend({
      retry_after: z
        .number()
        .int()
        .optional()
        .describe('With 429: seconds until the window resets'),
      current_status: z.string().optional().describe('With 409 conversation_not_active'),
    }),
  );

  function errorResponse(
    status: number,
    codes: readonly string[],
    schema: z.ZodType,
    legacy: boolean,
  ): ResponseConfig {
    const headers: Record<string, unknown> = { ...requestIdHeader };
    if (status === 401) headers['WWW-Authenticate'] = header('Bearer');
    if (status === 429 || status === 503) Object.assign(headers, retryAfterHeader);
    return {
      description: `${errorText[status] ?? 'Error'} (${codes.join(', ')})`,
      headers: headers as ResponseConfig['headers'],
      content: {
        'application/json': {
          schema,
          examples: Object.fromEntries(
            codes.map((code) => [code, { value: errorExample(code, legacy) }]),
          ),
        },
      },
    };
  }

  const tags = new Set<string>();
  const docs: ApiDocs = {
    prefix,
    schema: (name, schema) => registry.register(name, openApiCapable(schema)),
    route(route) {
      tags.add(route.tag);
      const limited = route.limited ?? true;
      const legacy = route.errorSchema !== undefined;
      const errorSchema = route.errorSchema ?? standardError;
      const errors = new Map<number, string[]>();
      const addError = (status: number, ...codes: string[]) =>
        errors.set(status, [...(errors.get(status) ?? []), ...codes]);
      if (route.body) {
        addError(400, 'invalid_json');
        addError(413, 'payload_too_large');
        addError(415, 'unsupported_media_type');
      }
      if (route.body || route.query || route.headers || route.path.includes(':')) {
        addError(422, 'validation_error');
      }
      if (route.auth) {
        addError(401, 'missing_token', 'token_expired', 'missing_claims', 'invalid_token');
        addError(503, 'service_unavailable');
      }
      if (route.auth || limited) addError(429, 'rate_limit_exceeded');
      for (const [status, codes] of Object.entries(route.errors ?? {})) {
        addError(Number(status), ...codes);
      }
      addError(500, 'internal_server_error');

      const success = Object.entries(route.responses).map(([status, response]) => {
        const headers: Record<string, unknown> = { ...requestIdHeader };
        if (route.auth || limited) Object.assign(headers, rateLimitHeaders);
        for (const [name, description] of Object.entries(response.headers ?? {})) {
          headers[name] = header(description);
        }
        const content = response.schema
          ? {
              [response.mediaType ?? 'application/json']: {
                schema: response.schema,
                ...(response.example === undefined ? {} : { example: response.example }),
              },
            }
          : undefined;
        return [
          status,
          {
            description: response.description,
            headers: headers as ResponseConfig['headers'],
            ...(content ? { content } : {}),
          },
        ] as const;
      });

      const pathParams = [...route.path.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1] ?? '');
      const config: RouteConfig = {
        method: route.method,
        path: toOpenApiPath(route.path),
        operationId: `${route.method}${toOpenApiPath(route.path)
          .split(/[^A-Za-z0-9]+/)
          .map((w) => (w ? `${w[0]?.toUpperCase() ?? ''}${w.slice(1)}` : ''))
          .join('')}`,
        summary: route.summary,
        description: route.description,
        tags: [route.tag],
        deprecated: route.deprecated,
        security: route.auth ? [{ [bearer.name]: [] }] : [],
        request: {
          params:
            pathParams.length > 0
              ? z.object(Object.fromEntries(pathParams.map((p) => [p, pathParamSchema(p)])))
              : undefined,
          query: route.query,
          headers: route.headers,
          body: route.body && {
            required: route.body.required ?? true,
            content: {
              'application/json': { schema: route.body.schema, example: route.body.example },
            },
          },
        },
        responses: {
          ...Object.fromEntries(success),
          ...Object.fromEntries(
            [...errors].map(([status, codes]) => [
              status,
              errorResponse(status, codes, errorSchema, legacy),
            ]),
          ),
        },
      };
      registry.registerPath(config);
    },
  };
  for (const contribute of contributions) contribute(docs);

  const base = new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'PurposePath AI Coaching API',
      version: '2.0.0',
      description:
        'Coaching conversations, analyses and onboarding suggestions. Every route except the ' +
        'front door, health and docs needs a bearer token. Errors share one envelope ' +
        '(`error`, `message`, `detail`, `request_id`); every response carries `X-Request-ID`.',
      license: { name: 'Proprietary', identifier: 'LicenseRef-Proprietary' },
    },
    servers: [{ url: '/' }],
    tags: [...tags].map((name) => ({ name, description: tagDescriptions[name] ?? name })),
  });

  return {
    /** The document as served through `basePath` (a stage or mapping key, or nothing). */
    document(basePath: string): Record<string, unknown> {
      return { ...base, servers: [{ url: basePath || '/', description: 'This deployment' }] };
    },
  };
}

// The OpenAPI 3.1 document, generated from the same zod schemas that validate requests. Each
// route module contributes its routes (a DocsContribution); this file adds what every route
// shares: the bearer scheme, the error envelope, the headers, and the errors the edge can
// answer with.
import {
  extendZodWithOpenApi,
  OpenAPIRegistry,
  OpenApiGeneratorV31,
  type ResponseConfig,
  type RouteConfig,
} from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { spentQuota, standardErrorBody } from './error-schemas.js';
import { errorExample, errorText } from './openapi-errors.js';
import { pathIds } from './path-ids.js';

// Registering a named schema needs zod's `.openapi()`; loaded lazily, so only when documenting.
extendZodWithOpenApi(z);

export type HttpMethod = 'get' | 'post' | 'put' | 'delete';

/** A link from a response to the operation its `Location` (or a body field) leads to. */
export interface DocumentedLink {
  readonly operationId: string;
  /** Parameter name → runtime expression, e.g. `$response.body#/conversation_id`. */
  readonly parameters: Readonly<Record<string, string>>;
  readonly description: string;
}

export interface DocumentedResponse {
  readonly description: string;
  /** The body's schema; omit for an empty response (204). */
  readonly schema?: z.ZodType;
  readonly example?: unknown;
  /** The body's media types, when not JSON (the docs pages and their assets). */
  readonly mediaTypes?: readonly string[];
  /** Other forms of the same response, by media type (a streamed turn's text/event-stream). */
  readonly alternatives?: Readonly<
    Record<string, { readonly schema: z.ZodType; readonly example?: unknown }>
  >;
  /** Headers this response always carries, with what each says. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Headers it carries only sometimes (Retry-After while a job is open). */
  readonly optionalHeaders?: Readonly<Record<string, string>>;
  readonly links?: Readonly<Record<string, DocumentedLink>>;
}

export interface DocumentedRoute {
  readonly method: HttpMethod;
  /** As the router spells it: `/api/v1/conversations/:id`. */
  readonly path: string;
  /** What a client generator names the method: `sendMessage`, `getConversation`. */
  readonly operationId: string;
  readonly summary: string;
  readonly description: string;
  readonly tag: string;
  /** Needs a bearer token (adds 401, the per-user 429 and 503). */
  readonly auth: boolean;
  /** Counted by the per-IP limit (every route except health and docs). */
  readonly limited?: boolean;
  /** Path parameters that are not ids (ids get their pattern from path-ids.ts). */
  readonly params?: Readonly<Record<string, z.ZodType>>;
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
  /** Headers every response of the route carries, errors included (legacy `Deprecation`). */
  readonly alwaysHeaders?: Readonly<Record<string, string>>;
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

type HeaderObject = { description: string; required: boolean; schema: { type: string } };
type Headers = Record<string, HeaderObject>;

const header = (
  description: string,
  type: 'string' | 'integer' = 'string',
  required = true,
): HeaderObject => ({ description, required, schema: { type } });

const requestIdHeader: Headers = {
  'X-Request-ID': header('The request id (the caller’s, when sane), also in every log line'),
};
const rateLimitHeaders: Headers = {
  'X-RateLimit-Limit': header('Requests allowed in the window', 'integer'),
  'X-RateLimit-Remaining': header('Requests left in the window', 'integer'),
  'X-RateLimit-Reset': header('Seconds until the window resets', 'integer'),
};
const retryAfter = (required: boolean, description = 'Seconds to wait before retrying') => ({
  'Retry-After': header(description, 'integer', required),
});

/** Headers an error status carries besides the request id. */
function errorHeaders(status: number): Headers {
  if (status === 401) return { 'WWW-Authenticate': header('Always `Bearer`') };
  if (status === 405) return { Allow: header('The methods the path answers') };
  if (status === 429 || status === 503) return retryAfter(true);
  if (status === 409) {
    return retryAfter(
      false,
      'With conversation_busy: seconds to wait; at most 2 while the holder is alive, else until its lease lapses',
    );
  }
  return {};
}

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
  jobs: 'Work accepted with `Prefer: respond-async`, polled until it succeeds or fails',
  suggestions: 'Legacy onboarding suggestions, with their own envelope',
  usage: 'What the caller’s model calls cost, and what is left of the budgets',
  admin:
    'For tenant and platform admins: a tenant’s usage, a tenant’s budget, the prompt templates and their versions',
  docs: 'This document and its two readers (no token)',
};

/** An id parameter with the pattern the routers match (see path-ids.ts). */
function idParamSchema(name: string): z.ZodType {
  const id = pathIds[name];
  if (!id) throw new Error(`path parameter ${name} is neither an id nor documented by its route`);
  return z
    .string()
    .regex(new RegExp(id.pattern))
    .describe(id.description)
    .openapi({ example: id.example });
}

const toOpenApiPath = (path: string) => path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

/**
 * A body schema with no fields of its own that drops unknown ones: any JSON object passes, so
 * the route can answer 400 for a body that is not an object but never 422.
 */
function acceptsEveryObject(schema: z.ZodType): boolean {
  return (
    schema instanceof z.ZodObject &&
    Object.keys(schema.shape).length === 0 &&
    schema.def.catchall === undefined
  );
}

/**
 * Whether a request that fits the route's path except for its parameters' patterns can reach
 * another path of the document with other methods: `GET /conversations/initiate` has the shape
 * of `GET /conversations/{id}`, matches the initiate route and answers 405 with its `Allow`.
 */
function answersOtherMethods(route: DocumentedRoute, all: readonly DocumentedRoute[]): boolean {
  const segments = route.path.split('/');
  if (!segments.some((s) => s.startsWith(':'))) return false;
  const fits = (other: DocumentedRoute) => {
    const theirs = other.path.split('/');
    return (
      other.path !== route.path &&
      theirs.length === segments.length &&
      segments.every((s, i) => s.startsWith(':') || s === theirs[i])
    );
  };
  const siblingPaths = new Set(all.filter(fits).map((other) => other.path));
  return [...siblingPaths].some(
    (path) => !all.some((other) => other.path === path && other.method === route.method),
  );
}

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
      current_version_id: z
        .string()
        .optional()
        .describe('With 412 precondition_failed: the template’s current version, to edit from'),
      job_id: z
        .string()
        .optional()
        .describe(
          'With 409 conversation_busy: the job that holds the conversation, when a job does',
        ),
      quota: spentQuota.optional(),
    }),
  );

  function errorResponse(
    status: number,
    codes: readonly string[],
    route: DocumentedRoute,
  ): ResponseConfig {
    const legacy = route.errorSchema !== undefined;
    const always = Object.fromEntries(
      Object.entries(route.alwaysHeaders ?? {}).map(([name, text]) => [name, header(text)]),
    );
    return {
      description: `${errorText[status] ?? 'Error'} (${codes.join(', ')})`,
      headers: {
        ...requestIdHeader,
        ...always,
        ...errorHeaders(status),
      } as ResponseConfig['headers'],
      content: {
        'application/json': {
          schema: route.errorSchema ?? standardError,
          examples: Object.fromEntries(
            codes.map((code) => [code, { value: errorExample(code, legacy) }]),
          ),
        },
      },
    };
  }

  function successResponse(route: DocumentedRoute, response: DocumentedResponse): ResponseConfig {
    const limited = route.auth || (route.limited ?? true);
    const headers: Headers = { ...requestIdHeader, ...(limited ? rateLimitHeaders : {}) };
    for (const [name, text] of Object.entries({ ...route.alwaysHeaders, ...response.headers })) {
      headers[name] = header(text);
    }
    for (const [name, text] of Object.entries(response.optionalHeaders ?? {})) {
      headers[name] = header(text, name === 'Retry-After' ? 'integer' : 'string', false);
    }
    const { schema, example } = response;
    const content = schema
      ? Object.fromEntries([
          ...(response.mediaTypes ?? ['application/json']).map((type) => [
            type,
            { schema, ...(example === undefined ? {} : { example }) },
          ]),
          ...Object.entries(response.alternatives ?? {}).map(([type, other]) => [
            type,
            {
              schema: other.schema,
              ...(other.example === undefined ? {} : { example: other.example }),
            },
          ]),
        ])
      : undefined;
    const links = response.links
      ? Object.fromEntries(
          Object.entries(response.links).map(([name, link]) => [name, { ...link }]),
        )
      : undefined;
    return {
      description: response.description,
      headers: headers as ResponseConfig['headers'],
      ...(content ? { content } : {}),
      ...(links ? { links } : {}),
    };
  }

  /** Every error the route can answer with: the edge's, by what the route reads, and its own. */
  function errorsOf(route: DocumentedRoute, otherMethods: boolean): Map<number, string[]> {
    const errors = new Map<number, string[]>();
    const add = (status: number, ...codes: string[]) =>
      errors.set(status, [...(errors.get(status) ?? []), ...codes]);
    if (route.body) {
      add(400, 'invalid_json');
      add(413, 'payload_too_large');
      add(415, 'unsupported_media_type');
    }
    if ((route.body && !acceptsEveryObject(route.body.schema)) || route.query || route.headers) {
      add(422, 'validation_error');
    }
    if (otherMethods) add(405, 'method_not_allowed');
    if (route.auth) {
      add(401, 'missing_token', 'token_expired', 'missing_claims', 'invalid_token');
      add(503, 'service_unavailable');
    }
    if (route.auth || (route.limited ?? true)) add(429, 'rate_limit_exceeded');
    for (const [status, codes] of Object.entries(route.errors ?? {})) add(Number(status), ...codes);
    add(500, 'internal_server_error');
    return errors;
  }

  const tags = new Set<string>();
  const documented: DocumentedRoute[] = [];
  const docs: ApiDocs = {
    prefix,
    schema: (name, schema) => registry.register(name, openApiCapable(schema)),
    route: (route) => documented.push(route),
  };
  for (const contribute of contributions) contribute(docs);
  for (const route of documented) register(route, answersOtherMethods(route, documented));

  function register(route: DocumentedRoute, otherMethods: boolean): void {
    tags.add(route.tag);
    const pathParams = [...route.path.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1] ?? '');
    const params = Object.fromEntries(
      pathParams.map((p) => [p, route.params?.[p] ?? idParamSchema(p)]),
    );
    const config: RouteConfig = {
      method: route.method,
      path: toOpenApiPath(route.path),
      operationId: route.operationId,
      summary: route.summary,
      description: route.description,
      tags: [route.tag],
      deprecated: route.deprecated,
      security: route.auth ? [{ [bearer.name]: [] }] : [],
      request: {
        params: pathParams.length > 0 ? z.object(params) : undefined,
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
        ...Object.fromEntries(
          Object.entries(route.responses).map(([status, r]) => [status, successResponse(route, r)]),
        ),
        ...Object.fromEntries(
          [...errorsOf(route, otherMethods)].map(([status, codes]) => [
            status,
            errorResponse(status, codes, route),
          ]),
        ),
      },
    };
    registry.registerPath(config);
  }

  const base = new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'PurposePath AI Coaching API',
      version: '2.0.0',
      description:
        'Coaching conversations, analyses and onboarding suggestions. Every route except the ' +
        'front door, health and docs needs a bearer token. Errors share one envelope ' +
        '(`error`, `message`, `detail`, `request_id`); every response carries `X-Request-ID`. ' +
        'Text fields marked as trimmed lose their leading and trailing whitespace before their ' +
        'length is judged; their `pattern` says exactly which raw values pass. A path segment ' +
        'that is not an id of its documented form matches no route (404 `not_found`, or 405 ' +
        'where the path exists for other methods).',
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

// A route declared once: its method, its path, the schema that validates its JSON body and its
// OpenAPI description, side by side. The router mounts it and the document describes it from
// the same declaration, so neither spells its path or its body again.
import type Router from '@koa/router';
import type { z } from 'zod';
import type { AppContext, AppMiddleware, AppState } from './middleware.js';
import type { ApiDocs, DocsContribution, DocumentedRoute, HttpMethod } from './openapi.js';
import { validate } from './validate.js';

/** What the document says of a route besides its method and path. */
export type RouteDescription = Omit<DocumentedRoute, 'method' | 'path'>;

/** The request body as the document shows it: an example, its schema (named as a component). */
export type DocumentedBody = (
  example: unknown,
  options?: { readonly name?: string; readonly required?: boolean },
) => NonNullable<DocumentedRoute['body']>;

export interface RouteSpec<S extends z.ZodType = z.ZodType> {
  readonly method: HttpMethod;
  /** Below the API prefix, as the router spells it: `/conversations/:id/message`. */
  readonly path: string;
  /** The path is the service's own, not the API's (`/`, `/openapi.json`, the docs pages). */
  readonly atRoot?: boolean;
  /** The JSON body's schema; a route without one reads no body. */
  readonly body?: S;
  /** The rest of its description; `body` names the body's schema where the document shows it. */
  readonly describe: (docs: ApiDocs, body: DocumentedBody) => RouteDescription;
}

export const route = <S extends z.ZodType>(spec: RouteSpec<S>): RouteSpec<S> => spec;

/** The document's part for these routes, in this order. */
export function describeRoutes(specs: readonly RouteSpec[]): DocsContribution {
  return (docs) => {
    for (const spec of specs) {
      const body: DocumentedBody = (example, { name, required } = {}) => {
        if (!spec.body) throw new Error(`${spec.method} ${spec.path} declares no body`);
        const schema = name === undefined ? spec.body : docs.schema(name, spec.body);
        return required === undefined ? { schema, example } : { schema, example, required };
      };
      docs.route({
        method: spec.method,
        path: spec.atRoot ? spec.path : `${docs.prefix}${spec.path}`,
        ...spec.describe(docs, body),
      });
    }
  };
}

export interface Mounting {
  readonly router: Router<AppState>;
  /** The API prefix (API_PREFIX), before every path that is not at the root. */
  readonly prefix: string;
  /** Reads the JSON body (media type, size, JSON), for the routes that declare one. */
  readonly readBody?: AppMiddleware;
}

/**
 * Mounts the route behind `guard` (authentication, limits); a route with a body reads and
 * validates it first, and its handler gets it parsed.
 */
export function mount<S extends z.ZodType>(
  on: Mounting,
  spec: RouteSpec<S>,
  guard: readonly AppMiddleware[],
  handle: (ctx: AppContext, body: z.output<S>) => void | Promise<void>,
): void {
  const { body } = spec;
  if (body && !on.readBody) throw new Error(`${spec.path} declares a body that nothing reads`);
  const reading = body && on.readBody ? [on.readBody] : [];
  const handler: AppMiddleware = (ctx) =>
    handle(ctx, body ? validate('body', body, ctx.request.body) : (undefined as z.output<S>));
  const path = spec.atRoot ? spec.path : `${on.prefix}${spec.path}`;
  on.router[spec.method](path, ...guard, ...reading, handler);
}

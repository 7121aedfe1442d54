// The admin module: the routes under /admin/ (and the caller's own usage, which shares their
// code), declared here as a table so the router knows every path and method from the start,
// while their handlers (admin-handlers.ts) and their part of the OpenAPI document
// (admin-docs.ts) load with the first request that needs them. Each route names the roles it
// needs: a valid token without one is 403 permission_denied naming them. Every call to an
// /admin/ route, refused or not, leaves one `admin_action` log line: who called, which route,
// on what (the handler names its target), and the status; never a template's text or a user's
// words.
//
// To add a route: a row in `adminRouteTable`, a handler of that operationId in
// admin-handlers.ts, and its documentation in admin-docs.ts (a test checks all three agree).
import Router from '@koa/router';
import { hasAnyRole, type Role } from '../auth/roles.js';
import type { Budgets } from '../budgets/budgets.js';
import type { Coaching } from '../coaching/coaching-use-cases.js';
import { AppError, MissingRoleError } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import type { PromptPreview } from '../previews/preview-template.js';
import type { PromptAdmin } from '../prompts/prompt-admin.js';
import {
  jsonBody,
  principalOf,
  type AppContext,
  type AppMiddleware,
  type AppState,
} from './middleware.js';
import type { DocsContribution } from './openapi.js';
import { constrainParams } from './path-ids.js';

export interface AdminRoute {
  readonly method: 'get' | 'put' | 'post' | 'delete';
  /** Under the API prefix, as the router spells it. */
  readonly path: string;
  /** The caller needs one of these; none: any authenticated caller, and not an admin call. */
  readonly roles: readonly Role[];
  /** The handler's name in admin-handlers.ts, and the operation's in the document. */
  readonly operationId: AdminOperation;
}

export const adminRouteTable = [
  { method: 'get', path: '/usage', roles: [], operationId: 'getOwnUsage' },
  {
    method: 'get',
    path: '/admin/usage',
    roles: ['tenant_admin', 'platform_admin'],
    operationId: 'getTenantUsage',
  },
  {
    method: 'get',
    path: '/admin/budgets/:tenant_id',
    roles: ['platform_admin'],
    operationId: 'getTenantBudget',
  },
  {
    method: 'put',
    path: '/admin/budgets/:tenant_id',
    roles: ['platform_admin'],
    operationId: 'setTenantBudget',
  },
  { method: 'get', path: '/admin/prompts', roles: ['platform_admin'], operationId: 'listPrompts' },
  {
    method: 'get',
    path: '/admin/prompts/:kind/:name',
    roles: ['platform_admin'],
    operationId: 'getPrompt',
  },
  {
    method: 'put',
    path: '/admin/prompts/:kind/:name',
    roles: ['platform_admin'],
    operationId: 'publishPrompt',
  },
  {
    method: 'get',
    path: '/admin/prompts/:kind/:name/versions',
    roles: ['platform_admin'],
    operationId: 'listPromptVersions',
  },
  {
    method: 'post',
    path: '/admin/prompts/:kind/:name/rollback',
    roles: ['platform_admin'],
    operationId: 'rollbackPrompt',
  },
  {
    method: 'post',
    path: '/admin/prompts/:kind/:name/preview',
    roles: ['platform_admin'],
    operationId: 'previewPrompt',
  },
  // Feedback on the coach's answers.
  {
    method: 'get',
    path: '/admin/feedback',
    roles: ['tenant_admin', 'platform_admin'],
    operationId: 'exportFeedback',
  },
] as const satisfies readonly {
  readonly method: AdminRoute['method'];
  readonly path: string;
  readonly roles: readonly Role[];
  readonly operationId: string;
}[];

export type AdminOperation = (typeof adminRouteTable)[number]['operationId'];

const hex = '[0-9A-Fa-f]';
/** A UTF-8 continuation byte, percent-encoded: %80 to %BF. */
const next = `%[89ABab]${hex}`;
/**
 * One code point of a tenant id as a path segment carries it: a character a path may hold as
 * it is, or the UTF-8 of any other, percent-encoded (hex digits in either case), never a
 * control character (C0, DEL, C1) nor a surrogate. Parameters are matched as written, so the
 * pattern names both cases itself.
 */
const tenantCodePoint = [
  "[A-Za-z0-9._~!$&'()*+,;=:@-]",
  `%(?:[2-6]${hex}|7[0-9A-Ea-e])`,
  `%[Cc]2%[ABab]${hex}`,
  `%(?:[Cc][3-9A-Fa-f]|[Dd]${hex})${next}`,
  `%[Ee]0%[ABab]${hex}${next}`,
  `%[Ee][1-9ABCEFabcef]${next}${next}`,
  `%[Ee][Dd]%[89]${hex}${next}`,
  `%[Ff]0%[9ABab]${hex}${next}${next}`,
  `%[Ff][1-3]${next}${next}${next}`,
  `%[Ff]4%8${hex}${next}${next}`,
].join('|');
/**
 * A tenant id in a path: 1 to 256 code points, as tokens name tenants, so a segment that could
 * not name one matches no route (404), like an id of the wrong form.
 */
export const TENANT_SEGMENT = `^(?:${tenantCodePoint}){1,256}$`;

/**
 * Each half of a template key in a path (`coaching/goals` is `/coaching/goals`): letters,
 * digits, `_` and `-`, so `..`, an encoded slash or any other text matches no route, while a
 * key-shaped pair that is not one of the nine is 404 prompt_not_found.
 */
export const PROMPT_KEY_SEGMENT = '^[A-Za-z0-9_-]{1,64}$';

const segmentPatterns: Readonly<Record<string, string>> = {
  tenant_id: TENANT_SEGMENT,
  kind: PROMPT_KEY_SEGMENT,
  name: PROMPT_KEY_SEGMENT,
};

/** What the handlers work with. */
export interface AdminDeps {
  readonly budgets: Budgets;
  readonly promptAdmin: () => Promise<PromptAdmin>;
  readonly promptPreview: () => Promise<PromptPreview>;
  readonly coaching: Pick<Coaching, 'exportFeedback'>;
}

/** A handler: answers the request, naming what it acted on for the admin_action line. */
export type AdminHandler = (
  ctx: AppContext,
  deps: AdminDeps,
  target: (fields: Readonly<Record<string, string>>) => void,
) => Promise<void>;

export interface AdminRoutesOptions extends AdminDeps {
  readonly prefix: string;
  readonly maxBodyBytes: number;
  /** Authentication and the per-user limit. */
  readonly guard: (routeClass: 'default') => AppMiddleware[];
  readonly logger: Logger;
}

/** The module's handlers, read from disk with the first request that runs one. */
function lazyHandlers() {
  let loading: Promise<Readonly<Record<AdminOperation, AdminHandler>>> | undefined;
  return () =>
    (loading ??= import('./admin-handlers.js')
      .then((module) => module.adminHandlers)
      .catch((error: unknown) => {
        loading = undefined;
        throw error;
      }));
}

/** The document's part for these routes, loaded when the document is first built. */
export const adminDocs = async (): Promise<DocsContribution> =>
  (await import('./admin-docs.js')).adminDocs;

/** One `admin_action` line a call, written however the call ends. */
function adminAction(logger: Logger, route: AdminRoute, targets: WeakMap<AppContext, object>) {
  const logged: AppMiddleware = async (ctx, next) => {
    let status = 500;
    try {
      await next();
      status = ctx.status;
    } catch (error) {
      if (error instanceof AppError) status = error.status;
      throw error;
    } finally {
      const principal = ctx.state.principal;
      logger.info({
        event: 'admin_action',
        request_id: ctx.state.requestId,
        user_id: principal?.userId,
        tenant_id: principal?.tenantId,
        method: route.method.toUpperCase(),
        route: ctx.state.route,
        operation: route.operationId,
        target: targets.get(ctx) ?? {},
        status,
      });
    }
  };
  return logged;
}

function requireRole(roles: readonly Role[]): AppMiddleware {
  return async (ctx, next) => {
    if (!hasAnyRole(principalOf(ctx), roles)) throw new MissingRoleError(roles);
    await next();
  };
}

export function adminRoutes(options: AdminRoutesOptions): Router<AppState> {
  const router = new Router<AppState>({ prefix: options.prefix });
  const handlers = lazyHandlers();
  const targets = new WeakMap<AppContext, object>();
  const body = jsonBody(options.maxBodyBytes);
  for (const route of adminRouteTable as readonly AdminRoute[]) {
    const admin = route.path.startsWith('/admin/');
    const run: AppMiddleware = async (ctx) => {
      const handler = (await handlers())[route.operationId];
      await handler(ctx, options, (fields) => targets.set(ctx, fields));
    };
    router[route.method](
      route.path,
      ...options.guard('default'),
      ...(admin ? [adminAction(options.logger, route, targets)] : []),
      ...(route.roles.length > 0 ? [requireRole(route.roles)] : []),
      ...(route.method === 'put' || route.method === 'post' ? [body] : []),
      run,
    );
  }
  return constrainParams(router, (param) => segmentPatterns[param]);
}

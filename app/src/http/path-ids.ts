// Path parameters with a form: ids (a kind prefix, `_`, then 1–128 letters, digits, `_` or
// `-`) and other closed sets such as the docs assets' file names. The routers match only
// segments of that form, so anything else is no route at all (404, or 405 where the path
// exists for other methods) and never reaches a store; the OpenAPI document gives each
// parameter the same pattern.
import type Router from '@koa/router';
import type { AppState } from './middleware.js';

export interface PathId {
  /** The JSON Schema / ECMAScript pattern of the whole segment, anchored. */
  readonly pattern: string;
  readonly description: string;
  readonly example: string;
}

/** An id parameter for ids minted with `prefix` (see newId in domain/kernel.ts). */
export function pathId(prefix: string, what: string): PathId {
  return {
    pattern: `^${prefix}_[A-Za-z0-9_-]{1,128}$`,
    description: `The ${what} id: \`${prefix}_\` then 1–128 letters, digits, \`_\` or \`-\``,
    example: `${prefix}_3f9a1c2e4b6d8f0a1c3e5b7d9f1a2c4e`,
  };
}

/** Every id parameter the routes use, by the name they give it in their paths. */
export const pathIds: Readonly<Record<string, PathId>> = {
  id: pathId('conv', 'conversation'),
  analysis_id: pathId('anls', 'analysis'),
  job_id: pathId('job', 'job'),
  message_id: pathId('msg', 'message'),
};

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');

/** Where a parameter's pattern comes from: its name, and the route it is part of. */
export type ParamPattern = (param: string, routePath: string) => string | undefined;

/** A literal matched in either case without the `i` flag, which would reach the ids too. */
const anyCase = (text: string) =>
  [...text]
    .map((c) =>
      c.toLowerCase() === c.toUpperCase()
        ? escapeRegExp(c)
        : `[${c.toLowerCase()}${c.toUpperCase()}]`,
    )
    .join('');

/**
 * The layer's matcher rebuilt with each constrained parameter's pattern in place of "any
 * segment". Paths here keep parameters as whole segments (`/:id/message`); anything else is
 * refused at start-up rather than matched loosely. A parameter's pattern is matched as written
 * (`conv_`, never `CONV_`), as the document's pattern is, whatever case the rest of the path
 * may take.
 */
function constrainedMatcher(
  path: string,
  patternOf: ParamPattern,
  options: { readonly strict: boolean; readonly sensitive: boolean },
): RegExp {
  const segments = path.split('/').map((segment) => {
    const param = /^:([A-Za-z0-9_]+)$/.exec(segment)?.[1];
    if (param === undefined) {
      if (segment.includes(':')) throw new Error(`route ${path}: a parameter must be a segment`);
      return options.sensitive ? escapeRegExp(segment) : anyCase(segment);
    }
    const pattern = patternOf(param, path);
    return pattern ? `(${pattern.replace(/^\^|\$$/g, '')})` : '([^\\/]+)';
  });
  const trailing = options.strict ? '' : '(?:\\/$)?';
  return new RegExp(`^(?:${segments.join('\\/')})${trailing}$`);
}

/**
 * Makes the router's constrained parameters match only values of their pattern, so any other
 * value is no route at all. Call after the routes are registered.
 */
export function constrainParams(
  router: Router<AppState>,
  patternOf: ParamPattern,
): Router<AppState> {
  for (const layer of router.stack) {
    if (typeof layer.path !== 'string') continue;
    const path = layer.path;
    if (!layer.paramNames.some((p) => patternOf(String(p.name), path) !== undefined)) continue;
    const { strict = false, sensitive = false } = layer.opts as {
      strict?: boolean;
      sensitive?: boolean;
    };
    layer.regexp = constrainedMatcher(path, patternOf, { strict, sensitive });
  }
  return router;
}

/** Makes the router's id parameters match only ids of their form. */
export const matchOnlyIds = (router: Router<AppState>) =>
  constrainParams(router, (param) => pathIds[param]?.pattern);

/** A pattern matching exactly one of `values` (file names and the like). */
export const oneOfPattern = (values: readonly string[]) =>
  `^(?:${values.map(escapeRegExp).join('|')})$`;

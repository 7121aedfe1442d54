// Routes, from their declaration to their handler: each declared once with its method, path,
// request schema and OpenAPI description; matched once a request and checked (404, 405 with
// Allow, a plain OPTIONS) around CORS and the per-IP limit; its request validated into the
// contract's 422; and the headers that say how the answer is wanted (`Prefer`, `Accept`,
// `Idempotency-Key`) read in one place.
import Router, { type Layer } from '@koa/router';
import { z } from 'zod';
import type { Delivery } from '../domain/kernel.js';
import {
  MethodNotAllowedError,
  NotFoundError,
  ValidationError,
  type ValidationIssue,
} from '../errors.js';
import type { AppContext, AppMiddleware, AppState } from './middleware.js';
import type { ApiDocs, DocsContribution, DocumentedRoute, HttpMethod } from './openapi.js';

// ---- declaring a route ----
// A route declared once: its method, its path, the schema that validates its JSON body and its
// OpenAPI description, side by side. The router mounts it and the document describes it from
// the same declaration, so neither spells its path or its body again.

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

// ---- matching, checking and dispatching ----
// Routing in steps around CORS and the per-IP limit: `match` matches the path once against the
// one router every route lives in, `guard` decides on that match (404, 405 with Allow, or 204
// with Allow for a plain OPTIONS), and `dispatch` runs the layers it found, so the path is
// matched once a request instead of once per router.

type AppLayer = Layer<AppState>;

export interface Routing {
  /** Matches the path; an OPTIONS on a known path gets its Allow here, preflights included. */
  readonly match: AppMiddleware;
  /**
   * 404 for an unknown path, 405 (with Allow) for a known path and the wrong method, 204 (with
   * Allow) for OPTIONS on a known path.
   */
  readonly guard: AppMiddleware;
  /** Runs the route the guard matched (its parameters set as @koa/router would). */
  readonly dispatch: AppMiddleware;
}

/** The layer's own step: its parameters from the path, then its handlers. */
function layerChain(layer: AppLayer, path: string): AppMiddleware[] {
  const setParams: AppMiddleware = (ctx, next) => {
    const routed = ctx as AppContext & { params?: Record<string, string> };
    routed.params = layer.params(path, layer.captures(path), routed.params);
    (ctx.request as { params?: Record<string, string> }).params = routed.params;
    return next();
  };
  return [setParams, ...(layer.stack as unknown as AppMiddleware[])];
}

interface PathMatch {
  /** The layers of the route for this method, when there is one. */
  readonly layers?: readonly AppLayer[];
  /** The methods the path has (empty: no such path). */
  readonly allowed: readonly string[];
}

export function routing(router: Router<AppState>, legacyPrefix: string): Routing {
  const matched = new WeakMap<AppContext, PathMatch>();
  const dispatch: AppMiddleware = (ctx, next) => {
    const layers = matched.get(ctx)?.layers;
    if (!layers) return next();
    const path = ctx.path;
    const chain = layers.flatMap((layer) => layerChain(layer, path));
    const step = async (i: number): Promise<void> => {
      const middleware = chain[i];
      await (middleware ? middleware(ctx, () => step(i + 1)) : next());
    };
    return step(0);
  };
  return {
    match: async (ctx, next) => {
      const match = router.match(ctx.path, ctx.method);
      const routeLayer = match.pathAndMethod.find((layer) => layer.methods.length > 0);
      if (routeLayer) {
        ctx.state.route = String(routeLayer.path);
        ctx.state.pathKnown = true;
        matched.set(ctx, { layers: match.pathAndMethod, allowed: [] });
        return next();
      }
      const allowed = [...new Set(match.path.flatMap((layer) => layer.methods))];
      ctx.state.pathKnown = allowed.length > 0;
      matched.set(ctx, { allowed });
      if (ctx.method === 'OPTIONS' && allowed.length > 0) {
        ctx.set('Allow', [...allowed, 'OPTIONS'].join(', '));
      }
      return next();
    },
    guard: async (ctx, next) => {
      const { layers, allowed = [] } = matched.get(ctx) ?? {};
      if (ctx.path.startsWith(legacyPrefix) && ctx.state.pathKnown === true) {
        // The legacy route keeps its own body and says it is deprecated, errors included; a
        // path under its prefix that is no route is any unknown path's 404.
        ctx.state.envelope = 'legacy';
        ctx.set('Deprecation', 'true');
      }
      if (layers) return next();
      if (ctx.method === 'OPTIONS' && allowed.length > 0) {
        ctx.status = 204;
        return;
      }
      // OPTIONS is answered on every known path, so Allow names it as the OPTIONS answer does.
      if (allowed.length > 0) throw new MethodNotAllowedError(ctx.method, [...allowed, 'OPTIONS']);
      throw new NotFoundError(`No route for ${ctx.method} ${ctx.path}`);
    },
    // Named as @koa/router names its own, so the route table can be read off the app.
    dispatch: Object.assign(dispatch, { router }),
  };
}

// ---- validation ----
// Request validation: a zod schema applied to one part of the request, its failures turned into
// the contract's 422 `detail` list of {loc, msg, type}.

type Part = 'body' | 'query' | 'path' | 'header';

function issueType(issue: z.core.$ZodIssue, input: unknown): string {
  switch (issue.code) {
    case 'invalid_type':
      return input === undefined ? 'missing' : 'type';
    case 'invalid_value':
      return input === undefined ? 'missing' : 'enum';
    case 'too_small':
      return issue.origin === 'string'
        ? 'string_too_short'
        : issue.origin === 'array'
          ? 'too_few_items'
          : 'too_small';
    case 'too_big':
      return issue.origin === 'string'
        ? 'string_too_long'
        : issue.origin === 'array'
          ? 'too_many_items'
          : 'too_big';
    case 'invalid_format':
      return 'format';
    case 'custom':
      // A custom check may name its type (client JSON that is not an object is a `type`).
      return typeof issue.params?.type === 'string' ? issue.params.type : 'value_error';
    default:
      return 'value_error';
  }
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

export function toIssues(
  part: Part,
  error: z.ZodError,
  input: unknown,
  field?: string,
): ValidationIssue[] {
  // One issue a place: a value two checks refuse (too large for an integer and for the
  // maximum, say) is told the first reason once, not twice.
  const seen = new Set<string>();
  return error.issues.flatMap((issue) => {
    const loc = [
      part,
      ...(field === undefined ? [] : [field]),
      ...issue.path.map((p) => (typeof p === 'number' ? p : String(p))),
    ];
    const place = JSON.stringify(loc);
    if (seen.has(place)) return [];
    seen.add(place);
    const value = valueAt(input, issue.path);
    const missing =
      (issue.code === 'invalid_type' || issue.code === 'invalid_value') && value === undefined;
    return [
      { loc, msg: missing ? 'Field required' : issue.message, type: issueType(issue, value) },
    ];
  });
}

/** Validates one part of the request; `field` names a single value (e.g. one header). */
export function validate<S extends z.ZodType>(
  part: Part,
  schema: S,
  input: unknown,
  field?: string,
): z.output<S> {
  if (part === 'query' && input !== null && typeof input === 'object') {
    // No query parameter here is a list: one given twice is refused by name, not as NaN.
    const repeated = Object.entries(input)
      .filter(([, value]) => Array.isArray(value))
      .map(([name]): ValidationIssue => ({
        loc: ['query', name],
        msg: 'Given more than once: give it once',
        type: 'value_error',
      }));
    if (repeated.length > 0) throw new ValidationError(repeated);
  }
  const result = schema.safeParse(input);
  if (!result.success) throw new ValidationError(toIssues(part, result.error, input, field));
  return result.data;
}

// ---- the headers that say how an answer is wanted ----
// The request headers that say how a request wants its answer, read and documented in one
// place: `Prefer: respond-async` (a job, 202), `Accept: text/event-stream` (a stream) or
// neither (the buffered answer), and `Idempotency-Key`. `Prefer` follows RFC 7240: a
// comma-separated list of preferences, each a token, optionally `=value`, then `;parameters`;
// whatever the service does not understand is ignored, as the RFC asks, so an unknown or
// malformed preference never fails a request.

/** Printable ASCII: what a header value may hold here (Node would also pass latin-1 bytes). */
const PRINTABLE = /^[\x20-\x7e]*$/;
/** RFC 7240 allows tabs as whitespace between a preference's parts. */
const PRINTABLE_OR_TAB = /^[\t\x20-\x7e]*$/;

export const idempotencyKeyHeader = z
  .string()
  .min(1)
  .max(128)
  .regex(PRINTABLE, 'Must be printable ASCII characters')
  .describe(
    'Makes a retry safe: the same key with the same body returns the first answer (kept 24 h)',
  );

export const preferHeader = z
  .string()
  .regex(PRINTABLE_OR_TAB, 'Must be printable ASCII characters')
  .optional()
  .describe(
    '`respond-async`: accept the work and answer 202 with a job to poll (RFC 7240). Other ' +
      'preferences are ignored. Wins over `Accept: text/event-stream`.',
  );

/** The request headers of a route that can run as a job, as the document lists them. */
export const asyncHeaders = (what: string) =>
  z.object({
    Prefer: preferHeader,
    'Idempotency-Key': idempotencyKeyHeader.optional().describe(what),
  });

/** The preferences' names, lower-cased; commas inside quoted values separate nothing. */
export function preferenceNames(header: string): string[] {
  return splitOutsideQuotes(header, ',')
    .map((preference) => (preference.split(/[;=]/)[0] ?? '').trim().toLowerCase())
    .filter(Boolean);
}

/** `text` cut at each `separator` outside a quoted string (RFC 9110 §5.6.4, escapes included). */
function splitOutsideQuotes(text: string, separator: ',' | ';'): string[] {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] ?? '';
    if (c === separator && !quoted) {
      parts.push(current);
      current = '';
      continue;
    }
    current += c;
    if (c === '"') quoted = !quoted;
    else if (c === '\\' && quoted) current += text[++i] ?? '';
  }
  parts.push(current);
  return parts;
}

const EVENT_STREAM = 'text/event-stream';

/** One range of an Accept header: its type and subtype (lower case) and its weight. */
interface MediaRange {
  readonly type: string;
  readonly subtype: string;
  readonly q: number;
}

/** A weight as RFC 9110 §12.4.2 writes it: 0 to 1, at most three decimals. */
const QVALUE = /^(0(\.\d{0,3})?|1(\.0{0,3})?)$/;

/** The header's ranges; one with a malformed weight says nothing and is left out. */
function mediaRanges(accept: string): MediaRange[] {
  return splitOutsideQuotes(accept, ',').flatMap((part) => {
    const [range = '', ...parameters] = splitOutsideQuotes(part, ';');
    const [type = '', subtype = ''] = range.trim().toLowerCase().split('/');
    if (!type || !subtype) return [];
    const weight = parameters
      .map((parameter) => parameter.trim().toLowerCase())
      .find((parameter) => parameter.startsWith('q='));
    if (weight === undefined) return [{ type, subtype, q: 1 }];
    const q = weight.slice(2);
    return QVALUE.test(q) ? [{ type, subtype, q: Number(q) }] : [];
  });
}

/** Where a media type stands in an Accept header: its weight, how specific, which range. */
interface Rank {
  readonly q: number;
  readonly specificity: number;
  readonly place: number;
}

/**
 * How an Accept header ranks a media type (RFC 9110 §12.5.1): the range that matches it most
 * specifically (then with the highest weight, then the latest), with that weight, specificity
 * and place; null when none matches. A range's other parameters (`charset=utf-8`) do not keep it
 * from matching: this service has one form of each type.
 */
function rank(ranges: readonly MediaRange[], mediaType: string): Rank | null {
  const [type, subtype] = mediaType.split('/');
  let best: Rank | null = null;
  for (const [place, range] of ranges.entries()) {
    if (range.type !== type && range.type !== '*') continue;
    if (range.subtype !== subtype && range.subtype !== '*') continue;
    const specificity = (range.type === type ? 4 : 0) + (range.subtype === subtype ? 2 : 0);
    const better =
      !best ||
      specificity > best.specificity ||
      (specificity === best.specificity && range.q >= best.q);
    if (better) best = { q: range.q, specificity, place };
  }
  return best;
}

/**
 * Whether the client would rather have the event stream than JSON: the stream's weight is above
 * zero and higher than JSON's, or equal to it from a more specific range, or an earlier one.
 * JSON wins every tie that is left, and is the answer when there is no Accept header.
 */
export function prefersEventStream(accept: string | undefined): boolean {
  if (!accept) return false;
  const ranges = mediaRanges(accept);
  const stream = rank(ranges, EVENT_STREAM);
  if (!stream || stream.q <= 0) return false;
  const json = rank(ranges, 'application/json');
  if (!json || json.q <= 0) return true;
  if (stream.q !== json.q) return stream.q > json.q;
  if (stream.specificity !== json.specificity) return stream.specificity > json.specificity;
  return stream.place < json.place;
}

/**
 * The delivery the request asks for. `Prefer: respond-async` wins over `Accept:
 * text/event-stream`; a route that does not stream answers a stream's request buffered.
 */
export function deliveryOf(ctx: AppContext, options: { readonly streams: true }): Delivery;
export function deliveryOf(
  ctx: AppContext,
  options: { readonly streams: false },
): Exclude<Delivery, 'stream'>;
export function deliveryOf(ctx: AppContext, options: { readonly streams: boolean }): Delivery {
  const prefer = validate('header', preferHeader, ctx.get('Prefer'), 'prefer') ?? '';
  if (preferenceNames(prefer).includes('respond-async')) return 'job';
  if (options.streams && prefersEventStream(ctx.get('Accept'))) return 'stream';
  return 'buffered';
}

/** The request's Idempotency-Key, checked on every call (422 when malformed), if it has one. */
export function idempotencyKeyOf(ctx: AppContext): string | undefined {
  if (ctx.headers['idempotency-key'] === undefined) return undefined;
  return validate('header', idempotencyKeyHeader, ctx.get('Idempotency-Key'), 'idempotency-key');
}

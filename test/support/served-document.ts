// Checks an HTTP exchange against the OpenAPI document the running app serves (not the zod
// schemas it was generated from): the status is one the operation lists, the body matches the
// schema documented for that status and media type, and every header marked required is
// there. Objects the document describes are read as closed, so a field the service sends but
// the document never mentions is caught too. Requests that match no documented path or method
// must be the 404/405 envelope. The harness runs this on every response. An event stream is
// read into the list of its events (`{event, data}`), which is what its documented schema
// describes, so each event's data is checked against the served schemas too.
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { parseEventStream } from './event-stream.js';

export interface Exchange {
  readonly method: string;
  /** The request path as sent, query string included. */
  readonly path: string;
  readonly status: number;
  readonly header: (name: string) => string | null | undefined;
  readonly text: string;
}

interface HeaderDoc {
  readonly required?: boolean;
  readonly schema?: { readonly type?: string };
}
interface ResponseDoc {
  readonly headers?: Readonly<Record<string, HeaderDoc>>;
  readonly content?: Readonly<Record<string, unknown>>;
}
interface ParameterDoc {
  readonly name: string;
  readonly in: string;
  readonly schema: object;
}
interface OperationDoc {
  readonly parameters?: readonly ParameterDoc[];
  readonly responses: Readonly<Record<string, ResponseDoc>>;
}
export type OpenApiDocument = {
  readonly paths: Readonly<Record<string, Readonly<Record<string, OperationDoc>>>>;
  readonly components?: { readonly schemas?: Readonly<Record<string, unknown>> };
};

const pointerPart = (text: string) => text.replace(/~/g, '~0').replace(/\//g, '~1');

/**
 * A copy of the document whose described objects admit only their documented properties.
 * Objects that say what else they take (`additionalProperties`, as client JSON does) keep it.
 */
function closeObjects(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(closeObjects);
  if (!value || typeof value !== 'object') return value;
  const copy = Object.fromEntries(
    Object.entries(value).map(([key, inner]) => [key, closeObjects(inner)]),
  );
  const isObjectSchema = copy.type === 'object' && typeof copy.properties === 'object';
  return isObjectSchema && !('additionalProperties' in copy)
    ? { ...copy, additionalProperties: false }
    : copy;
}

interface Route {
  readonly template: string;
  readonly segments: readonly string[];
  readonly item: Readonly<Record<string, OperationDoc>>;
}

export class ServedDocument {
  private readonly ajv = new Ajv2020({ strict: false, allErrors: true, validateSchema: false });
  private readonly validators = new Map<string, ValidateFunction>();
  private readonly routes: Route[];
  private readonly basePaths: readonly string[];

  constructor(
    document: OpenApiDocument,
    /** Leading segments the app strips before routing (a stage, a mapping key). */
    basePaths: readonly string[] = [],
  ) {
    this.basePaths = basePaths.filter(Boolean);
    this.ajv.addSchema(closeObjects(document) as object, 'doc');
    // Literal paths first, so /conversations/initiate is never read as /conversations/{id}.
    this.routes = Object.entries(document.paths)
      .map(([template, item]) => ({ template, segments: template.split('/'), item }))
      .sort((a, b) => paramCount(a.template) - paramCount(b.template));
  }

  private validator(pointer: string): ValidateFunction {
    let found = this.validators.get(pointer);
    if (!found) {
      found = this.ajv.compile({ $ref: `doc#${pointer}` });
      this.validators.set(pointer, found);
    }
    return found;
  }

  /** The documented path this request path is, with its parameters' values checked. */
  private routeOf(path: string): Route | undefined {
    let segments = path.split('?')[0]?.split('/') ?? [];
    if (this.basePaths.includes(segments[1] ?? '')) {
      segments = ['', ...segments.slice(2)];
      if (segments.length === 1) segments.push('');
    }
    if (segments.length > 2 && segments.at(-1) === '') segments = segments.slice(0, -1);
    return this.routes.find((route) => {
      if (route.segments.length !== segments.length) return false;
      return route.segments.every((part, i) => {
        const name = /^\{(.+)\}$/.exec(part)?.[1];
        const actual = segments[i] ?? '';
        if (name === undefined) return part.toLowerCase() === actual.toLowerCase();
        const parameter = Object.values(route.item)
          .flatMap((op) => op.parameters ?? [])
          .find((p) => p.in === 'path' && p.name === name);
        if (!parameter) return actual !== '';
        try {
          return this.ajv.validate(parameter.schema, decodeURIComponent(actual)) === true;
        } catch {
          return false;
        }
      });
    });
  }

  /** What is wrong with the exchange, as sentences; empty when it matches the document. */
  problems(exchange: Exchange): string[] {
    const method = exchange.method.toLowerCase();
    // HEAD answers GET without a body, and preflights are CORS: neither is an operation.
    if (method === 'head' || method === 'options') return [];
    const label = `${exchange.method} ${exchange.path.slice(0, 120)} → ${exchange.status}`;
    const route = this.routeOf(exchange.path);
    const operation = route?.item[method];
    if (!route || !operation) return this.unrouted(exchange, label, route !== undefined);

    const response = operation.responses[String(exchange.status)];
    if (!response) {
      const listed = Object.keys(operation.responses).join(', ');
      return [`${label}: status not documented for ${method} ${route.template} (${listed})`];
    }
    const problems: string[] = [];
    for (const [name, header] of Object.entries(response.headers ?? {})) {
      const value = exchange.header(name);
      if (header.required && (value === null || value === undefined)) {
        problems.push(`${label}: required header ${name} is missing`);
      } else if (value && header.schema?.type === 'integer' && !/^-?\d+$/.test(value)) {
        problems.push(`${label}: header ${name} is not an integer: ${value}`);
      }
    }
    const pointer = `/paths/${pointerPart(route.template)}/${method}/responses/${exchange.status}`;
    return [...problems, ...this.bodyProblems(exchange, label, response, pointer)];
  }

  private bodyProblems(
    exchange: Exchange,
    label: string,
    response: ResponseDoc,
    pointer: string,
  ): string[] {
    if (!response.content) {
      return exchange.text === '' ? [] : [`${label}: a body where the document lists none`];
    }
    const type = (exchange.header('content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
    if (!(type in response.content)) {
      const listed = Object.keys(response.content).join(', ');
      return [`${label}: Content-Type ${type || '(none)'} is not documented (${listed})`];
    }
    let body: unknown = exchange.text;
    if (type === 'application/json' || type.endsWith('+json')) {
      try {
        body = JSON.parse(exchange.text);
      } catch {
        return [`${label}: the body is not JSON: ${exchange.text.slice(0, 100)}`];
      }
    }
    if (type === 'text/event-stream') {
      const stream = parseEventStream(exchange.text);
      const unread = stream.rest.trim() === '' ? [] : [`unterminated: ${stream.rest.slice(0, 80)}`];
      const broken = [...stream.problems, ...unread];
      if (broken.length > 0) return broken.map((problem) => `${label}: ${problem}`);
      body = stream.events;
    }
    const validate = this.validator(`${pointer}/content/${pointerPart(type)}/schema`);
    if (validate(body)) return [];
    const why = (validate.errors ?? [])
      .slice(0, 5)
      .map((e) => {
        const extra = (e.params as { additionalProperty?: string }).additionalProperty;
        return `${e.instancePath || '(body)'} ${e.message ?? ''}${extra ? ` (${extra})` : ''}`;
      })
      .join('; ');
    return [`${label}: the body breaks its schema: ${why}`];
  }

  /** A request for no documented operation: the 404 (no such path) or 405 (no such method). */
  private unrouted(exchange: Exchange, label: string, pathKnown: boolean): string[] {
    const expected = pathKnown ? 405 : 404;
    if (exchange.status !== expected) {
      return [`${label}: no documented operation, so it must be ${expected}`];
    }
    if (pathKnown && !exchange.header('allow')) return [`${label}: 405 without Allow`];
    let body: unknown;
    try {
      body = JSON.parse(exchange.text);
    } catch {
      return [`${label}: the body is not JSON`];
    }
    const envelopes = ['ErrorBody', 'LegacyErrorBody'].map((name) =>
      this.validator(`/components/schemas/${name}`),
    );
    return envelopes.some((validate) => validate(body))
      ? []
      : [`${label}: the body is neither error envelope: ${exchange.text.slice(0, 200)}`];
  }
}

function paramCount(template: string): number {
  return (template.match(/\{/g) ?? []).length;
}

/** Fails with every problem of the exchange, so a test sees exactly what the document lacks. */
export function expectConforms(document: ServedDocument, exchange: Exchange): void {
  const problems = document.problems(exchange);
  if (problems.length > 0) {
    throw new Error(
      `The response does not match the served /openapi.json:\n- ${problems.join('\n- ')}`,
    );
  }
}

// A schema-driven boundary fuzzer: every operation of the served /openapi.json gets requests
// built from its own documented limits (test/support/schema-extremes.ts) — strings at and just
// past each length in multibyte text, arrays at and past their item limits, numbers of extreme
// magnitude, client JSON nested to the contract's depth and one past it, ids of the documented
// form and just outside it. The document (through ajv) decides what each request deserves:
// 413 past the body limit, 422 when it breaks the schema, the resource's 404 for an unknown id
// of the right form, 404 not_found for a segment of another form, else the documented success.
// Never a 5xx; every response must match the document (the harness checks it), and a message's
// metadata must read back as sent. Seeded and bounded, so each run sends the same requests.
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { expect } from 'chai';
import fc from 'fast-check';
import { initiate, startApi, type TestApi } from '../support/harness.js';
import {
  CLIENT_JSON_DEPTH,
  depthOf,
  extremesOf,
  jsonText,
  type JsonNode,
} from '../support/schema-extremes.js';

type Schema = Record<string, unknown>;
interface Parameter {
  readonly name: string;
  readonly in: 'path' | 'query' | 'header';
  readonly required?: boolean;
  readonly schema: Schema;
}
interface Operation {
  readonly operationId: string;
  readonly parameters?: readonly Parameter[];
  readonly requestBody?: { readonly content: Record<string, { readonly schema: Schema }> };
  readonly responses: Record<string, unknown>;
}
interface Doc {
  readonly paths: Record<string, Record<string, Operation>>;
  readonly components: { readonly schemas: Record<string, Schema> };
}

/** Requests per operation: enough to reach every extreme of each field, small enough for CI. */
const RUNS_WITH_BODY = 40;
const RUNS_WITHOUT_BODY = 15;
const SEED = 1311;

/** Every operation of the document, by operationId; a test below keeps the list complete. */
const fuzzedOperations = [
  'getServiceInfo',
  'getHealth',
  'getReadiness',
  'getLiveness',
  'initiateConversation',
  'sendMessage',
  'regenerateAnswer',
  'getConversation',
  'deleteConversation',
  'listConversations',
  'pauseConversation',
  'resumeConversation',
  'completeConversation',
  'giveFeedback',
  'removeFeedback',
  'analyzeAlignment',
  'analyzeStrategy',
  'analyzeKpis',
  'analyzeOperations',
  'getAnalysis',
  'getJob',
  'suggestOnboardingText',
  'getOwnUsage',
  'getTenantUsage',
  'getTenantBudget',
  'setTenantBudget',
  'listPrompts',
  'getPrompt',
  'publishPrompt',
  'listPromptVersions',
  'rollbackPrompt',
  'previewPrompt',
  'exportFeedback',
  'getOpenApiDocument',
  'getSwaggerUi',
  'getRedoc',
  'getSwaggerUiAsset',
  'getRedocAsset',
] as const;

type IdKind = 'own' | 'unknown' | 'misfit';

/**
 * What the schema cannot tell: a request it admits may still name no such template or version,
 * start an edit from a version that is not current, carry YAML the service cannot use, or ask
 * for a new answer where there is none to replace. Each
 * operation's answers of that kind, by status and code; any other is still a failure.
 */
const semanticOutcomes: Readonly<Record<string, readonly (readonly [number, string])[]>> = {
  // A conversation the fuzzer made may hold only its opening message.
  regenerateAnswer: [[409, 'nothing_to_regenerate']],
  getPrompt: [
    [404, 'prompt_not_found'],
    [404, 'version_not_found'],
  ],
  listPromptVersions: [[404, 'prompt_not_found']],
  publishPrompt: [
    [404, 'prompt_not_found'],
    [412, 'precondition_failed'],
    [422, 'invalid_template'],
    [422, 'validation_error'],
    [428, 'precondition_required'],
  ],
  rollbackPrompt: [
    [404, 'prompt_not_found'],
    [404, 'version_not_found'],
    [412, 'precondition_failed'],
  ],
  previewPrompt: [
    [404, 'prompt_not_found'],
    [404, 'version_not_found'],
    [422, 'invalid_template'],
    [422, 'validation_error'],
  ],
};

/** The first frame of a stack inside the app's own code, to say where a 500 came from. */
const whereIn = (stack: unknown) => {
  const frame = String(stack ?? '')
    .split('\n')
    .find((line) => line.includes('/app/src/'));
  return frame
    ? ` at ${frame
        .trim()
        .replace(/^at /, '')
        .replace(/.*\/app\/src\//, 'app/src/')}`
    : '';
};

interface Planned {
  readonly idKind: IdKind;
  /** Path parameter values other than the resource's own id, already encoded. */
  readonly pathValues: Readonly<Record<string, string>>;
  readonly query: readonly (readonly [string, string])[];
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: JsonNode;
}

const idTail = fc.string({
  unit: fc.constantFrom(...'abcXYZ019_-'),
  minLength: 1,
  maxLength: 128,
});
/** Segments just outside the id form: one character too long, another script, a bad prefix. */
const misfitTail = fc.constantFrom(
  `_${'a'.repeat(129)}`,
  '_',
  '_%C3%A9',
  '_a.b',
  'X_abc',
  `_${'😀'.repeat(3)}`,
);
const printable = (n: number) =>
  fc.string({
    unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)),
    minLength: n,
    maxLength: n,
  });

describe('boundary fuzzing from the served OpenAPI document', () => {
  let api: TestApi;
  let doc: Doc;
  let token: string;
  let analysisId: string;
  let jobId: string;
  const ajv = new Ajv2020({ strict: false, validateSchema: false, allErrors: false });
  const queryAjv = new Ajv2020({ strict: false, validateSchema: false, coerceTypes: true });
  const compiled = new Map<string, ValidateFunction>();

  before(async () => {
    api = await startApi();
    doc = (await api.request<Doc>('GET', '/openapi.json')).body;
    ajv.addSchema(doc, 'doc');
    // A platform admin, so the admin routes answer too (no other route reads roles).
    token = await api.token('fuzz', 'boundary', { roles: ['platform_admin'] });
    const analysis = await api.request('POST', '/api/v1/analysis/kpi', {
      token,
      body: { current_kpis: ['Monthly revenue'] },
    });
    analysisId = String(analysis.body.analysis_id);
    // A job of the caller's, finished, so nothing runs when the fuzzer is done.
    const job = await api.request('POST', '/api/v1/analysis/kpi', {
      token,
      body: { current_kpis: ['Monthly revenue'] },
      headers: { Prefer: 'respond-async' },
    });
    jobId = String(job.body.job_id);
    while (
      ['queued', 'running'].includes(
        String((await api.request('GET', `/api/v1/jobs/${jobId}`, { token })).body.status),
      )
    );
  });
  after(() => api.close());

  const resolve = (schema: Schema): Schema => {
    const ref = schema.$ref;
    if (typeof ref !== 'string') return schema;
    return resolve(doc.components.schemas[ref.replace('#/components/schemas/', '')] ?? {});
  };
  const validator = (key: string, schema: Schema, coerce = false) => {
    const id = `${coerce ? 'q' : 'b'}:${key}`;
    let found = compiled.get(id);
    if (!found) {
      // Refs inside resolve against the document, added under the id `doc`.
      found = (coerce ? queryAjv : ajv).compile(coerce ? schema : { $ref: `doc#${key}` });
      compiled.set(id, found);
    }
    return found;
  };

  function plan(path: string, operation: Operation): fc.Arbitrary<Planned> {
    const parameters = operation.parameters ?? [];
    const idParam = parameters.find(
      (p) => p.in === 'path' && /^(id|analysis_id|job_id)$/.test(p.name),
    );
    // A message id goes with its conversation's (messageIdFor).
    const pathValues = parameters
      .filter((p) => p.in === 'path' && p !== idParam && p.name !== 'message_id')
      .map((p) =>
        fc
          .oneof(
            fc.constantFrom(
              ...((p.schema.enum as string[] | undefined) ??
                (typeof p.schema.example === 'string' ? [p.schema.example] : ['x'])),
            ),
            fc.constantFrom('nope.js', 'swagger-ui.css.map', 'a%2Fb', 'x'),
          )
          .map((v) => [p.name, v] as const),
      );
    // A cursor is opaque: the only valid ones are those this API wrote, so none is invented.
    const query = parameters
      .filter((p) => p.in === 'query' && p.name !== 'cursor')
      .map((p) =>
        fc.option(
          extremesOf(p.schema, resolve).map(
            (v) => [p.name, typeof v === 'object' && v && 'raw' in v ? v.raw : String(v)] as const,
          ),
          { nil: undefined },
        ),
      );
    const headers = parameters
      .filter((p) => p.in === 'header')
      .map((p) =>
        fc.option(
          fc
            .constantFrom(1, 127, 128, 129)
            .chain(printable)
            .map((v) => [p.name, v] as const),
          { nil: undefined },
        ),
      );
    const bodySchema = operation.requestBody?.content['application/json']?.schema;
    return fc.record({
      idKind: idParam
        ? fc.constantFrom<IdKind>('own', 'own', 'own', 'own', 'unknown', 'misfit')
        : fc.constant<IdKind>('own'),
      pathValues: fc.tuple(...pathValues).map((e) => Object.fromEntries(e)),
      query: fc.tuple(...query).map((q) => q.filter((e) => e !== undefined)),
      headers: fc
        .tuple(...headers)
        .map((h) => Object.fromEntries(h.filter((e) => e !== undefined))),
      body: bodySchema ? extremesOf(bodySchema, resolve) : fc.constant(undefined),
    }) as fc.Arbitrary<Planned>;
  }

  /** The id to put in the path: a fresh resource of the caller's, one of the form that does not exist, or a misfit. */
  async function idFor(path: string, kind: IdKind, tail: string, misfit: string) {
    const prefix = path.includes('{analysis_id}')
      ? 'anls'
      : path.includes('{job_id}')
        ? 'job'
        : 'conv';
    if (kind === 'unknown') return `${prefix}_${tail}`;
    if (kind === 'misfit') return `${prefix}${misfit}`;
    return prefix === 'anls' ? analysisId : prefix === 'job' ? jobId : initiate(api, token);
  }

  /** A message of the conversation: its opening message, when the conversation is the caller's. */
  async function messageIdFor(path: string, kind: IdKind, tail: string) {
    if (kind !== 'own') return `msg_${tail}`;
    const conversation = /\/conversations\/([^/]+)/.exec(path)?.[1] ?? '';
    const read = await api.request<{ messages: { message_id: string }[] }>(
      'GET',
      `/api/v1/conversations/${conversation}`,
      { token },
    );
    return read.body.messages[0]?.message_id ?? '';
  }

  /** What the document says this request deserves. */
  function expectedStatus(
    method: string,
    template: string,
    operation: Operation,
    request: Planned,
    text: string | undefined,
  ): { status: number; why: string } {
    if (request.idKind === 'misfit') return { status: 404, why: 'the id is not of its form' };
    for (const value of Object.values(request.pathValues)) {
      const parameter = operation.parameters?.find((p) => p.in === 'path' && p.schema.enum);
      if (parameter && !(parameter.schema.enum as string[]).includes(value)) {
        return { status: 404, why: 'not a documented file' };
      }
    }
    for (const parameter of operation.parameters ?? []) {
      const value = request.pathValues[parameter.name];
      const pattern = parameter.schema.pattern;
      const decoded = value === undefined ? undefined : decodeURIComponent(value);
      if (
        decoded !== undefined &&
        typeof pattern === 'string' &&
        !new RegExp(pattern, 'u').test(decoded)
      ) {
        return { status: 404, why: `${parameter.name} is not of its form` };
      }
    }
    if (text !== undefined && Buffer.byteLength(text) > api.config.maxBodyBytes) {
      return { status: 413, why: 'past the body limit' };
    }
    const pointer = `/paths/${template.replace(/~/g, '~0').replace(/\//g, '~1')}/${method}`;
    if (text !== undefined) {
      const schemaKey = `${pointer}/requestBody/content/application~1json/schema`;
      if (!validator(schemaKey, {})(JSON.parse(text)))
        return { status: 422, why: 'body breaks the schema' };
      const body = request.body as { entries?: [string, JsonNode][] };
      const tooDeep = (body.entries ?? []).find(
        ([, value]) =>
          typeof value === 'object' && value !== null && depthOf(value) > CLIENT_JSON_DEPTH,
      );
      if (tooDeep)
        return { status: 422, why: `${tooDeep[0]} nests past ${CLIENT_JSON_DEPTH} levels` };
    }
    for (const parameter of operation.parameters ?? []) {
      const value =
        parameter.in === 'query'
          ? request.query.find(([name]) => name === parameter.name)?.[1]
          : parameter.in === 'header'
            ? request.headers[parameter.name]
            : undefined;
      if (value === undefined) continue;
      const check = validator(`${pointer}:${parameter.name}`, parameter.schema, true);
      if (!check(value)) return { status: 422, why: `${parameter.name} breaks its schema` };
    }
    if (request.idKind === 'unknown') return { status: 404, why: 'no such resource' };
    const success = Object.keys(operation.responses).find((s) => s.startsWith('2'));
    return { status: Number(success), why: 'a valid request' };
  }

  /** Sends the operation its planned requests; each answer that is not the document's is a line. */
  async function fuzz(template: string, method: string, operation: Operation, seed: number) {
    const failures: string[] = [];
    const runs = operation.requestBody ? RUNS_WITH_BODY : RUNS_WITHOUT_BODY;
    const requests = fc.sample(fc.tuple(plan(template, operation), idTail, misfitTail), {
      numRuns: runs,
      seed,
    });
    for (const [request, tail, misfit] of requests) {
      const text = request.body === undefined ? undefined : jsonText(request.body);
      let path = template;
      for (const [name, value] of Object.entries(request.pathValues)) {
        path = path.replace(`{${name}}`, value);
      }
      if (/\{(id|analysis_id|job_id)\}/.test(path)) {
        path = path.replace(
          /\{(id|analysis_id|job_id)\}/,
          await idFor(template, request.idKind, tail, misfit),
        );
      }
      if (path.includes('{message_id}')) {
        path = path.replace('{message_id}', await messageIdFor(path, request.idKind, tail));
      }
      const query = request.query.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&');
      const url = query ? `${path}?${query}` : path;
      const expected = expectedStatus(method, template, operation, request, text);
      const label = `${method.toUpperCase()} ${url.slice(0, 90)} (${expected.why}; body ${text?.length ?? 0} chars: ${(text ?? '').slice(0, 120)})`;
      try {
        const response = await api.request(method.toUpperCase(), url, {
          token,
          rawBody: text,
          headers: {
            ...request.headers,
            ...(text === undefined ? {} : { 'Content-Type': 'application/json' }),
          },
        });
        const semantic = (semanticOutcomes[operation.operationId] ?? []).some(
          ([status, code]) =>
            expected.status < 300 &&
            response.status === status &&
            (response.body as { error?: unknown }).error === code,
        );
        if (response.status >= 500 || (response.status !== expected.status && !semantic)) {
          // The server's own account of a 5xx, so a failure names its cause.
          const requestId = response.headers.get('x-request-id');
          const cause = api.logger.lines.find(
            (l) =>
              l.request_id === requestId &&
              (l.event === 'unhandled_error' || l.event === 'dependency_failure'),
          );
          failures.push(
            `${label} → ${response.status} ${response.text.slice(0, 120)}, expected ${expected.status}` +
              (cause
                ? ` [cause: ${String(cause.reason).slice(0, 160)}${whereIn(cause.stack)}]`
                : ''),
          );
          continue;
        }
        if (operation.operationId === 'sendMessage' && response.status === 200 && text) {
          const sent = (JSON.parse(text) as { metadata?: unknown }).metadata ?? {};
          const read = await api.request<{ messages: { role: string; metadata: unknown }[] }>(
            'GET',
            path.replace(/\/message$/, ''),
            { token },
          );
          const stored = read.body.messages.filter((m) => m.role === 'user').at(-1)?.metadata;
          try {
            expect(stored).to.deep.equal(JSON.parse(JSON.stringify(sent)));
          } catch {
            failures.push(
              `${label} → metadata did not read back as sent: ${JSON.stringify(stored).slice(0, 160)}`,
            );
          }
        }
      } catch (error) {
        failures.push(`${label} → ${String(error).slice(0, 400)}`);
      }
    }
    return failures;
  }

  const operationsOf = (d: Doc) =>
    Object.entries(d.paths).flatMap(([template, item]) =>
      Object.entries(item).map(([method, operation]) => ({ template, method, operation })),
    );

  it('when the document lists its operations, then the fuzzer has every one of them', () => {
    expect(operationsOf(doc).map((o) => o.operation.operationId)).to.have.members([
      ...fuzzedOperations,
    ]);
  });

  for (const [index, operationId] of fuzzedOperations.entries()) {
    it(`when ${operationId} gets its documented extremes and just past them, then each answer is the one the document implies, never a 5xx`, async function () {
      this.timeout(60_000);
      const found = operationsOf(doc).find((o) => o.operation.operationId === operationId);
      if (!found) throw new Error(`${operationId} is not in the served document`);
      const failures = await fuzz(found.template, found.method, found.operation, SEED + index);
      expect(
        failures,
        `${failures.length} answers differ from the document:\n${failures.join('\n')}`,
      ).to.deep.equal([]);
    });
  }
});

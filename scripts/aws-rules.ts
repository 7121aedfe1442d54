// What AWS refuses that Pulumi's mocks accept: the offline plan applies these rules to every
// planned resource (API Gateway routes and integrations, CloudWatch alarms, Lambda functions and
// their asynchronous-invocation settings, SQS queues, the streaming function's budget against
// its timeouts, kept resources' names), so a value the
// service would reject at `pulumi up` fails `npm test` instead. A problem names the resource
// and the value.

/** The part of a planned resource the rules read. */
export interface PlannedInputs {
  readonly type: string;
  readonly name: string;
  readonly inputs: Record<string, unknown>;
  /** Left in place when the stack goes (retainOnDelete). */
  readonly retainOnDelete?: boolean;
}

type Rule = (resources: readonly PlannedInputs[]) => string[];

/** Every problem AWS would report for these resources, one line each. */
export function findAwsProblems(resources: readonly PlannedInputs[]): string[] {
  return rules.flatMap((rule) => rule(resources));
}

/** Throws every problem at once, as the offline plan's answer for a stack AWS would refuse. */
export function assertAwsAccepts(stack: string, resources: readonly PlannedInputs[]): void {
  const problems = findAwsProblems(resources);
  if (problems.length > 0) {
    throw new Error(`AWS would refuse stack ${stack}:\n  ${problems.join('\n  ')}`);
  }
}

const ofType = (resources: readonly PlannedInputs[], type: string) =>
  resources.filter((r) => r.type === type);

// API Gateway HTTP API routes (CreateRoute): `$default`, or an HTTP method (or ANY) and a path
// that starts with `/`, has no empty segment and no trailing `/`, whose variables are whole
// segments, with a greedy `{name+}` only as the last one. A route key is unique within an API.
const routeMethods = ['ANY', 'DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT'];

export function routeKeyProblems(routeKey: string): string[] {
  if (routeKey === '$default') return [];
  const match = /^(\S+) (\S+)$/.exec(routeKey);
  if (!match) return [`"${routeKey}" is neither $default nor "METHOD /path"`];
  const [, method = '', path = ''] = match;
  const problems: string[] = [];
  if (!routeMethods.includes(method)) {
    problems.push(`method ${method} is not one of ${routeMethods.join(', ')}`);
  }
  if (!path.startsWith('/')) problems.push(`path ${path} does not start with /`);
  if (path.length > 1 && path.endsWith('/')) problems.push(`path ${path} ends with /`);
  if (path.includes('//')) problems.push(`path ${path} has an empty segment`);
  const segments = path.split('/').slice(1);
  segments.forEach((segment, index) => {
    if (!segment.includes('{') && !segment.includes('}')) return;
    const variable = /^\{([A-Za-z0-9._-]+)(\+?)\}$/.exec(segment);
    if (!variable) problems.push(`${segment} is not a whole-segment path variable`);
    else if (variable[2] && index !== segments.length - 1) {
      problems.push(`greedy variable ${segment} is not the last segment`);
    }
  });
  return problems.map((problem) => `route "${routeKey}": ${problem}`);
}

const routeRule: Rule = (resources) => {
  const routes = ofType(resources, 'aws:apigatewayv2/route:Route');
  const problems = routes.flatMap((route) =>
    routeKeyProblems(String(route.inputs.routeKey)).map((p) => `${route.name}: ${p}`),
  );
  const seen = new Set<string>();
  for (const route of routes) {
    const key = `${String(route.inputs.apiId)} ${String(route.inputs.routeKey)}`;
    if (seen.has(key))
      problems.push(
        `${route.name}: route "${String(route.inputs.routeKey)}" already exists on the API`,
      );
    seen.add(key);
  }
  return problems;
};

// CloudWatch PutMetricAlarm: an alarm watches one metric, or metric queries of which at most 10
// fetch metrics and exactly one returns the data the alarm judges; query ids start with a lower-
// case letter; periods are 10, 20, 30 or a multiple of 60 seconds. treatMissingData is ours to
// state: its default (missing) leaves a quiet metric in INSUFFICIENT_DATA.
const missingDataModes = ['breaching', 'notBreaching', 'ignore', 'missing'];
const maxMetricsPerAlarm = 10;
const singleMetricKeys = [
  'metricName',
  'namespace',
  'dimensions',
  'statistic',
  'extendedStatistic',
  'period',
];

interface MetricQuery {
  readonly id?: string;
  readonly expression?: string;
  readonly returnData?: boolean;
  readonly metric?: { readonly period?: number };
}

const validPeriod = (period: unknown) =>
  typeof period === 'number' &&
  ([10, 20, 30].includes(period) || (period > 0 && period % 60 === 0));

export function alarmProblems(inputs: Record<string, unknown>): string[] {
  const problems: string[] = [];
  if (!missingDataModes.includes(String(inputs.treatMissingData))) {
    problems.push(`treatMissingData must be stated: one of ${missingDataModes.join(', ')}`);
  }
  const queries = inputs.metricQueries as MetricQuery[] | undefined;
  if (!queries) {
    if (!inputs.metricName || !inputs.namespace)
      problems.push('a metric alarm needs metricName and namespace');
    if (!validPeriod(inputs.period))
      problems.push(`period ${String(inputs.period)} is not 10, 20, 30 or a multiple of 60`);
    return problems;
  }
  const mixed = singleMetricKeys.filter((key) => inputs[key] !== undefined);
  if (mixed.length > 0) problems.push(`metricQueries cannot be combined with ${mixed.join(', ')}`);
  const metrics = queries.filter((q) => q.metric);
  if (metrics.length > maxMetricsPerAlarm) {
    problems.push(
      `${metrics.length} metrics in one alarm; CloudWatch allows ${maxMetricsPerAlarm}`,
    );
  }
  const returned = queries.filter((q) => q.returnData === true).length;
  if (returned !== 1) problems.push(`${returned} queries return data; exactly one must`);
  const ids = queries.map((q) => String(q.id));
  for (const id of ids.filter((id) => !/^[a-z][a-zA-Z0-9_]*$/.test(id))) {
    problems.push(
      `query id ${id} must start with a lower-case letter and hold only letters, digits and _`,
    );
  }
  if (new Set(ids).size !== ids.length) problems.push('query ids must be unique');
  for (const query of queries) {
    if (Boolean(query.metric) === Boolean(query.expression)) {
      problems.push(`query ${String(query.id)} needs exactly one of metric and expression`);
    }
    if (query.metric && !validPeriod(query.metric.period)) {
      problems.push(
        `query ${String(query.id)}: period ${String(query.metric.period)} is not 10, 20, 30 or a multiple of 60`,
      );
    }
  }
  return problems;
}

const alarmRule: Rule = (resources) =>
  ofType(resources, 'aws:cloudwatch/metricAlarm:MetricAlarm').flatMap((alarm) =>
    [...alarmProblems(alarm.inputs), ...missingDataProblems(alarm.inputs)].map(
      (problem) => `${alarm.name}: ${problem}`,
    ),
  );

// CloudWatch accepts an expression over metrics that report only when something happens (a
// throttle, a failed delivery), but where one of them has no data point the expression has
// none either, and treatMissingData then reads "nothing happened": `waiting + undelivered` stays
// OK while messages wait. So an alarm's expression takes each metric through FILL(…, 0).
export function missingDataProblems(inputs: Record<string, unknown>): string[] {
  const queries = (inputs.metricQueries as MetricQuery[] | undefined) ?? [];
  const metricIds = queries.filter((q) => q.metric).map((q) => String(q.id));
  return queries
    .filter((q) => q.expression)
    .flatMap((query) => {
      const expression = String(query.expression);
      const unfilled = [...metricIds, 'METRICS()'].filter((id) => {
        const pattern = id === 'METRICS()' ? 'METRICS\\(\\)' : `\\b${id}\\b`;
        const uses = expression.match(new RegExp(pattern, 'g'))?.length ?? 0;
        const filled = expression.match(new RegExp(`FILL\\(\\s*${pattern}\\s*,`, 'g'))?.length ?? 0;
        return uses > filled;
      });
      return unfilled.map(
        (id) =>
          `expression ${expression} reads ${id} outside FILL(${id}, 0): a missing data point makes the whole expression missing`,
      );
    });
}

// Lambda CreateFunction: log-level filters only with the JSON log format, from Lambda's own
// levels; environment variables are at most 4 KB together and never one Lambda reserves; the
// timeout is 1 to 900 seconds; reserved concurrency is -1 (none) or a count.
const applicationLevels = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'];
const systemLevels = ['DEBUG', 'INFO', 'WARN'];
const reservedVariables = [
  '_HANDLER',
  '_X_AMZN_TRACE_ID',
  'AWS_ACCESS_KEY',
  'AWS_ACCESS_KEY_ID',
  'AWS_DEFAULT_REGION',
  'AWS_EXECUTION_ENV',
  'AWS_LAMBDA_FUNCTION_MEMORY_SIZE',
  'AWS_LAMBDA_FUNCTION_NAME',
  'AWS_LAMBDA_FUNCTION_VERSION',
  'AWS_LAMBDA_INITIALIZATION_TYPE',
  'AWS_LAMBDA_LOG_GROUP_NAME',
  'AWS_LAMBDA_LOG_STREAM_NAME',
  'AWS_LAMBDA_RUNTIME_API',
  'AWS_REGION',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'LAMBDA_RUNTIME_DIR',
  'LAMBDA_TASK_ROOT',
];
const maxEnvironmentBytes = 4096;
/** Lambda's timeout range, in seconds. */
const lambdaTimeout = { least: 1, most: 900 };

export function functionProblems(inputs: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const logging = (inputs.loggingConfig ?? {}) as Record<string, unknown>;
  const { applicationLogLevel: app, systemLogLevel: system } = logging;
  if ((app !== undefined || system !== undefined) && logging.logFormat !== 'JSON') {
    problems.push('log-level filters need loggingConfig.logFormat JSON');
  }
  if (app !== undefined && !applicationLevels.includes(String(app))) {
    problems.push(
      `applicationLogLevel ${String(app)} is not one of ${applicationLevels.join(', ')}`,
    );
  }
  if (system !== undefined && !systemLevels.includes(String(system))) {
    problems.push(`systemLogLevel ${String(system)} is not one of ${systemLevels.join(', ')}`);
  }
  const variables =
    ((inputs.environment ?? {}) as { variables?: Record<string, unknown> }).variables ?? {};
  for (const name of Object.keys(variables).filter((n) => reservedVariables.includes(n))) {
    problems.push(`environment variable ${name} is reserved by Lambda`);
  }
  const size = Object.entries(variables).reduce(
    (total, [name, value]) => total + Buffer.byteLength(name) + Buffer.byteLength(String(value)),
    0,
  );
  if (size > maxEnvironmentBytes) {
    problems.push(`environment variables take ${size} bytes; Lambda allows ${maxEnvironmentBytes}`);
  }
  const timeout = inputs.timeout;
  if (
    timeout !== undefined &&
    (!Number.isInteger(timeout) ||
      Number(timeout) < lambdaTimeout.least ||
      Number(timeout) > lambdaTimeout.most)
  ) {
    problems.push(
      `timeout ${String(timeout)} is not ${lambdaTimeout.least} to ${lambdaTimeout.most} seconds`,
    );
  }
  const reserved = inputs.reservedConcurrentExecutions;
  if (reserved !== undefined && (!Number.isInteger(reserved) || Number(reserved) < -1)) {
    problems.push(`reservedConcurrentExecutions ${String(reserved)} is neither -1 nor a count`);
  }
  return problems;
}

const functionRule: Rule = (resources) =>
  ofType(resources, 'aws:lambda/function:Function').flatMap((fn) =>
    functionProblems(fn.inputs).map((problem) => `${fn.name}: ${problem}`),
  );

// API Gateway integrations. HTTP API (CreateIntegration): 50 ms to 30 s. REST API
// (PutIntegration): 50 ms to 29 s by default and at most 300 s with a raised quota when
// BUFFERED; up to 900 s when STREAM, which only proxy integrations take. A Lambda proxy that
// streams calls InvokeWithResponseStream (API version 2021-11-15, response-streaming-invocations);
// a buffered one calls Invoke (2015-03-31, invocations).
const httpApiTimeout = { least: 50, most: 30_000 };
const restTimeout = { least: 50, buffered: 300_000, stream: 900_000 };
const transferModes = ['BUFFERED', 'STREAM'];
const lambdaInvocation =
  /^arn:aws:apigateway:[a-z0-9-]+:lambda:path\/(\d{4}-\d{2}-\d{2})\/functions\/(arn:aws:lambda:[^/]+)\/([a-z-]+)$/;

export function httpApiIntegrationProblems(inputs: Record<string, unknown>): string[] {
  const timeout = inputs.timeoutMilliseconds;
  if (timeout === undefined) return [];
  const ms = Number(timeout);
  return ms >= httpApiTimeout.least && ms <= httpApiTimeout.most
    ? []
    : [
        `timeoutMilliseconds ${String(timeout)} is outside the HTTP API's ${httpApiTimeout.least} to ${httpApiTimeout.most}`,
      ];
}

export function restIntegrationProblems(inputs: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const mode = String(inputs.responseTransferMode ?? 'BUFFERED');
  if (!transferModes.includes(mode)) {
    problems.push(`responseTransferMode ${mode} is not BUFFERED or STREAM`);
  }
  const type = String(inputs.type);
  if (mode === 'STREAM' && type !== 'AWS_PROXY' && type !== 'HTTP_PROXY') {
    problems.push(
      `responseTransferMode STREAM needs an AWS_PROXY or HTTP_PROXY integration, not ${type}`,
    );
  }
  const most = mode === 'STREAM' ? restTimeout.stream : restTimeout.buffered;
  const timeout = inputs.timeoutMilliseconds;
  if (timeout !== undefined && (Number(timeout) < restTimeout.least || Number(timeout) > most)) {
    problems.push(
      `timeoutMilliseconds ${String(timeout)} is outside ${restTimeout.least} to ${most} for ${mode}`,
    );
  }
  const invocation = lambdaInvocation.exec(String(inputs.uri ?? ''));
  if (type === 'AWS_PROXY' && invocation) {
    const [, version, , action] = invocation;
    const expected =
      mode === 'STREAM'
        ? { version: '2021-11-15', action: 'response-streaming-invocations' }
        : { version: '2015-03-31', action: 'invocations' };
    if (version !== expected.version || action !== expected.action) {
      problems.push(
        `a ${mode} Lambda proxy calls .../${expected.version}/functions/<arn>/${expected.action}, not .../${version}/functions/<arn>/${action}`,
      );
    }
  }
  return problems;
}

// Lambda PutFunctionEventInvokeConfig: MaximumRetryAttempts 0 to 2, MaximumEventAgeInSeconds
// 60 to 21,600; a queue destination must be a standard queue (FIFO destinations are refused).
export function eventInvokeProblems(
  inputs: Record<string, unknown>,
  queues: readonly PlannedInputs[],
): string[] {
  const problems: string[] = [];
  const retries = inputs.maximumRetryAttempts;
  if (
    retries !== undefined &&
    (!Number.isInteger(retries) || Number(retries) < 0 || Number(retries) > 2)
  ) {
    problems.push(`maximumRetryAttempts ${String(retries)} is not 0, 1 or 2`);
  }
  const age = inputs.maximumEventAgeInSeconds;
  if (age !== undefined && (!Number.isInteger(age) || Number(age) < 60 || Number(age) > 21_600)) {
    problems.push(`maximumEventAgeInSeconds ${String(age)} is not between 60 and 21600`);
  }
  const destinations = (inputs.destinationConfig ?? {}) as Record<
    string,
    { destination?: unknown }
  >;
  for (const [when, target] of Object.entries(destinations)) {
    const arn = String(target?.destination ?? '');
    if (!arn.startsWith('arn:aws:sqs:')) continue;
    const queueName = arn.split(':').at(-1) ?? '';
    const queue = queues.find((q) => q.inputs.name === queueName);
    if (queueName.endsWith('.fifo') || queue?.inputs.fifoQueue === true) {
      problems.push(
        `${when} destination ${queueName} is a FIFO queue; Lambda takes standard queues only`,
      );
    }
  }
  return problems;
}

const eventInvokeRule: Rule = (resources) => {
  const queues = ofType(resources, 'aws:sqs/queue:Queue');
  return ofType(
    resources,
    'aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig',
  ).flatMap((config) =>
    eventInvokeProblems(config.inputs, queues).map((problem) => `${config.name}: ${problem}`),
  );
};

// SQS CreateQueue: MessageRetentionPeriod between 60 seconds and 14 days.
export function queueProblems(inputs: Record<string, unknown>): string[] {
  const retention = inputs.messageRetentionSeconds;
  if (retention === undefined) return [];
  return Number.isInteger(retention) && Number(retention) >= 60 && Number(retention) <= 1_209_600
    ? []
    : [`messageRetentionSeconds ${String(retention)} is not between 60 and 1209600`];
}

const queueRule: Rule = (resources) =>
  ofType(resources, 'aws:sqs/queue:Queue').flatMap((queue) =>
    queueProblems(queue.inputs).map((problem) => `${queue.name}: ${problem}`),
  );

const integrationRule: Rule = (resources) => [
  ...ofType(resources, 'aws:apigatewayv2/integration:Integration').flatMap((integration) =>
    httpApiIntegrationProblems(integration.inputs).map((p) => `${integration.name}: ${p}`),
  ),
  ...ofType(resources, 'aws:apigateway/integration:Integration').flatMap((integration) =>
    restIntegrationProblems(integration.inputs).map((p) => `${integration.name}: ${p}`),
  ),
];

// A streamed turn runs for its model budget (LLM_STREAM_TIMEOUT_MS) and then commits; the
// function that serves it, and a streaming integration that reaches that function, must last
// at least that long plus the commit, or a turn AWS cut short is billed and never delivered.
const commitMarginMs = 10_000;

export function streamBudgetProblems(resources: readonly PlannedInputs[]): string[] {
  const problems: string[] = [];
  const functions = ofType(resources, 'aws:lambda/function:Function');
  const budgetOf = (fn: PlannedInputs) => {
    const variables =
      ((fn.inputs.environment ?? {}) as { variables?: Record<string, unknown> }).variables ?? {};
    const budget = variables.LLM_STREAM_TIMEOUT_MS;
    return budget === undefined ? undefined : Number(budget);
  };
  for (const fn of functions) {
    const budget = budgetOf(fn);
    if (budget === undefined || fn.inputs.timeout === undefined) continue;
    // Only the function that streams is held to it: behind the HTTP API nothing outlasts 30 s.
    if (!isStreamingFunction(fn)) continue;
    if (Number(fn.inputs.timeout) * 1000 < budget + commitMarginMs) {
      problems.push(
        `${fn.name}: timeout ${String(fn.inputs.timeout)} s is shorter than LLM_STREAM_TIMEOUT_MS ${budget} plus ${commitMarginMs / 1000} s to commit`,
      );
    }
  }
  for (const integration of ofType(resources, 'aws:apigateway/integration:Integration')) {
    if (integration.inputs.responseTransferMode !== 'STREAM') continue;
    const target = lambdaInvocation.exec(String(integration.inputs.uri ?? ''))?.[2];
    const fn = functions.find(
      (f) => target !== undefined && target.endsWith(`:function:${String(f.inputs.name)}`),
    );
    const budget = fn && budgetOf(fn);
    const timeout = Number(integration.inputs.timeoutMilliseconds ?? 29_000);
    if (fn && budget !== undefined && timeout < budget + commitMarginMs) {
      problems.push(
        `${integration.name}: timeoutMilliseconds ${timeout} ends a stream before ${fn.name}'s LLM_STREAM_TIMEOUT_MS ${budget} plus ${commitMarginMs / 1000} s`,
      );
    }
  }
  return problems;
}

/** A function started at the bundle's streaming entry (the image command names it). */
function isStreamingFunction(fn: PlannedInputs): boolean {
  const commands = ((fn.inputs.imageConfig ?? {}) as { commands?: unknown[] }).commands ?? [];
  return commands.some((command) => String(command).endsWith('.streamingHandler'));
}

// API mappings (CreateApiMapping): a key is letters, digits and $-_.+!*'() in segments, and a
// domain holds each key once, whichever API (REST or HTTP) it maps.
const mappingKeyPattern = /^[A-Za-z0-9$\-_.+!*'()]+(\/[A-Za-z0-9$\-_.+!*'()]+)*$/;

export const apiMappingRule: Rule = (resources) => {
  const problems: string[] = [];
  const seen = new Map<string, string>();
  for (const mapping of ofType(resources, 'aws:apigatewayv2/apiMapping:ApiMapping')) {
    const key = String(mapping.inputs.apiMappingKey ?? '');
    if (key && !mappingKeyPattern.test(key)) {
      problems.push(`${mapping.name}: API mapping key "${key}" has characters API Gateway refuses`);
    }
    const slot = `${String(mapping.inputs.domainName)} ${key}`;
    const first = seen.get(slot);
    if (first) {
      problems.push(
        `${mapping.name}: ${String(mapping.inputs.domainName)} already maps "${key}" (${first})`,
      );
    } else seen.set(slot, mapping.name);
  }
  return problems;
};

// A resource kept when the stack goes (retainOnDelete) still holds its name: with a fixed one,
// creating the stack again fails (IAM EntityAlreadyExists, and the like). Kept resources take a
// name prefix, which AWS completes with a unique ending, or none.
export const retainedNameRule: Rule = (resources) =>
  resources
    .filter((r) => r.retainOnDelete === true && typeof r.inputs.name === 'string')
    .map(
      (r) =>
        `${r.name}: kept on destroy under the fixed name ${String(r.inputs.name)}, so the stack could not be created again; use a name prefix`,
    );

const rules: readonly Rule[] = [
  retainedNameRule,
  apiMappingRule,
  routeRule,
  alarmRule,
  functionRule,
  integrationRule,
  eventInvokeRule,
  queueRule,
  streamBudgetProblems,
];

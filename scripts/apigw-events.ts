// API Gateway HTTP API payload format 2.0 events, shaped as AWS documents them
// ("Working with AWS Lambda proxy integrations for HTTP APIs"), for invoking the Lambda bundle;
// the tests and the benchmarks both drive it with these.

export interface HttpApiEventOptions {
  readonly method: string;
  /** The path as API Gateway passes it: with a named stage or a mapping key in front, if any. */
  readonly rawPath: string;
  readonly rawQueryString?: string;
  /** `$default`, or a named stage such as `dev`. */
  readonly stage?: string;
  readonly headers?: Record<string, string>;
  readonly cookies?: string[];
  readonly body?: string;
  readonly isBase64Encoded?: boolean;
  readonly sourceIp?: string;
}

export interface HttpApiEvent {
  readonly version: '2.0';
  readonly routeKey: string;
  readonly rawPath: string;
  readonly rawQueryString: string;
  readonly cookies?: string[];
  readonly headers: Record<string, string>;
  readonly queryStringParameters?: Record<string, string>;
  readonly requestContext: Record<string, unknown>;
  readonly body?: string;
  readonly isBase64Encoded: boolean;
}

export interface HttpApiResult {
  readonly statusCode: number;
  readonly headers: Record<string, string>;
  readonly body: string;
  readonly isBase64Encoded?: boolean;
  readonly cookies?: string[];
}

let counter = 0;

export function httpApiEvent(options: HttpApiEventOptions): HttpApiEvent {
  const rawQueryString = options.rawQueryString ?? '';
  const query = new URLSearchParams(rawQueryString);
  const queryStringParameters: Record<string, string> = {};
  // API Gateway joins repeated keys with commas in queryStringParameters.
  for (const key of new Set(query.keys())) queryStringParameters[key] = query.getAll(key).join(',');
  const requestId = `req-${process.pid}-${++counter}`;
  const headers = {
    host: 'abc123.execute-api.us-east-1.amazonaws.com',
    'user-agent': 'mocha',
    'x-forwarded-proto': 'https',
    'x-forwarded-port': '443',
    ...Object.fromEntries(
      Object.entries(options.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]),
    ),
  };
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: options.rawPath,
    rawQueryString,
    ...(options.cookies ? { cookies: options.cookies } : {}),
    headers,
    ...(rawQueryString ? { queryStringParameters } : {}),
    requestContext: {
      accountId: '123456789012',
      apiId: 'abc123',
      domainName: headers.host,
      domainPrefix: 'abc123',
      http: {
        method: options.method,
        path: options.rawPath,
        protocol: 'HTTP/1.1',
        sourceIp: options.sourceIp ?? '203.0.113.7',
        userAgent: 'mocha',
      },
      requestId,
      routeKey: '$default',
      stage: options.stage ?? '$default',
      time: '31/Jan/2026:12:00:00 +0000',
      timeEpoch: Date.now(),
    },
    ...(options.body === undefined ? {} : { body: options.body }),
    isBase64Encoded: options.isBase64Encoded ?? false,
  };
}

// API Gateway REST API proxy events (payload format 1.0), shaped as AWS documents them ("Input
// format of a Lambda function for proxy integration"): what the streaming endpoint sends.

export interface RestApiEventOptions {
  readonly method: string;
  /** The path the API routes: after the stage or the custom domain's mapping key. */
  readonly path: string;
  /** Reached by the API's default endpoint under this stage (the default), or by a domain. */
  readonly stage?: string;
  /** Reached through a custom domain under this mapping key (e.g. `coaching-stream`). */
  readonly mappingKey?: string;
  readonly query?: string;
  /** Header names as the client spelt them; a list is a repeated header. */
  readonly headers?: Record<string, string | string[]>;
  readonly body?: string;
  readonly isBase64Encoded?: boolean;
  readonly sourceIp?: string;
}

export interface RestApiEvent {
  readonly resource: string;
  readonly path: string;
  readonly httpMethod: string;
  readonly headers: Record<string, string> | null;
  readonly multiValueHeaders: Record<string, string[]> | null;
  readonly queryStringParameters: Record<string, string> | null;
  readonly multiValueQueryStringParameters: Record<string, string[]> | null;
  readonly pathParameters: Record<string, string> | null;
  readonly stageVariables: null;
  readonly requestContext: Record<string, unknown>;
  readonly body: string | null;
  readonly isBase64Encoded: boolean;
}

export function restApiEvent(options: RestApiEventOptions): RestApiEvent {
  const stage = options.stage ?? 'dev';
  const host = options.mappingKey
    ? 'api.example.com'
    : 'abc123.execute-api.us-east-1.amazonaws.com';
  // Behind a custom domain API Gateway keeps the mapping key in `path` too; on the default
  // endpoint `path` drops the stage and only requestContext.path keeps it.
  const path = options.mappingKey ? `/${options.mappingKey}${options.path}` : options.path;
  const sentPath = options.mappingKey ? path : `/${stage}${options.path}`;
  const resource = options.path === '/' ? '/' : '/{proxy+}';

  const given: Record<string, string[]> = {
    Host: [host],
    'User-Agent': ['mocha'],
    'X-Forwarded-Proto': ['https'],
    'X-Forwarded-Port': ['443'],
  };
  for (const [name, value] of Object.entries(options.headers ?? {})) {
    given[name] = Array.isArray(value) ? value : [value];
  }
  // `headers` keeps the last value of a repeated header; `multiValueHeaders` keeps them all.
  const headers = Object.fromEntries(
    Object.entries(given).map(([name, values]) => [name, values.at(-1) ?? '']),
  );
  const query = new URLSearchParams(options.query ?? '');
  const multiQuery: Record<string, string[]> = {};
  for (const key of new Set(query.keys())) multiQuery[key] = query.getAll(key);
  const lastQuery = Object.fromEntries(
    Object.entries(multiQuery).map(([key, values]) => [key, values.at(-1) ?? '']),
  );
  const hasQuery = Object.keys(multiQuery).length > 0;

  return {
    resource,
    path,
    httpMethod: options.method,
    headers,
    multiValueHeaders: given,
    queryStringParameters: hasQuery ? lastQuery : null,
    multiValueQueryStringParameters: hasQuery ? multiQuery : null,
    pathParameters: resource === '/' ? null : { proxy: options.path.slice(1) },
    stageVariables: null,
    requestContext: {
      accountId: '123456789012',
      apiId: 'abc123',
      domainName: host,
      domainPrefix: host.split('.')[0],
      extendedRequestId: `ext-${process.pid}-${counter + 1}`,
      httpMethod: options.method,
      identity: {
        accessKey: null,
        accountId: null,
        caller: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: null,
        sourceIp: options.sourceIp ?? '203.0.113.7',
        user: null,
        userAgent: 'mocha',
        userArn: null,
      },
      path: sentPath,
      protocol: 'HTTP/1.1',
      requestId: `rest-${process.pid}-${++counter}`,
      requestTime: '31/Jan/2026:12:00:00 +0000',
      requestTimeEpoch: Date.now(),
      resourceId: 'res123',
      resourcePath: resource,
      stage,
    },
    body: options.body ?? null,
    isBase64Encoded: options.isBase64Encoded ?? false,
  };
}

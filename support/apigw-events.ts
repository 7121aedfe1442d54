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

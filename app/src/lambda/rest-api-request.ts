// The request a REST API proxy event (payload format 1.0) stands for, as the Node request Koa
// reads: method, URL, headers, body and the client's address. The streaming endpoint is a REST
// API (the HTTP API cannot stream), so its events have this shape rather than the 2.0 one the
// buffered function gets through serverless-http.
import { IncomingMessage } from 'node:http';
import { PassThrough } from 'node:stream';

/** The fields of AWS's documented proxy input this service reads; the rest pass through. */
export interface RestApiProxyEvent {
  readonly resource?: string;
  /** The path after the stage (default endpoint) or with the base path (custom domain). */
  readonly path: string;
  readonly httpMethod: string;
  readonly headers?: Readonly<Record<string, string>> | null;
  readonly multiValueHeaders?: Readonly<Record<string, readonly string[]>> | null;
  readonly queryStringParameters?: Readonly<Record<string, string>> | null;
  readonly multiValueQueryStringParameters?: Readonly<Record<string, readonly string[]>> | null;
  readonly body?: string | null;
  readonly isBase64Encoded?: boolean;
  readonly requestContext: {
    readonly stage?: string;
    /** The path as the client sent it: stage or base path included. */
    readonly path?: string;
    readonly requestId?: string;
    readonly identity?: { readonly sourceIp?: string };
    readonly [field: string]: unknown;
  };
}

/** A request built from an event, still carrying the event's context as serverless-http's does. */
export type EventRequest = IncomingMessage & {
  requestContext: RestApiProxyEvent['requestContext'];
};

export function isRestApiProxyEvent(event: unknown): event is RestApiProxyEvent {
  const candidate = event as Partial<RestApiProxyEvent> | null;
  return (
    typeof candidate?.httpMethod === 'string' &&
    typeof candidate.path === 'string' &&
    typeof candidate.requestContext === 'object' &&
    candidate.requestContext !== null
  );
}

/**
 * The path the client asked for, so that the app strips and writes back the same prefix it
 * would behind the HTTP API: `requestContext.path` keeps the stage (default endpoint) or the
 * mapping key (custom domain), which `path` drops in the first case. A console test call has
 * a resource template there instead, so it is used only when it ends with the real path.
 */
function clientPath(event: RestApiProxyEvent): string {
  const sent = event.requestContext.path;
  const path = sent && sent.endsWith(event.path) ? sent : event.path;
  // Only the characters that would end the path early need escaping here.
  return path.replace(/[?#]/g, (c) => encodeURIComponent(c));
}

function queryString(event: RestApiProxyEvent): string {
  const query = new URLSearchParams();
  const many = event.multiValueQueryStringParameters;
  if (many) {
    for (const [key, values] of Object.entries(many)) for (const v of values) query.append(key, v);
  } else {
    for (const [key, value] of Object.entries(event.queryStringParameters ?? {})) {
      query.append(key, value);
    }
  }
  const text = query.toString();
  return text ? `?${text}` : '';
}

/** Lower-case names; repeated headers joined as a proxy would (cookies with `; `). */
function requestHeaders(event: RestApiProxyEvent): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(event.headers ?? {})) {
    headers[name.toLowerCase()] = value;
  }
  for (const [name, values] of Object.entries(event.multiValueHeaders ?? {})) {
    const key = name.toLowerCase();
    if (values.length > 0) headers[key] = values.join(key === 'cookie' ? '; ' : ', ');
  }
  return headers;
}

export function restApiRequest(event: RestApiProxyEvent): EventRequest {
  const body = event.body
    ? Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8')
    : Buffer.alloc(0);
  const headers = requestHeaders(event);
  // The body arrives whole and maybe base64-decoded: its length is what the parser must expect.
  delete headers['transfer-encoding'];
  if (body.length > 0 || headers['content-length'] !== undefined) {
    headers['content-length'] = String(body.length);
  }
  // As behind the HTTP API (serverless-http): API Gateway's id when the client sent none.
  const gatewayId = event.requestContext.requestId;
  if (headers['x-request-id'] === undefined && gatewayId) headers['x-request-id'] = gatewayId;

  // The app reads the client's address from the socket (it trusts no forwarding header).
  const socket = Object.assign(new PassThrough(), {
    remoteAddress: event.requestContext.identity?.sourceIp ?? '',
    encrypted: true,
    setTimeout: () => socket,
    setNoDelay: () => socket,
    setKeepAlive: () => socket,
  });
  const request = new IncomingMessage(socket as never) as EventRequest;
  Object.assign(request, {
    method: event.httpMethod.toUpperCase(),
    url: `${clientPath(event)}${queryString(event)}`,
    headers,
    httpVersion: '1.1',
    httpVersionMajor: 1,
    httpVersionMinor: 1,
    complete: true,
    requestContext: event.requestContext,
  });
  if (body.length > 0) request.push(body);
  request.push(null);
  return request;
}

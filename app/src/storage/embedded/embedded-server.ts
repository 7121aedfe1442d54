// The embedded DynamoDB's HTTP server: dynalite's own, with the operations it lacks or runs too
// loosely answered here first, on the same store and the same item locks: TransactWriteItems,
// TransactGetItems, and PutItem, UpdateItem and DeleteItem (for ReturnValuesOnConditionCheckFailure
// and writes that land with their index entries at once). Everything else goes to dynalite, and
// so does any request that is not a signed JSON POST, which dynalite refuses (a transaction among
// them as an unknown operation). It all runs in the process that hosts the store, so it holds for
// every client, however many processes share the endpoint.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';
import { crc32 } from 'node:zlib';
import type dynalite from 'dynalite';
import { startDynalite, type DynaliteError, type Store } from './dynalite-parts.js';
import { RequestTokens } from './request-tokens.js';
import { singleWrite } from './single-write.js';
import { transactGetItems } from './transact-get.js';
import { transactWriteItems } from './transact-write.js';

export interface EmbeddedServerOptions extends dynalite.DynaliteOptions {
  /** The clock the ClientRequestToken window is measured by (a test moves it). */
  readonly now?: () => number;
}

type Operation = (request: Record<string, unknown>) => Promise<object>;

/** DynamoDB's (and dynalite's) limit on a request body. */
const MAX_REQUEST_BYTES = 16 * 1024 * 1024;
const JSON_TYPES = ['application/json', 'application/x-amz-json-1.0'];

function operations(store: Store, tokens: RequestTokens): Record<string, Operation> {
  return {
    TransactWriteItems: (request) => transactWriteItems(store, tokens, request),
    TransactGetItems: (request) => transactGetItems(store, request),
    PutItem: (request) => singleWrite('putItem', store, request),
    UpdateItem: (request) => singleWrite('updateItem', store, request),
    DeleteItem: (request) => singleWrite('deleteItem', store, request),
  };
}

const contentType = (request: IncomingMessage) =>
  (request.headers['content-type'] ?? '').split(';')[0]?.trim() ?? '';

/** The operation a request names, when it is one answered here. */
function operationName(request: IncomingMessage, answered: Record<string, Operation>) {
  const [api, name = ''] = String(request.headers['x-amz-target'] ?? '').split('.');
  const signed = (request.headers.authorization ?? '').trim().startsWith('AWS4-');
  const ours =
    request.method === 'POST' &&
    signed &&
    JSON_TYPES.includes(contentType(request)) &&
    api === 'DynamoDB_20120810' &&
    Object.hasOwn(answered, name);
  return ours ? name : undefined;
}

function send(request: IncomingMessage, response: ServerResponse, status: number, body: object) {
  const text = JSON.stringify(body);
  response.statusCode = status;
  response.setHeader('x-amzn-RequestId', randomUUID().replaceAll('-', '').toUpperCase());
  response.setHeader('x-amz-crc32', crc32(text));
  response.setHeader('Content-Type', contentType(request));
  response.setHeader('Content-Length', Buffer.byteLength(text));
  response.end(text);
}

async function readBody(request: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of request) {
    length += (chunk as Buffer).length;
    if (length > MAX_REQUEST_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

async function answer(
  request: IncomingMessage,
  response: ServerResponse,
  operation: Operation,
): Promise<void> {
  const body = await readBody(request);
  if (!body) {
    response.statusCode = 413;
    response.end();
    return;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    parsed = undefined;
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    send(request, response, 400, { __type: 'com.amazon.coral.service#SerializationException' });
    return;
  }
  try {
    send(request, response, 200, await operation(parsed as Record<string, unknown>));
  } catch (error) {
    const refusal = error as DynaliteError;
    if (refusal.statusCode && refusal.body) {
      send(request, response, refusal.statusCode, refusal.body);
    } else {
      send(request, response, 500, {
        __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError',
        message: (error as Error).message,
      });
    }
  }
}

export function createEmbeddedDynamoServer(options: EmbeddedServerOptions = {}): Server {
  const { now = Date.now, ...dynaliteOptions } = options;
  const { server, store } = startDynalite(dynaliteOptions);
  const answered = operations(store, new RequestTokens(now));
  const [dynaliteHandler] = server.listeners('request') as RequestListener[];
  if (!dynaliteHandler) throw new Error('dynalite made a server without a request handler');
  server.removeAllListeners('request');
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    const name = operationName(request, answered);
    const operation = name === undefined ? undefined : answered[name];
    if (operation) {
      answer(request, response, operation).catch(() => response.destroy());
    } else {
      dynaliteHandler.call(server, request, response);
    }
  });
  return server;
}

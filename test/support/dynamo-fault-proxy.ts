// A fault-injecting proxy in front of a DynamoDB-compatible endpoint (the embedded store), for
// tests that point the app's DYNAMODB_ENDPOINT at it. Per operation and per table it can answer
// as DynamoDB does when it throttles or fails (a 400 throttling error, a 500), reset the
// connection before the request reaches the store, delay it, hang (accept and never answer),
// or — the case that matters most — forward the request, let the store apply it, and drop the
// answer, so the client cannot tell whether its write landed. Which requests meet a fault is
// decided by a seeded generator, so a run can be repeated; the log says what happened to each.
import { once } from 'node:events';
import { createServer, request as httpRequest, type IncomingMessage } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type FaultKind =
  'throttle' | 'throughput' | 'server-error' | 'reset' | 'delay' | 'hang' | 'drop-after-apply';

/** What a rule sees of a request: its operation (`PutItem`, …), the tables it names, its body. */
export interface ProxiedRequest {
  readonly operation: string;
  readonly tables: readonly string[];
  readonly body: Record<string, unknown>;
}

export interface FaultRule {
  readonly fault: FaultKind;
  /** Operations it applies to (`PutItem`, `UpdateItem`, …); every operation when absent. */
  readonly operations?: readonly string[];
  /** A table name the request must name; any table when absent. */
  readonly table?: string;
  /** Any further condition on the request. */
  readonly match?: (request: ProxiedRequest) => boolean;
  /** The share of matching requests it faults, 0–1 (default 1). */
  readonly probability?: number;
  /** How many requests it faults at most (default: no limit). */
  readonly times?: number;
  /** For `delay`: how long (default 1000 ms). */
  readonly delayMs?: number;
}

export interface ProxyLogEntry {
  readonly operation: string;
  readonly tables: readonly string[];
  /** The fault it met, if any. */
  readonly fault?: FaultKind;
  /** Whether the request reached the store (true for a dropped answer: it was applied). */
  readonly forwarded: boolean;
}

export interface DynamoFaultProxy {
  /** The endpoint to give the client under test. */
  readonly endpoint: string;
  /** Adds a rule; the first rule that matches a request (and still has times left) decides. */
  add(rule: FaultRule): void;
  /** Removes every rule: from now on requests pass untouched. */
  clear(): void;
  /** Every request seen, in order of arrival. */
  readonly log: readonly ProxyLogEntry[];
  /** How many requests met each fault (only faults that happened are named). */
  faults(): Partial<Record<FaultKind, number>>;
  /** Ends hung requests and stops listening. */
  close(): Promise<void>;
}

/** A small seeded generator (mulberry32): the same seed gives the same sequence. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The tables a request names: its TableName, or the keys of a batch's RequestItems. */
function tablesOf(body: Record<string, unknown>): string[] {
  if (typeof body.TableName === 'string') return [body.TableName];
  const items = body.RequestItems;
  if (items && typeof items === 'object') return Object.keys(items);
  const transact = body.TransactItems;
  if (Array.isArray(transact)) {
    return transact.flatMap((entry: Record<string, { TableName?: string }>) =>
      Object.values(entry)
        .map((op) => op.TableName)
        .filter((name): name is string => typeof name === 'string'),
    );
  }
  return [];
}

/** DynamoDB's JSON error answer, as its SDK parses it. */
function errorAnswer(status: number, type: string, message: string) {
  return {
    status,
    body: JSON.stringify({ __type: `com.amazonaws.dynamodb.v20120810#${type}`, message }),
  };
}

const answers: Partial<Record<FaultKind, { status: number; body: string }>> = {
  throttle: errorAnswer(
    400,
    'ThrottlingException',
    'Rate of requests exceeds the allowed throughput.',
  ),
  throughput: errorAnswer(
    400,
    'ProvisionedThroughputExceededException',
    'The level of configured provisioned throughput for the table was exceeded.',
  ),
  'server-error': errorAnswer(500, 'InternalServerError', 'Internal server error'),
};

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function startDynamoFaultProxy(
  target: string,
  options: { seed?: number } = {},
): Promise<DynamoFaultProxy> {
  const upstream = new URL(target);
  const random = seeded(options.seed ?? 1);
  const rules: { rule: FaultRule; left: number }[] = [];
  const log: ProxyLogEntry[] = [];
  const sockets = new Set<Socket>();

  /** The fault this request meets, if any; a rule's chance is drawn once per matching request. */
  function faultFor(request: ProxiedRequest): FaultRule | undefined {
    for (const entry of rules) {
      const { rule } = entry;
      if (entry.left <= 0) continue;
      if (rule.operations && !rule.operations.includes(request.operation)) continue;
      if (rule.table !== undefined && !request.tables.includes(rule.table)) continue;
      if (rule.match && !rule.match(request)) continue;
      if (random() >= (rule.probability ?? 1)) continue;
      entry.left--;
      return rule;
    }
    return undefined;
  }

  /** Sends the request on to the store; resolves with its whole answer. */
  function forward(incoming: IncomingMessage, body: Buffer) {
    return new Promise<{ status: number; headers: IncomingMessage['headers']; body: Buffer }>(
      (resolve, reject) => {
        const outgoing = httpRequest(
          {
            host: upstream.hostname,
            port: upstream.port,
            method: incoming.method,
            path: incoming.url,
            headers: { ...incoming.headers, host: upstream.host },
          },
          (answer) => {
            readBody(answer).then(
              (data) =>
                resolve({ status: answer.statusCode ?? 500, headers: answer.headers, body: data }),
              reject,
            );
          },
        );
        outgoing.on('error', reject);
        outgoing.end(body);
      },
    );
  }

  const server = createServer((incoming, outgoing) => {
    void (async () => {
      const raw = await readBody(incoming);
      let body: Record<string, unknown> = {};
      try {
        body = JSON.parse(raw.toString('utf8') || '{}') as Record<string, unknown>;
      } catch {
        body = {};
      }
      const targetHeader = String(incoming.headers['x-amz-target'] ?? '');
      const operation = targetHeader.slice(targetHeader.indexOf('.') + 1);
      const request: ProxiedRequest = { operation, tables: tablesOf(body), body };
      const rule = faultFor(request);
      const fault = rule?.fault;
      const entry: { -readonly [K in keyof ProxyLogEntry]: ProxyLogEntry[K] } = {
        operation,
        tables: request.tables,
        fault,
        forwarded: false,
      };
      log.push(entry);
      const answer = fault ? answers[fault] : undefined;
      if (answer) {
        outgoing.writeHead(answer.status, { 'content-type': 'application/x-amz-json-1.0' });
        outgoing.end(answer.body);
        return;
      }
      if (fault === 'reset') {
        incoming.socket.destroy();
        return;
      }
      if (fault === 'hang') return;
      if (fault === 'delay') {
        await new Promise((resolve) => setTimeout(resolve, rule?.delayMs ?? 1000));
      }
      const result = await forward(incoming, raw);
      entry.forwarded = true;
      if (fault === 'drop-after-apply') {
        incoming.socket.destroy();
        return;
      }
      outgoing.writeHead(result.status, result.headers);
      outgoing.end(result.body);
    })().catch(() => incoming.socket.destroy());
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    add(rule) {
      rules.push({ rule, left: rule.times ?? Number.POSITIVE_INFINITY });
    },
    clear() {
      rules.length = 0;
    },
    log,
    faults() {
      const counts: Partial<Record<FaultKind, number>> = {};
      for (const { fault } of log) if (fault) counts[fault] = (counts[fault] ?? 0) + 1;
      return counts;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

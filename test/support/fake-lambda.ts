// A fake AWS Lambda on loopback, speaking the Invoke operation of Lambda's REST API
// (POST /2015-03-31/functions/{FunctionName}/invocations) as the real SDK client sends it. It
// records each invocation (function, invocation type, payload) and answers from a script: the
// 202 an asynchronous invocation gets once Lambda has queued the event, or one of Lambda's errors
// (TooManyRequestsException, …) with the status and headers the real service uses.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Invocation {
  readonly functionName: string;
  /** The X-Amz-Invocation-Type header: Event, RequestResponse or DryRun. */
  readonly invocationType: string | undefined;
  /** The payload exactly as sent, parsed: what Lambda would hand the function as its event. */
  readonly payload: unknown;
  readonly headers: http.IncomingHttpHeaders;
}

export type LambdaAnswer =
  | { readonly queued: true }
  | { readonly error: string; readonly status: number; readonly reason?: string };

/** Lambda throttling an Invoke: the function's or the account's concurrency is spent. */
export const throttled: LambdaAnswer = {
  error: 'TooManyRequestsException',
  status: 429,
  reason: 'ReservedFunctionConcurrentInvocationLimitExceeded',
};

export interface FakeLambda {
  readonly url: string;
  readonly invocations: Invocation[];
  /** Answers used one per invocation, in order; then every invocation is queued (202). */
  script(...answers: LambdaAnswer[]): void;
  reset(): void;
  close(): Promise<void>;
}

export async function startFakeLambda(): Promise<FakeLambda> {
  const invocations: Invocation[] = [];
  let queue: LambdaAnswer[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://fake');
      const match = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/.exec(url.pathname);
      if (req.method !== 'POST' || !match) {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ message: `no route ${req.method} ${url.pathname}` }));
        return;
      }
      const text = Buffer.concat(chunks).toString('utf8');
      const invocation: Invocation = {
        functionName: decodeURIComponent(match[1]!),
        invocationType: req.headers['x-amz-invocation-type'] as string | undefined,
        payload: text === '' ? undefined : (JSON.parse(text) as unknown),
        headers: req.headers,
      };
      invocations.push(invocation);
      const answer = queue.shift() ?? { queued: true };
      const requestId = `fake-invoke-${invocations.length}`;
      if ('queued' in answer) {
        res.writeHead(202, { 'x-amzn-requestid': requestId, 'content-length': '0' });
        res.end();
        return;
      }
      res.writeHead(answer.status, {
        'content-type': 'application/json',
        'x-amzn-errortype': answer.error,
        'x-amzn-requestid': requestId,
        ...(answer.status === 429 ? { 'retry-after': '1' } : {}),
      });
      res.end(
        JSON.stringify({
          Type: 'User',
          message: `${answer.error} from the fake Lambda`,
          ...(answer.reason ? { Reason: answer.reason } : {}),
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    invocations,
    script: (...answers) => queue.push(...answers),
    reset: () => {
      invocations.length = 0;
      queue = [];
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

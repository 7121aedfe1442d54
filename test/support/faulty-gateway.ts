// A gateway in front of a running server that passes every request through, except those a
// test tells it to break: answered by the gateway itself (a 502, a degraded health, a DELETE that
// never arrives), or passed on without a header (the HTTP API's buffering of a stream, a
// dropped Prefer). The client's Host header is kept, so the URLs the server writes name the
// gateway, as they name API Gateway's domain in AWS.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Fault {
  readonly method: string;
  /** Matched against the request's path. */
  readonly path: RegExp;
  /** Answer with this instead of passing the request on. */
  readonly answer?: { readonly status: number; readonly body?: unknown };
  /** Pass the request on without this header. */
  readonly dropHeader?: string;
}

export interface FaultyGateway {
  readonly url: string;
  /** Every request that came through: method, path and bearer token. */
  readonly requests: { method: string; path: string; token?: string }[];
  /** The faults in force; a test sets them, and clears them after. */
  faults: Fault[];
  close(): Promise<void>;
}

export async function startFaultyGateway(target: string): Promise<FaultyGateway> {
  const to = new URL(target);
  const gateway: FaultyGateway = {
    url: '',
    requests: [],
    faults: [],
    close: async () => undefined,
  };
  const server = http.createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://gateway').pathname;
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    gateway.requests.push({ method: req.method ?? '', path, ...(token ? { token } : {}) });
    const fault = gateway.faults.find((f) => f.method === req.method && f.path.test(path));
    if (fault?.answer) {
      req.resume();
      const body = fault.answer.body === undefined ? '' : JSON.stringify(fault.answer.body);
      res.writeHead(fault.answer.status, body ? { 'content-type': 'application/json' } : {});
      res.end(body);
      return;
    }
    const headers = Object.fromEntries(
      Object.entries(req.headers).filter(([name]) => name !== fault?.dropHeader),
    );
    const onward = http.request(
      { host: to.hostname, port: to.port, method: req.method, path: req.url, headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    onward.on('error', () => {
      res.writeHead(502);
      res.end();
    });
    req.pipe(onward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  Object.assign(gateway, {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
  return gateway;
}

// A stage of the platform on loopback, built from the stand-ins the Lambda tests use: the
// bundle's `handler` behind an HTTP API stand-in (payload 2.0, buffered) at the root, its
// `streamingHandler` behind a streaming REST API stand-in at `/<stage>`, and the fake Lambda
// that takes the job events the function hands itself, delivered to `handler` as Lambda's
// asynchronous queue would. A client (the smoke check) calls it over HTTP like a deployed stage.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ensureFreshBundle } from '../../scripts/build.js';
import { httpApiEvent, restApiEvent, type HttpApiResult } from '../../scripts/apigw-events.js';
import { StreamingBundle } from './streaming-bundle.js';
import { startFakeLambda, throttled } from './fake-lambda.js';
import { startLambdaBundle } from './lambda-bundle.js';

export interface ApiGatewayStandIn {
  /** The HTTP API's endpoint, as a stage's apiEndpoint output. */
  readonly url: string;
  /** What the streaming REST API stage handled, and how many job events were delivered. */
  readonly counts: { streamed: number; jobEvents: number };
  /** Lambda refuses the next hand-off of a job, every attempt of it (TooManyRequests). */
  refuseNextJobHandOff(): void;
  close(): Promise<void>;
}

const FUNCTION_NAME = 'purposepath-coaching-api-dev-v3';

export async function startApiGateway(
  env: Record<string, string>,
  stage = 'dev',
): Promise<ApiGatewayStandIn> {
  const bundlePath = await ensureFreshBundle(process.cwd());
  const lambda = await startFakeLambda();
  const counts = { streamed: 0, jobEvents: 0 };

  // The stage's URL comes first: both functions name their streaming endpoint by it.
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const functionEnv = {
    ...env,
    STREAMING_URL: `${url}/${stage}`,
    AWS_LAMBDA_FUNCTION_NAME: FUNCTION_NAME,
    JOBS_FUNCTION_NAME: FUNCTION_NAME,
    LAMBDA_ENDPOINT: lambda.url,
  };
  const handler = await startLambdaBundle(functionEnv);
  const streaming = await StreamingBundle.start(bundlePath, functionEnv);

  async function httpApi(url: URL, method: string, headers: Record<string, string>, body?: string) {
    const outcome = await handler.invoke(
      httpApiEvent({
        method,
        rawPath: url.pathname,
        rawQueryString: url.search.slice(1),
        headers,
        ...(body === undefined ? {} : { body }),
      }),
    );
    if (outcome.error !== undefined) throw new Error(outcome.error);
    const result = outcome.result as HttpApiResult;
    return {
      status: result.statusCode,
      headers: result.headers,
      body: Buffer.from(result.body ?? '', result.isBase64Encoded ? 'base64' : 'utf8'),
    };
  }

  async function restApi(url: URL, method: string, headers: Record<string, string>, body?: string) {
    counts.streamed++;
    const result = await streaming.invoke(
      restApiEvent({
        method,
        path: url.pathname.slice(stage.length + 1) || '/',
        stage,
        query: url.search.slice(1),
        headers,
        ...(body === undefined ? {} : { body }),
      }),
    );
    return {
      status: result.prelude.statusCode,
      headers: result.prelude.headers,
      body: result.body,
    };
  }

  server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = chunks.length > 0 ? Buffer.concat(chunks).toString('utf8') : undefined;
      const url = new URL(req.url ?? '/', 'http://gateway');
      const headers = Object.fromEntries(
        Object.entries(req.headers).map(([name, value]) => [
          name,
          Array.isArray(value) ? value.join(',') : String(value),
        ]),
      );
      const streamed = url.pathname === `/${stage}` || url.pathname.startsWith(`/${stage}/`);
      const answer = streamed
        ? restApi(url, req.method ?? 'GET', headers, body)
        : httpApi(url, req.method ?? 'GET', headers, body);
      answer.then(
        ({ status, headers: sent, body: out }) => {
          res.writeHead(status, sent);
          res.end(out);
        },
        (error: Error) => {
          // What API Gateway answers when the function fails.
          res.writeHead(502, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ message: `Internal server error: ${error.message}` }));
        },
      );
    });
  });

  // Lambda's queue: each event the fake accepted goes to the handler, once, in order.
  const refused = new Set<number>();
  let delivered = 0;
  const queue = setInterval(() => {
    for (; delivered < lambda.invocations.length; delivered++) {
      if (refused.has(delivered)) continue;
      counts.jobEvents++;
      void handler.invoke(lambda.invocations[delivered]?.payload);
    }
  }, 20);

  return {
    url,
    counts,
    refuseNextJobHandOff() {
      // The dispatcher tries twice (app/src/jobs/lambda-dispatcher.ts): both are refused.
      refused.add(lambda.invocations.length).add(lambda.invocations.length + 1);
      lambda.script(throttled, throttled);
    },
    async close() {
      clearInterval(queue);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      streaming.stop();
      await handler.close();
      await lambda.close();
    },
  };
}

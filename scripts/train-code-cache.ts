// The training run for the V8 code cache, in the image's final stage (the Lambda Node 22 base
// image, so the Node binary Lambda runs), built to app/dist/train-code-cache.js:
//   node <the runtime's V8 flags> train-code-cache.js
// It loads lambda.js in CODE_CACHE=write mode and invokes `handler` the way a cold start's
// first requests do, needing no AWS: the liveness route, a request without a token and one
// with a bad signature (both 401, through the per-IP limit), and an authenticated read against
// a DynamoDB endpoint that refuses the connection (503: the SDK's request, signing and retry
// code runs, and the limiter store's fallback). On exit the loader writes each chunk's cache,
// holding every function those requests compiled. A caught failure exits non-zero, failing
// the image build.
import { createHmac } from 'node:crypto';
import { createRequire } from 'node:module';
import path from 'node:path';
import { httpApiEvent, type HttpApiEventOptions } from './apigw-events.js';

const SECRET = 'code-cache-training-secret-of-32-bytes-or-more';
// Port 9 (discard) on loopback: nothing listens there during a docker build.
const REFUSING_ENDPOINT = 'http://127.0.0.1:9';

Object.assign(process.env, {
  CODE_CACHE: 'write',
  STAGE: process.env.STAGE ?? 'dev',
  JWT_SECRET: SECRET,
  DYNAMODB_ENDPOINT: REFUSING_ENDPOINT,
  RATE_LIMIT_STORE: 'dynamodb',
  AWS_REGION: process.env.AWS_REGION ?? 'us-east-1',
  LOG_LEVEL: 'ERROR',
});

const base64url = (value: string | Buffer) => Buffer.from(value).toString('base64url');

function token(secret: string): string {
  const head = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const claims = base64url(
    JSON.stringify({
      user_id: 'code-cache-training',
      tenant_id: 'code-cache-training',
      exp: Math.floor(Date.now() / 1000) + 600,
    }),
  );
  const signature = createHmac('sha256', secret).update(`${head}.${claims}`).digest();
  return `${head}.${claims}.${base64url(signature)}`;
}

type Handler = (event: unknown, context: unknown) => Promise<{ statusCode: number }>;

const requests: (HttpApiEventOptions & { expected: number })[] = [
  { method: 'GET', rawPath: '/api/v1/health/live', expected: 200 },
  { method: 'GET', rawPath: '/api/v1/conversations', expected: 401 },
  {
    method: 'GET',
    rawPath: '/api/v1/conversations/conv_codecachetraining',
    headers: { authorization: `Bearer ${token('not-the-secret-of-this-function-at-all')}` },
    expected: 401,
  },
  {
    method: 'GET',
    rawPath: '/api/v1/conversations/conv_codecachetraining',
    headers: { authorization: `Bearer ${token(SECRET)}` },
    expected: 503,
  },
];

async function main(): Promise<void> {
  // Beside this file in the image: loaded as Lambda loads it, by require.
  const bundle = createRequire(__filename)(path.join(__dirname, 'lambda.js')) as {
    handler?: Handler;
  };
  if (typeof bundle.handler !== 'function') throw new Error('lambda.js exports no handler');
  for (const [i, request] of requests.entries()) {
    const context = { awsRequestId: `code-cache-training-${i}`, functionName: 'training' };
    const { statusCode } = await bundle.handler(httpApiEvent(request), context);
    if (statusCode !== request.expected) {
      throw new Error(
        `${request.method} ${request.rawPath}: ${statusCode}, not ${request.expected}`,
      );
    }
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(
      `code cache training failed: ${(error as Error).stack ?? String(error)}\n`,
    );
    process.exit(1);
  },
);

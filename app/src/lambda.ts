// Lambda entry: the same createApp behind serverless-http, for API Gateway HTTP API payload 2.0
// events. Adapters are built once per execution environment, on the first invocation; what
// that first request does not need (tracing, the OpenAPI generator, limiter stores) loads later
// or never. `streamingHandler` serves the same app to the REST API's streaming endpoint
// (lambda/streaming-handler.ts); a second function runs it from the same image.
import path from 'node:path';
import serverless from 'serverless-http';
import type { RequestListener } from 'node:http';
import { createApp } from './app.js';
import { composeDependencies } from './compose.js';
import { loadConfig } from './config.js';
import { handleLambdaEvent, type EventRoutes } from './lambda/job-events.js';
import { createStreamingHandler } from './lambda/streaming-handler.js';
import { createLogger } from './observability/logger.js';
import { deferredEmfMetrics } from './observability/metrics-deferred.js';
import type { FlushableMetrics } from './observability/metrics-emf.js';

type Handler = (event: unknown, context: unknown) => Promise<unknown>;

interface Environment {
  readonly handle: Handler;
  readonly serve: RequestListener;
  readonly routes: Omit<EventRoutes, 'http'>;
  readonly metrics?: FlushableMetrics;
}

type Instrument = <C extends object>(client: C) => C;

/** Powertools tracing of the AWS SDK clients, only when the function runs with X-Ray active. */
async function xrayTracing(env: NodeJS.ProcessEnv): Promise<Instrument | undefined> {
  const active =
    env.AWS_XRAY_DAEMON_ADDRESS !== undefined && env.POWERTOOLS_TRACE_ENABLED !== 'false';
  if (!active) return undefined;
  const { Tracer } = await import('@aws-lambda-powertools/tracer');
  const tracer = new Tracer({ serviceName: 'purposepath-coaching' });
  return (client) => tracer.captureAWSv3Client(client);
}

async function createEnvironment(env: NodeJS.ProcessEnv): Promise<Environment> {
  const config = loadConfig(env);
  // JSON whatever LOG_FORMAT says: the function's log group is set to JSON lines.
  const logger = createLogger(config.logLevel, { format: 'json', silent: config.logSilent });
  const metrics = config.metricsEnabled ? deferredEmfMetrics({ stage: config.stage }) : undefined;
  const instrument = await xrayTracing(env);
  const deps = composeDependencies(config, logger, {
    metrics,
    instrument,
    // The image keeps prompts/ beside the bundle: the fallback when S3 is unreachable.
    promptsDir: path.join(__dirname, 'prompts'),
    // Set by the Lambda runtime: jobs go to another invocation of this function.
    lambdaFunctionName: env.AWS_LAMBDA_FUNCTION_NAME,
  });
  const app = createApp(deps);
  const routes = { runJob: deps.jobs.run, logger };
  return { handle: serverless(app) as Handler, serve: app.callback(), routes, metrics };
}

let environment: Promise<Environment> | undefined;

const currentEnvironment = () =>
  (environment ??= createEnvironment(process.env).catch((error: unknown) => {
    environment = undefined; // a failed start-up is retried by the next invocation
    throw error;
  }));

export const handler: Handler = async (event, context) => {
  const { handle, routes, metrics } = await currentEnvironment();
  try {
    // HTTP API events go to the app, job events to the worker (lambda/job-events.ts).
    return await handleLambdaEvent(event, { ...routes, http: () => handle(event, context) });
  } finally {
    await metrics?.flush();
  }
};

export const streamingHandler = createStreamingHandler(currentEnvironment);

// The dispatcher in AWS: the invocation that accepted a job hands it to another invocation of the
// same function, asynchronously (InvocationType Event). Lambda keeps the event in its own queue
// and answers 202 at once, so the job survives the end of the invocation that answered the client;
// the function's asynchronous-invocation settings (infra/jobs.ts) say how long the event may wait
// and where Lambda records it when it gives up. Why not SQS: docs/architecture.md, "Jobs in AWS".
import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import type { JobDispatcher } from './dispatcher.js';
import { jobEvent } from './job-event.js';

export interface LambdaDispatcherOptions {
  /**
   * The function to invoke: the one whose handler runs job events, JOBS_FUNCTION_NAME as the
   * platform sets it, else this one (Lambda's AWS_LAMBDA_FUNCTION_NAME).
   */
  readonly functionName: string;
  readonly region: string;
  /** Another Lambda endpoint (a fake on loopback in tests). */
  readonly endpoint?: string;
  /** Fixed credentials for a stand-in, which accepts any key. */
  readonly localCredentials?: boolean;
  readonly instrument?: <C extends object>(client: C) => C;
  readonly logger: Logger;
  readonly metrics: Metrics;
}

/**
 * The hand-off sits inside the request that answers 202, so it is short: one retry of a
 * throttle or a dropped connection, each attempt bounded. Queueing an event takes Lambda
 * milliseconds; a second that passes without an answer will not end better.
 */
const attempts = 2;
const connectMs = 1_000;
const answerMs = 3_000;

type Invoke = (functionName: string, payload: Uint8Array) => Promise<number | undefined>;

/** The SDK, loaded with the first job: a cold start that only reads never pays for it. */
async function loadInvoke(options: LambdaDispatcherOptions): Promise<Invoke> {
  const [{ LambdaClient: Client, InvokeCommand }, { NodeHttpHandler }] = await Promise.all([
    import('@aws-sdk/client-lambda'),
    import('@smithy/node-http-handler'),
  ]);
  const created: LambdaClient = new Client({
    region: options.region,
    endpoint: options.endpoint,
    maxAttempts: attempts,
    requestHandler: new NodeHttpHandler({
      connectionTimeout: connectMs,
      requestTimeout: answerMs,
    }),
    // Without fixed credentials, AWS's default provider chain (the function's role) signs.
    ...(options.localCredentials
      ? { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }
      : {}),
  });
  const client = options.instrument ? options.instrument(created) : created;
  return async (functionName, payload) => {
    const answer = await client.send(
      new InvokeCommand({ FunctionName: functionName, InvocationType: 'Event', Payload: payload }),
    );
    return answer.StatusCode;
  };
}

export function createLambdaDispatcher(options: LambdaDispatcherOptions): JobDispatcher {
  let loaded: Promise<Invoke> | undefined;
  const invoker = () =>
    (loaded ??= loadInvoke(options).catch((error: unknown) => {
      loaded = undefined;
      throw error;
    }));

  return {
    async dispatch({ jobId }) {
      const payload = new TextEncoder().encode(JSON.stringify(jobEvent(jobId)));
      try {
        const status = await (await invoker())(options.functionName, payload);
        // Lambda answers 202 when the event is queued; anything else queued nothing.
        if (status !== 202) throw new Error(`Lambda answered ${String(status)}, not 202`);
      } catch (error) {
        const { name, message } = error as Error;
        // The caller fails the job (503) and frees its conversation; this counts it and says why.
        options.metrics.add('JobFailed', 1, 'Count');
        options.logger.error({
          event: 'job_dispatch_failed',
          job_id: jobId,
          function_name: options.functionName,
          reason: `${name}: ${message}`,
        });
        throw new Error(`the job could not be handed on (${name})`);
      }
    },
  };
}

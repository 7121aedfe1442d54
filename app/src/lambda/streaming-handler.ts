// The streaming entry: the same Koa app, answering the REST API's proxy events through Lambda
// response streaming (awslambda.streamifyResponse), so a streamed coaching turn reaches the
// client as it is written and may outlast the HTTP API's 30 s. Every response goes this way,
// JSON, 204 and errors too: API Gateway reads the status and headers from the prelude, then
// passes the body on as it comes.
import type { IncomingMessage, RequestListener } from 'node:http';
import type { FlushableMetrics } from '../observability/metrics-emf.js';
import { isRestApiProxyEvent, restApiRequest } from './rest-api-request.js';
import {
  StreamedResponse,
  type HttpPrelude,
  type LambdaResponseStream,
  type PreludeWriter,
} from './streamed-response.js';
import { streamedTurnsSettled } from '../http/message-stream.js';

export type StreamingHandler = (
  event: unknown,
  responseStream: LambdaResponseStream,
  context: unknown,
) => Promise<void>;

/** The part of the runtime's `awslambda` global this handler uses. */
interface LambdaRuntimeGlobal {
  streamifyResponse(handler: StreamingHandler): StreamingHandler;
  HttpResponseStream: { from: PreludeWriter };
}

export interface StreamingEnvironment {
  readonly serve: RequestListener;
  readonly metrics?: FlushableMetrics;
}

const PRELUDE_CONTENT_TYPE = 'application/vnd.awslambda.http-integration-response';
/** The runtime's delimiter between the prelude and the body: eight NUL bytes. */
const PRELUDE_DELIMITER = new Uint8Array(8);

/**
 * The runtime's global, if this is the runtime. Not merely `awslambda`: the AWS SDK's invoke
 * store creates an `awslambda` object of its own in plain Node, with neither function in it.
 */
function runtimeGlobal(): LambdaRuntimeGlobal | undefined {
  const candidate = (globalThis as unknown as { awslambda?: Partial<LambdaRuntimeGlobal> })
    .awslambda;
  return typeof candidate?.streamifyResponse === 'function' &&
    typeof candidate.HttpResponseStream?.from === 'function'
    ? (candidate as LambdaRuntimeGlobal)
    : undefined;
}

/**
 * The documented prelude format, for a caller without the runtime's global (a local harness):
 * the same bytes HttpResponseStream.from writes.
 */
const writePreludeDirectly: PreludeWriter = (stream, prelude: HttpPrelude) => {
  stream.setContentType?.(PRELUDE_CONTENT_TYPE);
  stream.write(JSON.stringify(prelude));
  stream.write(PRELUDE_DELIMITER);
  return stream;
};

/**
 * As a server does once the exchange is over: a body nobody read is read to its end (it is all
 * in memory), then the request closes, so 'close' listeners run and nothing is "aborted".
 */
async function closeRequest(request: IncomingMessage): Promise<void> {
  if (!request.destroyed && !request.readableEnded) {
    await new Promise<void>((resolve) => {
      request
        .once('end', resolve)
        .once('close', resolve)
        .once('error', () => resolve());
      request.resume();
    });
  }
  request.destroy();
}

/**
 * `awslambda.streamifyResponse(handler)` when the runtime provides it. Without the global (the
 * bundle loaded in plain Node, for `handler` or a tool) the bundle still loads, and the handler
 * is the plain three-argument function.
 */
export function createStreamingHandler(
  environment: () => Promise<StreamingEnvironment>,
): StreamingHandler {
  const handle: StreamingHandler = async (event, responseStream) => {
    if (!isRestApiProxyEvent(event)) {
      throw new Error('streamingHandler takes API Gateway REST API proxy events');
    }
    const { serve, metrics } = await environment();
    const withPrelude = runtimeGlobal()?.HttpResponseStream.from ?? writePreludeDirectly;
    const request = restApiRequest(event);
    const response = new StreamedResponse(request, responseStream, withPrelude);
    try {
      serve(request, response);
      // A failure after the head cannot become an error status any more; rejecting lets the
      // runtime end the stream as failed, which the client sees as a broken response.
      await response.delivered;
    } finally {
      await closeRequest(request);
      // A client that hung up does not cancel its turn: Lambda freezes the environment once
      // this returns, so the turn settles (commits, or stores nothing) first.
      await streamedTurnsSettled();
      await metrics?.flush();
    }
  };
  return runtimeGlobal()?.streamifyResponse(handle) ?? handle;
}

// One streamed coaching turn through the built bundle's streamingHandler (the runtime stand-in
// of test/support/lambda-streaming-runtime.cjs, in the bundle's own process): when the first `delta`
// reached the Lambda response stream, and when the stream ended, both counted from the
// invocation's start, as API Gateway would see them arrive.
import { restApiEvent } from '../../scripts/apigw-events.js';
import type { StreamingBundle } from '../../test/support/streaming-bundle.js';
import type { StreamTimes } from './streamed-turn.js';

export async function timeLambdaStreamedTurn(
  bundle: StreamingBundle,
  bearer: string,
  conversationId: string,
  userMessage: string,
): Promise<StreamTimes> {
  const result = await bundle.invoke(
    restApiEvent({
      method: 'POST',
      path: `/api/v1/conversations/${conversationId}/message`,
      headers: {
        Authorization: `Bearer ${bearer}`,
        'Content-Type': 'application/json',
        Accept: 'text/event-stream',
      },
      body: JSON.stringify({ user_message: userMessage }),
    }),
  );
  const text = result.body.toString('utf8');
  if (result.prelude.statusCode !== 200 || result.error || text.includes('event: error\n')) {
    throw new Error(
      `a streamed turn through the Lambda handler failed (${result.prelude.statusCode}): ${result.error ?? text}`,
    );
  }
  let offset = 0;
  let firstDeltaMs: number | undefined;
  for (const chunk of result.chunks) {
    const piece = result.bytes.subarray(offset, offset + chunk.length).toString('utf8');
    offset += chunk.length;
    if (piece.includes('event: delta\n')) {
      firstDeltaMs = chunk.atMs;
      break;
    }
  }
  if (firstDeltaMs === undefined || result.endedAtMs === undefined) {
    throw new Error(`a streamed turn through the Lambda handler sent no delta: ${text}`);
  }
  return { firstDeltaMs, fullReplyMs: result.endedAtMs };
}

// One streamed coaching turn against the server under measurement: the time from sending it
// to the first `delta` event, and to the `turn` event that ends it.
import { performance } from 'node:perf_hooks';

export interface StreamTimes {
  readonly firstDeltaMs: number;
  readonly fullReplyMs: number;
}

export async function timeStreamedTurn(
  url: string,
  bearer: string,
  conversationId: string,
  userMessage: string,
): Promise<StreamTimes> {
  const started = performance.now();
  const response = await fetch(`${url}/api/v1/conversations/${conversationId}/message`, {
    method: 'POST',
    headers: {
      Authorization: `Bearer ${bearer}`,
      'Content-Type': 'application/json',
      Accept: 'text/event-stream',
    },
    body: JSON.stringify({ user_message: userMessage }),
  });
  if (response.status !== 200 || !response.body) {
    throw new Error(`a streamed turn answered ${response.status}: ${await response.text()}`);
  }
  let text = '';
  let firstDeltaMs: number | undefined;
  for await (const chunk of response.body.pipeThrough(new TextDecoderStream())) {
    text += chunk;
    firstDeltaMs ??= text.includes('event: delta\n') ? performance.now() - started : undefined;
    if (text.includes('event: error\n')) throw new Error(`a streamed turn failed: ${text}`);
    if (text.includes('event: turn\n') && text.endsWith('\n\n')) break;
  }
  if (firstDeltaMs === undefined) throw new Error(`a streamed turn sent no delta: ${text}`);
  return { firstDeltaMs, fullReplyMs: performance.now() - started };
}

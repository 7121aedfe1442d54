// The chunks of a streamed chat completion: server-sent events whose `data:` lines each hold
// one JSON chunk, ended by `data: [DONE]`. Lines may be cut anywhere between network reads.

export interface CompletionChunk {
  readonly choices?: readonly { readonly delta?: { readonly content?: string | null } }[];
  readonly usage?: {
    readonly prompt_tokens?: number;
    readonly completion_tokens?: number;
    readonly prompt_tokens_details?: { readonly cached_tokens?: number } | null;
  };
  /** Some servers report a failure mid-stream as a chunk of its own. */
  readonly error?: unknown;
}

/** The events' data, one string per event (its `data:` lines joined by newlines). */
export async function* eventData(body: AsyncIterable<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let buffer = '';
  let data: string[] = [];
  const lines = function* (final: boolean) {
    for (;;) {
      const end = /\r\n|\r|\n/.exec(buffer);
      // A lone \r at the end may be the first half of \r\n: wait for the next read.
      if (!end || (!final && end.index === buffer.length - 1 && end[0] === '\r')) return;
      yield buffer.slice(0, end.index);
      buffer = buffer.slice(end.index + end[0].length);
    }
  };
  const take = function* (line: string) {
    if (line === '') {
      if (data.length > 0) yield data.join('\n');
      data = [];
    } else if (line.startsWith('data:')) {
      data.push(line.slice(line[5] === ' ' ? 6 : 5));
    } // comments (":"), event names and ids carry nothing a completion needs
  };
  for await (const bytes of body) {
    buffer += decoder.decode(bytes, { stream: true });
    for (const line of lines(false)) yield* take(line);
  }
  buffer += decoder.decode();
  for (const line of lines(true)) yield* take(line);
  if (buffer !== '') yield* take(buffer);
  yield* take('');
}

/** Each JSON chunk of the completion, until `[DONE]` or the end of the body. */
export async function* completionChunks(response: Response): AsyncGenerator<CompletionChunk> {
  if (!response.body) return;
  for await (const data of eventData(response.body)) {
    if (data.trim() === '[DONE]') return;
    yield JSON.parse(data) as CompletionChunk;
  }
}

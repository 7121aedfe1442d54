// Reading server-sent events the way the contract writes them, independently of the app's
// writer: blocks separated by a blank line, `event: <name>`, exactly one `data:` line of JSON,
// and comment lines (`: keep-alive`) that are not events. `openEventStream` reads a live
// response event by event, so a test can act between two events.
import type { TestApi } from './harness.js';

export interface ServerEvent {
  readonly event: string;
  readonly data: unknown;
}

export interface ParsedStream {
  readonly events: ServerEvent[];
  readonly comments: string[];
  /** Everything that breaks the contract's form of an event. */
  readonly problems: string[];
  /** Text after the last complete block (a stream cut short, or still arriving). */
  readonly rest: string;
}

/** The text of each `delta` event, in order. */
export const deltaTexts = (events: readonly ServerEvent[]) =>
  events.filter((e) => e.event === 'delta').map((e) => (e.data as { text: string }).text);

export function parseEventStream(text: string): ParsedStream {
  const events: ServerEvent[] = [];
  const comments: string[] = [];
  const problems: string[] = [];
  const blocks = text.split(/\r\n\r\n|\n\n|\r\r/);
  const rest = blocks.pop() ?? '';
  for (const block of blocks) {
    let name: string | undefined;
    const data: string[] = [];
    for (const line of block.split(/\r\n|\n|\r/)) {
      if (line.startsWith(':')) comments.push(line.slice(1).trim());
      else if (line.startsWith('event:')) name = line.slice(6).trim();
      else if (line.startsWith('data:')) data.push(line.slice(line[5] === ' ' ? 6 : 5));
      else if (line !== '') problems.push(`a line that is no SSE field: ${line.slice(0, 80)}`);
    }
    if (name === undefined && data.length === 0) continue;
    if (name === undefined) problems.push(`an event without a name: ${block.slice(0, 80)}`);
    if (data.length !== 1) problems.push(`event ${name} has ${data.length} data lines`);
    try {
      events.push({ event: name ?? 'message', data: JSON.parse(data.join('\n')) });
    } catch {
      problems.push(`event ${name} has data that is not JSON: ${data.join('\n').slice(0, 80)}`);
    }
  }
  return { events, comments, problems, rest };
}

export interface OpenStream {
  readonly status: number;
  readonly headers: Headers;
  /** The next event, waiting for it; undefined once the stream has ended. */
  next(): Promise<ServerEvent | undefined>;
  /** Reads to the end; every event (those already taken by next() included), comments, text. */
  rest(): Promise<ParsedStream & { readonly text: string }>;
  /** Hangs up, as a client that closes its tab. */
  abort(): void;
}

/**
 * Sends a request that asks for the stream. A JSON answer (an error before the stream) is read
 * whole and checked against the served document as any other; a stream is checked once read.
 */
export async function openEventStream(
  api: TestApi,
  path: string,
  options: { token: string; body: unknown; headers?: Record<string, string> },
): Promise<OpenStream> {
  const controller = new AbortController();
  const response = await fetch(`${api.url}${path}`, {
    method: 'POST',
    headers: {
      Authorization: `Bearer ${options.token}`,
      'Content-Type': 'application/json',
      Accept: 'text/event-stream',
      ...options.headers,
    },
    body: JSON.stringify(options.body),
    signal: controller.signal,
  });
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let text = '';
  let taken = 0;
  let ended = false;
  const read = async (): Promise<boolean> => {
    if (ended) return false;
    const chunk = await reader.read();
    if (chunk.done) ended = true;
    else text += chunk.value;
    return !chunk.done;
  };
  const checked = async () => {
    while (await read());
    await api.expectDocumented({
      method: 'POST',
      path,
      status: response.status,
      header: (name) => response.headers.get(name),
      text,
    });
    return { ...parseEventStream(text), text };
  };
  return {
    status: response.status,
    headers: response.headers,
    async next() {
      for (;;) {
        const { events } = parseEventStream(text);
        if (events.length > taken) return events[taken++];
        if (!(await read())) return undefined;
      }
    },
    rest: checked,
    abort: () => controller.abort(),
  };
}

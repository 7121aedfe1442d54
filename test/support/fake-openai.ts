// A fake OpenAI-compatible server (the chat-completions API Ollama, vLLM and llama.cpp serve) on
// loopback. It records every request and answers from a script: JSON content (valid or not),
// raw text, an HTTP error with headers, or a delay.
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type OpenAiAnswer =
  /** A completion whose message content is this value as JSON. */
  | { readonly json: unknown; readonly usage?: { prompt: number; completion: number } }
  /** A completion whose message content is this text as is. */
  | { readonly content: string; readonly usage?: { prompt: number; completion: number } }
  | {
      readonly status: number;
      readonly body?: unknown;
      readonly headers?: Record<string, string>;
    }
  | { readonly delayMs: number; readonly then: OpenAiAnswer };

export interface ChatRequest {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: {
    model: string;
    messages: { role: string; content: string }[];
    temperature?: number;
    max_tokens?: number;
    response_format?: {
      type: string;
      json_schema?: { name: string; schema: { required?: string[] }; strict?: boolean };
    };
  };
}

export interface FakeOpenAi {
  /** The base URL to configure (OPENAI_BASE_URL), ending in /v1. */
  readonly url: string;
  readonly requests: ChatRequest[];
  script(...answers: OpenAiAnswer[]): void;
  otherwise(answer: OpenAiAnswer): void;
  reset(): void;
  close(): Promise<void>;
}

const unscripted: OpenAiAnswer = {
  status: 500,
  body: { error: { message: 'the fake OpenAI server has no scripted answer' } },
};

export async function startFakeOpenAi(): Promise<FakeOpenAi> {
  const requests: ChatRequest[] = [];
  let queue: OpenAiAnswer[] = [];
  let fallback = unscripted;
  const timers = new Set<NodeJS.Timeout>();

  function respond(answer: OpenAiAnswer, res: ServerResponse): void {
    if (res.destroyed) return;
    if ('delayMs' in answer) {
      const timer = setTimeout(() => {
        timers.delete(timer);
        respond(answer.then, res);
      }, answer.delayMs);
      timers.add(timer);
      return;
    }
    if ('status' in answer) {
      res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
      res.end(JSON.stringify(answer.body ?? { error: { message: `HTTP ${answer.status}` } }));
      return;
    }
    const content = 'json' in answer ? JSON.stringify(answer.json) : answer.content;
    const usage = answer.usage ?? { prompt: 150, completion: 30 };
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        id: `chatcmpl-${requests.length}`,
        object: 'chat.completion',
        choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
        usage: {
          prompt_tokens: usage.prompt,
          completion_tokens: usage.completion,
          total_tokens: usage.prompt + usage.completion,
        },
      }),
    );
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (req.method === 'GET' && req.url === '/v1/models') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ object: 'list', data: [{ id: 'fake-model', object: 'model' }] }));
        return;
      }
      if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
        respond({ status: 404, body: { error: { message: `no route ${req.url}` } } }, res);
        return;
      }
      requests.push({
        path: req.url,
        headers: req.headers,
        body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as ChatRequest['body'],
      });
      respond(queue.shift() ?? fallback, res);
    });
  });
  server.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    script: (...answers) => void queue.push(...answers),
    otherwise: (answer) => {
      fallback = answer;
    },
    reset() {
      requests.length = 0;
      queue = [];
      fallback = unscripted;
    },
    async close() {
      for (const timer of timers) clearTimeout(timer);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

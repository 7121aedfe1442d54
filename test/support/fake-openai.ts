// A fake OpenAI-compatible server (the chat-completions API Ollama, vLLM and llama.cpp serve) on
// loopback. It records every request and answers from a script: JSON content (valid or not),
// raw text, an HTTP error with headers, or a delay. A request with `stream: true` gets its
// answer as server-sent chunks (`data: {…}` … `data: [DONE]`), in the pieces a script names,
// with pauses, a hold the test releases, or a connection that breaks off midway.
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { jsonPieces } from './fake-answers.js';

/** Tokens a completion reports; `cached` (part of `prompt`) as prompt_tokens_details.cached_tokens. */
export interface OpenAiUsage {
  readonly prompt: number;
  readonly completion: number;
  readonly cached?: number;
}

/** The usage object as OpenAI's API writes it. */
const usageBody = (usage: OpenAiUsage) => ({
  prompt_tokens: usage.prompt,
  completion_tokens: usage.completion,
  total_tokens: usage.prompt + usage.completion,
  ...(usage.cached === undefined ? {} : { prompt_tokens_details: { cached_tokens: usage.cached } }),
});

export type OpenAiAnswer =
  /** A completion whose message content is this value as JSON. */
  | { readonly json: unknown; readonly usage?: OpenAiUsage }
  /** A completion whose message content is this text as is. */
  | { readonly content: string; readonly usage?: OpenAiUsage }
  | {
      readonly status: number;
      readonly body?: unknown;
      readonly headers?: Record<string, string>;
    }
  | { readonly delayMs: number; readonly then: OpenAiAnswer }
  /** A streamed answer, step by step (an unstreamed request gets the pieces joined). */
  | {
      readonly stream: readonly OpenAiStreamStep[];
      readonly usage?: OpenAiUsage;
    };

export type OpenAiStreamStep =
  /** The next piece of the message content. */
  | { readonly content: string }
  | { readonly until: Promise<unknown> }
  /** The connection breaks off here, without [DONE]. */
  | { readonly breakOff: true };

/** JSON content cut into `count` pieces anywhere. */
export function contentPieces(value: unknown, count = 4): OpenAiStreamStep[] {
  return jsonPieces(value, count).map((content) => ({ content }));
}

export interface ChatRequest {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: {
    model: string;
    stream?: boolean;
    stream_options?: { include_usage?: boolean };
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

/** The app's environment for coaching through the fake OpenAI-compatible server. */
export const fakeOpenAiEnv = (fake: FakeOpenAi): Record<string, string> => ({
  DEFAULT_LLM_PROVIDER: 'openai',
  OPENAI_BASE_URL: fake.url,
  OPENAI_MODEL: 'llama3.1:8b',
  LLM_MAX_ATTEMPTS: '1',
});

export async function startFakeOpenAi(): Promise<FakeOpenAi> {
  const requests: ChatRequest[] = [];
  let queue: OpenAiAnswer[] = [];
  let fallback = unscripted;
  const timers = new Set<NodeJS.Timeout>();

  async function stream(
    answer: Extract<OpenAiAnswer, { stream: unknown }>,
    request: ChatRequest,
    res: ServerResponse,
  ): Promise<void> {
    const id = `chatcmpl-${requests.length}`;
    const chunk = (body: object) => res.write(`data: ${JSON.stringify({ id, ...body })}\n\n`);
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    chunk({ choices: [{ index: 0, delta: { role: 'assistant', content: '' } }] });
    for (const step of answer.stream) {
      if (res.destroyed) return;
      if ('until' in step) await step.until;
      else if ('breakOff' in step) {
        res.socket?.destroy();
        return;
      } else chunk({ choices: [{ index: 0, delta: { content: step.content } }] });
    }
    chunk({ choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] });
    if (request.body.stream_options?.include_usage) {
      const usage = answer.usage ?? { prompt: 150, completion: 30 };
      chunk({ choices: [], usage: usageBody(usage) });
    }
    res.end('data: [DONE]\n\n');
  }

  function respond(answer: OpenAiAnswer, res: ServerResponse, request?: ChatRequest): void {
    if (res.destroyed) return;
    if (request?.body.stream) {
      if ('json' in answer) {
        return respond({ stream: contentPieces(answer.json), usage: answer.usage }, res, request);
      }
      if ('content' in answer) {
        return respond(
          { stream: [{ content: answer.content }], usage: answer.usage },
          res,
          request,
        );
      }
      if ('stream' in answer) {
        void stream(answer, request, res);
        return;
      }
    }
    if ('stream' in answer) {
      const content = answer.stream.map((s) => ('content' in s ? s.content : '')).join('');
      return respond({ content, usage: answer.usage }, res, request);
    }
    if ('delayMs' in answer) {
      const timer = setTimeout(() => {
        timers.delete(timer);
        respond(answer.then, res, request);
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
        usage: usageBody(usage),
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
      const request: ChatRequest = {
        path: req.url,
        headers: req.headers,
        body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as ChatRequest['body'],
      };
      requests.push(request);
      respond(queue.shift() ?? fallback, res, request);
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

// A fake Amazon Bedrock runtime on loopback, speaking h2c (HTTP/2 without TLS) as the real SDK
// client expects. It records every Converse and ConverseStream request and answers from a
// script: a tool call with any input (valid or not), a text answer, a Bedrock error
// (ThrottlingException, …), a delay, or a wait for the test's own signal (so a race test
// decides when the model has answered). ConverseStream answers are AWS event-stream messages
// (the binary framing the SDK decodes), sent in pieces a test can pace, hold and release, with
// an exception event mid-stream if scripted.
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { crc32 } from 'node:zlib';
import { jsonPieces } from './fake-answers.js';
import {
  createPromptCacheModel,
  fakeTokens,
  RefusedRequest,
  type InputBill,
} from './fake-bedrock-cache.js';

export interface FakeUsage {
  readonly inputTokens: number;
  readonly outputTokens: number;
}

export type BedrockAnswer =
  /** A tool call; `name` defaults to the tool the request forced (or its first tool). */
  | { readonly tool: unknown; readonly name?: string; readonly usage?: FakeUsage }
  | { readonly text: string; readonly usage?: FakeUsage }
  /** A Bedrock error by its type name; the HTTP status is the real service's for that type. */
  | { readonly error: string; readonly message?: string; readonly status?: number }
  /** Waits before answering (or until the client gives up). */
  | { readonly delayMs: number; readonly then: BedrockAnswer }
  /** Answers once `until` settles: a slow model whose answer the test releases. */
  | { readonly until: Promise<unknown>; readonly then: BedrockAnswer }
  /** A ConverseStream answer, step by step (a Converse request gets it whole, unpaced). */
  | { readonly stream: readonly StreamStep[]; readonly name?: string; readonly usage?: FakeUsage };

/** One step of a streamed answer. */
export type StreamStep =
  /** The next piece of the tool input's JSON text. */
  | { readonly toolInput: string }
  /** The next piece of a text answer. */
  | { readonly text: string }
  | { readonly delayMs: number }
  /** Sends nothing until `until` settles (the model is silent). */
  | { readonly until: Promise<unknown> }
  /** A Bedrock exception event (e.g. ThrottlingException); the stream ends with it. */
  | { readonly error: string; readonly message?: string };

/** The tool input's JSON text cut into `count` pieces, anywhere (a surrogate pair's middle too). */
export function toolPieces(input: unknown, count = 4): StreamStep[] {
  return jsonPieces(input, count).map((toolInput) => ({ toolInput }));
}

/** A scripted answer, or one computed from the request (e.g. to echo something back). */
export type Responder = BedrockAnswer | ((request: ConverseRequest) => BedrockAnswer);

export interface ConverseContent {
  readonly text?: string;
  readonly cachePoint?: { type: string };
  readonly toolUse?: { toolUseId: string; name: string; input: unknown };
  readonly toolResult?: { toolUseId: string; status?: string; content: { text?: string }[] };
}

export interface ConverseMessage {
  readonly role: 'user' | 'assistant';
  readonly content: ConverseContent[];
}

/** What the fake received: the model from the path, and the Converse body as sent. */
export interface ConverseRequest {
  readonly modelId: string;
  readonly streamed: boolean;
  readonly headers: http2.IncomingHttpHeaders;
  readonly messages: ConverseMessage[];
  readonly system?: { text?: string; cachePoint?: { type: string } }[];
  readonly inferenceConfig?: { temperature?: number; maxTokens?: number };
  readonly toolConfig?: {
    tools: {
      toolSpec?: { name: string; description?: string; inputSchema: { json: unknown } };
      cachePoint?: { type: string };
    }[];
    toolChoice?: { tool?: { name: string }; any?: object; auto?: object };
  };
}

const errorStatus: Readonly<Record<string, number>> = {
  ThrottlingException: 429,
  ModelNotReadyException: 429,
  ServiceUnavailableException: 503,
  InternalServerException: 500,
  ModelTimeoutException: 408,
  ValidationException: 400,
  ServiceQuotaExceededException: 400,
  AccessDeniedException: 403,
  ResourceNotFoundException: 404,
  ModelErrorException: 424,
};

const defaultUsage: FakeUsage = { inputTokens: 120, outputTokens: 40 };
const noBill: InputBill = {
  inputTokens: 0,
  cacheReadInputTokens: 0,
  cacheWriteInputTokens: 0,
  cached: false,
};

export interface FakeBedrockOptions {
  /**
   * `scripted` (the default): usage is the answer's own, or 120 in and 40 out. `content`: the
   * input is counted from the request and billed with prompt caching as Bedrock does
   * (fake-bedrock-cache.ts); the output from the answer, unless the script names it.
   */
  readonly accounting?: 'scripted' | 'content';
}

/** A Converse usage object: the answer's tokens, and the cache's when the request used it. */
type Usage = FakeUsage & { cacheReadInputTokens?: number; cacheWriteInputTokens?: number };

const usageBody = (usage: Usage) => ({
  ...usage,
  totalTokens:
    usage.inputTokens +
    usage.outputTokens +
    (usage.cacheReadInputTokens ?? 0) +
    (usage.cacheWriteInputTokens ?? 0),
});

export interface FakeBedrock {
  /** The endpoint to give the client (BEDROCK_ENDPOINT). */
  readonly url: string;
  /** Every Converse and ConverseStream request received, in order. */
  readonly requests: ConverseRequest[];
  /** What each request's input was billed (in `content` accounting), in the same order. */
  readonly bills: InputBill[];
  /** How many content pieces the fake has sent on streams so far. */
  readonly piecesSent: () => number;
  /** How many requests their caller gave up on before the whole answer was sent. */
  readonly cancelled: () => number;
  /** Queues answers, used one per request in order. */
  script(...answers: Responder[]): void;
  /** The answer once the script is used up (by default: a 500 saying nothing was scripted). */
  otherwise(answer: Responder): void;
  /** Forgets requests, the script and the default answer. */
  reset(): void;
  close(): Promise<void>;
}

/**
 * The app's environment for coaching through this fake: one attempt a call, on `model` (the
 * only one allowed; by default a Haiku model without prompt caching).
 */
export const fakeBedrockEnv = (
  fake: FakeBedrock,
  model = 'anthropic.claude-3-haiku-20240307-v1:0',
): Record<string, string> => ({
  DEFAULT_LLM_PROVIDER: 'bedrock',
  BEDROCK_ENDPOINT: fake.url,
  DEFAULT_LLM_MODEL: model,
  LLM_MAX_ATTEMPTS: '1',
});

let toolUseCounter = 0;

function answerBody(answer: BedrockAnswer, request: ConverseRequest, usage: Usage): object {
  if ('text' in answer) {
    return {
      output: { message: { role: 'assistant', content: [{ text: answer.text }] } },
      stopReason: 'end_turn',
      usage: usageBody(usage),
      metrics: { latencyMs: 1 },
    };
  }
  const tool = answer as { tool: unknown; name?: string };
  const name =
    tool.name ??
    request.toolConfig?.toolChoice?.tool?.name ??
    request.toolConfig?.tools[0]?.toolSpec?.name ??
    'tool';
  return {
    output: {
      message: {
        role: 'assistant',
        content: [
          { toolUse: { toolUseId: `tooluse_${++toolUseCounter}`, name, input: tool.tool } },
        ],
      },
    },
    stopReason: 'tool_use',
    usage: usageBody(usage),
    metrics: { latencyMs: 1 },
  };
}

/** One AWS event-stream message: prelude, string headers, payload, each with its CRC32. */
function eventStreamMessage(headers: Readonly<Record<string, string>>, payload: object): Buffer {
  const headerBytes = Buffer.concat(
    Object.entries(headers).map(([name, value]) => {
      const n = Buffer.from(name, 'utf8');
      const v = Buffer.from(value, 'utf8');
      const bytes = Buffer.alloc(4 + n.length + v.length);
      bytes.writeUInt8(n.length, 0);
      n.copy(bytes, 1);
      bytes.writeUInt8(7, 1 + n.length); // 7: a string value
      bytes.writeUInt16BE(v.length, 2 + n.length);
      v.copy(bytes, 4 + n.length);
      return bytes;
    }),
  );
  const body = Buffer.from(JSON.stringify(payload), 'utf8');
  const prelude = Buffer.alloc(12);
  prelude.writeUInt32BE(12 + headerBytes.length + body.length + 4, 0);
  prelude.writeUInt32BE(headerBytes.length, 4);
  prelude.writeUInt32BE(crc32(prelude.subarray(0, 8)), 8);
  const message = Buffer.concat([prelude, headerBytes, body]);
  const trailer = Buffer.alloc(4);
  trailer.writeUInt32BE(crc32(message), 0);
  return Buffer.concat([message, trailer]);
}

const event = (type: string, payload: object) =>
  eventStreamMessage(
    { ':event-type': type, ':content-type': 'application/json', ':message-type': 'event' },
    payload,
  );

const exception = (type: string, message: string) =>
  eventStreamMessage(
    {
      ':exception-type': type.replace(/^./, (c) => c.toLowerCase()),
      ':content-type': 'application/json',
      ':message-type': 'exception',
    },
    { message },
  );

/** The steps of a whole answer, for a stream request scripted with an unstreamed one. */
function stepsOf(answer: BedrockAnswer): readonly StreamStep[] | undefined {
  if ('stream' in answer) return answer.stream;
  if ('tool' in answer) return toolPieces(answer.tool);
  if ('text' in answer) {
    const size = Math.ceil(answer.text.length / 4) || 1;
    const steps: StreamStep[] = [];
    for (let i = 0; i < answer.text.length; i += size) {
      steps.push({ text: answer.text.slice(i, i + size) });
    }
    return steps;
  }
  return undefined;
}

/** A streamed answer given whole: its pieces joined into one tool input or one text. */
function wholeOf(answer: {
  readonly stream: readonly StreamStep[];
  readonly name?: string;
  readonly usage?: FakeUsage;
}): BedrockAnswer {
  const input = answer.stream.map((s) => ('toolInput' in s ? s.toolInput : '')).join('');
  const text = answer.stream.map((s) => ('text' in s ? s.text : '')).join('');
  return input
    ? { tool: JSON.parse(input) as unknown, name: answer.name, usage: answer.usage }
    : { text, usage: answer.usage };
}

/** The answer's text as the model would have written it (what its output tokens count). */
function answerText(answer: BedrockAnswer): string {
  if ('tool' in answer) return JSON.stringify(answer.tool);
  if ('text' in answer) return answer.text;
  if ('stream' in answer)
    return answer.stream
      .map((s) => ('toolInput' in s ? s.toolInput : 'text' in s ? s.text : ''))
      .join('');
  return '';
}

export async function startFakeBedrock(options: FakeBedrockOptions = {}): Promise<FakeBedrock> {
  const requests: ConverseRequest[] = [];
  const bills: InputBill[] = [];
  const promptCache = createPromptCacheModel();
  /** What the answer reports it used; the bill is the request's, made when it arrived. */
  const usageOf = (answer: BedrockAnswer, bill: InputBill): Usage => {
    const scripted = (answer as { usage?: FakeUsage }).usage;
    if (options.accounting !== 'content') return scripted ?? defaultUsage;
    return {
      inputTokens: bill.inputTokens,
      outputTokens: scripted?.outputTokens ?? fakeTokens(answerText(answer)),
      ...(bill.cached
        ? {
            cacheReadInputTokens: bill.cacheReadInputTokens,
            cacheWriteInputTokens: bill.cacheWriteInputTokens,
          }
        : {}),
    };
  };
  let queue: Responder[] = [];
  let fallback: Responder = {
    error: 'InternalServerException',
    message: 'the fake Bedrock has no scripted answer',
  };
  const timers = new Set<NodeJS.Timeout>();
  const sessions = new Set<http2.ServerHttp2Session>();
  let piecesSent = 0;
  let cancelled = 0;

  const server = http2.createServer();
  server.on('session', (session) => {
    sessions.add(session);
    session.on('close', () => sessions.delete(session));
  });
  server.on('request', (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const match = /^\/model\/([^/]+)\/(converse|converse-stream)$/.exec(req.url);
      if (req.method !== 'POST' || !match) {
        res.writeHead(404, {
          'content-type': 'application/json',
          'x-amzn-errortype': 'UnknownOperationException',
        });
        res.end(JSON.stringify({ message: `no route ${req.method} ${req.url}` }));
        return;
      }
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Omit<
        ConverseRequest,
        'modelId' | 'headers'
      >;
      const request: ConverseRequest = {
        ...body,
        modelId: decodeURIComponent(match[1]!),
        streamed: match[2] === 'converse-stream',
        headers: req.headers,
      };
      requests.push(request);
      res.stream.once('close', () => {
        if (!res.writableEnded) cancelled++;
      });
      const next = queue.shift() ?? fallback;
      let bill: InputBill;
      try {
        bill = promptCache.bill(request);
      } catch (error) {
        if (!(error instanceof RefusedRequest)) throw error;
        const refusal = { error: 'ValidationException', message: error.message };
        respond(refusal, request, res, noBill);
        return;
      }
      bills.push(bill);
      respond(typeof next === 'function' ? next(request) : next, request, res, bill);
    });
  });

  function respond(
    answer: BedrockAnswer,
    request: ConverseRequest,
    res: http2.Http2ServerResponse,
    bill: InputBill,
  ) {
    if (res.stream.destroyed) return;
    if ('until' in answer) {
      void answer.until.then(() => respond(answer.then, request, res, bill));
      return;
    }
    if ('delayMs' in answer) {
      const timer = setTimeout(() => {
        timers.delete(timer);
        respond(answer.then, request, res, bill);
      }, answer.delayMs);
      timers.add(timer);
      return;
    }
    if (request.streamed) {
      const steps = stepsOf(answer);
      if (steps) {
        void stream(steps, answer as { name?: string }, usageOf(answer, bill), request, res);
        return;
      }
    } else if ('stream' in answer) {
      respond(wholeOf(answer), request, res, bill);
      return;
    }
    if ('error' in answer) {
      res.writeHead(answer.status ?? errorStatus[answer.error] ?? 400, {
        'content-type': 'application/json',
        'x-amzn-errortype': answer.error,
        'x-amzn-requestid': `fake-${requests.length}`,
      });
      res.end(
        JSON.stringify({ message: answer.message ?? `${answer.error} from the fake Bedrock` }),
      );
      return;
    }
    res.writeHead(200, {
      'content-type': 'application/json',
      'x-amzn-requestid': `fake-${requests.length}`,
    });
    res.end(JSON.stringify(answerBody(answer, request, usageOf(answer, bill))));
  }

  /** Sends a ConverseStream answer event by event, pacing it as its steps say. */
  async function stream(
    steps: readonly StreamStep[],
    answer: { readonly name?: string },
    usage: Usage,
    request: ConverseRequest,
    res: http2.Http2ServerResponse,
  ): Promise<void> {
    const toolName =
      answer.name ??
      request.toolConfig?.toolChoice?.tool?.name ??
      request.toolConfig?.tools[0]?.toolSpec?.name ??
      'tool';
    const gone = () => res.stream.destroyed || res.stream.closed;
    res.writeHead(200, {
      'content-type': 'application/vnd.amazon.eventstream',
      'x-amzn-requestid': `fake-${requests.length}`,
    });
    res.write(event('messageStart', { role: 'assistant' }));
    let index = -1;
    let open: 'toolInput' | 'text' | undefined;
    const startBlock = (kind: 'toolInput' | 'text') => {
      if (open) res.write(event('contentBlockStop', { contentBlockIndex: index }));
      index++;
      open = kind;
      if (kind === 'toolInput') {
        res.write(
          event('contentBlockStart', {
            contentBlockIndex: index,
            start: { toolUse: { toolUseId: `tooluse_${++toolUseCounter}`, name: toolName } },
          }),
        );
      }
    };
    let stopReason = 'end_turn';
    for (const step of steps) {
      if (gone()) return;
      if ('delayMs' in step) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(() => {
            timers.delete(timer);
            resolve();
          }, step.delayMs);
          timers.add(timer);
        });
      } else if ('until' in step) {
        await Promise.race([
          step.until,
          new Promise((resolve) => res.stream.once('close', resolve)),
        ]);
      } else if ('error' in step) {
        res.end(exception(step.error, step.message ?? `${step.error} from the fake Bedrock`));
        return;
      } else {
        const kind = 'toolInput' in step ? 'toolInput' : 'text';
        if (open !== kind) startBlock(kind);
        if (kind === 'toolInput') stopReason = 'tool_use';
        const delta =
          'toolInput' in step ? { toolUse: { input: step.toolInput } } : { text: step.text };
        res.write(event('contentBlockDelta', { contentBlockIndex: index, delta }));
        piecesSent++;
      }
    }
    if (gone()) return;
    if (open) res.write(event('contentBlockStop', { contentBlockIndex: index }));
    res.write(event('messageStop', { stopReason }));
    res.end(event('metadata', { usage: usageBody(usage), metrics: { latencyMs: 1 } }));
  }

  server.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    bills,
    piecesSent: () => piecesSent,
    cancelled: () => cancelled,
    script: (...answers) => void queue.push(...answers),
    otherwise: (answer) => {
      fallback = answer;
    },
    reset() {
      requests.length = 0;
      bills.length = 0;
      promptCache.clear();
      piecesSent = 0;
      cancelled = 0;
      queue = [];
      fallback = {
        error: 'InternalServerException',
        message: 'the fake Bedrock has no scripted answer',
      };
    },
    async close() {
      for (const timer of timers) clearTimeout(timer);
      for (const session of sessions) session.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

// A fake Amazon Bedrock runtime on loopback, speaking h2c (HTTP/2 without TLS) as the real SDK
// client expects. It records every Converse request and answers from a script: a tool call with
// any input (valid or not), a text answer, a Bedrock error (ThrottlingException, …), a delay, or
// a wait for the test's own signal (so a race test decides when the model has answered).
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';

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
  | { readonly until: Promise<unknown>; readonly then: BedrockAnswer };

/** A scripted answer, or one computed from the request (e.g. to echo something back). */
export type Responder = BedrockAnswer | ((request: ConverseRequest) => BedrockAnswer);

export interface ConverseContent {
  readonly text?: string;
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
  readonly headers: http2.IncomingHttpHeaders;
  readonly messages: ConverseMessage[];
  readonly system?: { text: string }[];
  readonly inferenceConfig?: { temperature?: number; maxTokens?: number };
  readonly toolConfig?: {
    tools: { toolSpec: { name: string; description?: string; inputSchema: { json: unknown } } }[];
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

export interface FakeBedrock {
  /** The endpoint to give the client (BEDROCK_ENDPOINT). */
  readonly url: string;
  /** Every Converse request received, in order. */
  readonly requests: ConverseRequest[];
  /** Queues answers, used one per request in order. */
  script(...answers: Responder[]): void;
  /** The answer once the script is used up (by default: a 500 saying nothing was scripted). */
  otherwise(answer: Responder): void;
  /** Forgets requests, the script and the default answer. */
  reset(): void;
  close(): Promise<void>;
}

/** The app's environment for coaching through this fake: one attempt a call, a Haiku model. */
export const fakeBedrockEnv = (fake: FakeBedrock): Record<string, string> => ({
  DEFAULT_LLM_PROVIDER: 'bedrock',
  BEDROCK_ENDPOINT: fake.url,
  DEFAULT_LLM_MODEL: 'anthropic.claude-3-haiku-20240307-v1:0',
  LLM_MAX_ATTEMPTS: '1',
});

let toolUseCounter = 0;

function answerBody(answer: BedrockAnswer, request: ConverseRequest): object {
  if ('text' in answer) {
    const usage = answer.usage ?? defaultUsage;
    return {
      output: { message: { role: 'assistant', content: [{ text: answer.text }] } },
      stopReason: 'end_turn',
      usage: { ...usage, totalTokens: usage.inputTokens + usage.outputTokens },
      metrics: { latencyMs: 1 },
    };
  }
  const tool = answer as { tool: unknown; name?: string; usage?: FakeUsage };
  const usage = tool.usage ?? defaultUsage;
  const name =
    tool.name ??
    request.toolConfig?.toolChoice?.tool?.name ??
    request.toolConfig?.tools[0]?.toolSpec.name ??
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
    usage: { ...usage, totalTokens: usage.inputTokens + usage.outputTokens },
    metrics: { latencyMs: 1 },
  };
}

export async function startFakeBedrock(): Promise<FakeBedrock> {
  const requests: ConverseRequest[] = [];
  let queue: Responder[] = [];
  let fallback: Responder = {
    error: 'InternalServerException',
    message: 'the fake Bedrock has no scripted answer',
  };
  const timers = new Set<NodeJS.Timeout>();
  const sessions = new Set<http2.ServerHttp2Session>();

  const server = http2.createServer();
  server.on('session', (session) => {
    sessions.add(session);
    session.on('close', () => sessions.delete(session));
  });
  server.on('request', (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const match = /^\/model\/([^/]+)\/converse$/.exec(req.url);
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
        headers: req.headers,
      };
      requests.push(request);
      const next = queue.shift() ?? fallback;
      respond(typeof next === 'function' ? next(request) : next, request, res);
    });
  });

  function respond(
    answer: BedrockAnswer,
    request: ConverseRequest,
    res: http2.Http2ServerResponse,
  ) {
    if (res.stream.destroyed) return;
    if ('until' in answer) {
      void answer.until.then(() => respond(answer.then, request, res));
      return;
    }
    if ('delayMs' in answer) {
      const timer = setTimeout(() => {
        timers.delete(timer);
        respond(answer.then, request, res);
      }, answer.delayMs);
      timers.add(timer);
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
    res.end(JSON.stringify(answerBody(answer, request)));
  }

  server.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    script: (...answers) => void queue.push(...answers),
    otherwise: (answer) => {
      fallback = answer;
    },
    reset() {
      requests.length = 0;
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

// The Amazon Bedrock adapter: the Converse API with a forced tool call whose input schema is
// generated from the request's zod schema; the answer is validated, repaired once, and every
// failure becomes a 503 (transient) or a 502 (unusable), carrying the tokens already used; and
// where each request gets its prompt-cache points (below).
import {
  BedrockRuntimeClient,
  ConverseCommand,
  ConverseStreamCommand,
  type ContentBlock,
  type ConverseCommandOutput,
  type ConverseStreamOutput,
  type Message,
  type ToolChoice,
  type SystemContentBlock,
  type Tool,
} from '@aws-sdk/client-bedrock-runtime';
import { NodeHttp2Handler } from '@smithy/node-http-handler';
import { noUsage, type TokenUsage } from '../domain/kernel.js';
import { LlmBadResponseError, ServiceUnavailableError } from '../errors.js';
import type { ModelSettings } from '../prompts/template.js';
import type {
  ChatMessage,
  LlmProvider,
  StreamSink,
  StructuredRequest,
  StructuredResult,
} from './port.js';
import { baseModelId } from './pricing.js';
import type { StreamedField } from './streamed-field.js';
import {
  answerWithOneRepair,
  outputJsonSchema,
  parseJsonAnswer,
  repairInstruction,
  type CallBudget,
  type ModelReply,
} from './structured.js';

export interface BedrockClientOptions {
  readonly region: string;
  /** A Bedrock-compatible endpoint (a VPC endpoint, or a fake on loopback in tests). */
  readonly endpoint?: string;
  /** Attempts per model call, the first included (the SDK's standard retry strategy). */
  readonly maxAttempts: number;
  readonly timeoutMs: number;
  /** Fixed credentials for a stand-in (a fake Bedrock in tests), which accepts any key. */
  readonly localCredentials?: boolean;
}

export function createBedrockClient(options: BedrockClientOptions): BedrockRuntimeClient {
  return new BedrockRuntimeClient({
    region: options.region,
    endpoint: options.endpoint,
    maxAttempts: options.maxAttempts,
    retryMode: 'standard',
    requestHandler: new NodeHttp2Handler({
      requestTimeout: options.timeoutMs,
      sessionTimeout: 60_000,
    }),
    // Without fixed credentials, AWS's default provider chain signs the calls.
    ...(options.localCredentials
      ? { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }
      : {}),
  });
}

export interface BedrockProviderOptions {
  readonly client: BedrockRuntimeClient;
  readonly defaultModel: string;
  readonly allowedModels: readonly string[];
  /** The whole request's budget: first call, retries and one repair. */
  readonly timeoutMs: number;
  /** The same for a streamed request (ConverseStream). */
  readonly streamTimeoutMs: number;
  /** Marks each request's stable prefix with cache points (LLM_PROMPT_CACHE); see withCachePoints below. */
  readonly promptCache: boolean;
}

/** Bedrock's first message must come from the user; the stored history starts with the coach. */
export const CONVERSATION_OPENED = '(The user opened this coaching conversation.)';

/** Turns the port's messages into Converse messages: a user turn first, roles alternating. */
export function converseMessages(messages: readonly ChatMessage[]): Message[] {
  const out: { role: 'user' | 'assistant'; content: ContentBlock[] }[] = [];
  if (messages[0]?.role !== 'user')
    out.push({ role: 'user', content: [{ text: CONVERSATION_OPENED }] });
  for (const message of messages) {
    const last = out.at(-1);
    if (last?.role === message.role) last.content.push({ text: message.content });
    else out.push({ role: message.role, content: [{ text: message.content }] });
  }
  return out;
}

/** Claude 3+ and Nova can be forced to call a named tool; other models get "any tool". */
function toolChoiceFor(modelId: string, toolName: string): ToolChoice {
  return /(^|\.)(anthropic\.claude-|amazon\.nova-)/.test(modelId)
    ? { tool: { name: toolName } }
    : { any: {} };
}

const transientErrors: Readonly<Record<string, number>> = {
  ThrottlingException: 5,
  ServiceQuotaExceededException: 5,
  ServiceUnavailableException: 5,
  ModelNotReadyException: 10,
  ModelTimeoutException: 2,
  InternalServerException: 2,
  TimeoutError: 2,
  RequestTimeout: 2,
};
const networkCodes = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH']);

/** What a failed Converse call means for the client: retry later (503) or unusable (502). */
export function bedrockFailure(error: unknown, usage: TokenUsage, budget: CallBudget): Error {
  if (budget.expired) return budget.timedOut('bedrock', usage);
  const e = error as {
    name?: string;
    code?: string;
    message?: string;
    $metadata?: { httpStatusCode?: number };
  };
  const name = e.name ?? '';
  const message = `${name}: ${e.message ?? 'no message'}`;
  const retryAfter = transientErrors[name];
  if (retryAfter !== undefined)
    return new ServiceUnavailableError('bedrock', retryAfter, message, usage);
  if (networkCodes.has(e.code ?? '') || (e.$metadata?.httpStatusCode ?? 0) >= 500) {
    return new ServiceUnavailableError('bedrock', 2, message, usage);
  }
  // ValidationException, AccessDeniedException, ResourceNotFoundException, ModelErrorException…
  return new LlmBadResponseError(`bedrock refused the request: ${message}`, usage);
}

/** The tool's input from a Converse answer, or the JSON of a text answer from a model that ignored the tool. */
function answerOf(content: readonly ContentBlock[], toolName: string): unknown {
  const toolUse = content.find((block) => block.toolUse?.name === toolName)?.toolUse;
  if (toolUse) return toolUse.input;
  const text = content.map((block) => block.text ?? '').join('');
  return text ? parseJsonAnswer(text) : undefined;
}

/** The conversation after an unusable answer: the answer itself, then what was wrong with it. */
function repairTurns(content: ContentBlock[], toolName: string, problems: string): Message[] {
  const instruction = repairInstruction(toolName, problems);
  const toolUse = content.find((block) => block.toolUse?.name === toolName)?.toolUse;
  if (content.length === 0) return [{ role: 'user', content: [{ text: instruction }] }];
  const reply: ContentBlock = toolUse?.toolUseId
    ? {
        toolResult: {
          toolUseId: toolUse.toolUseId,
          status: 'error',
          content: [{ text: instruction }],
        },
      }
    : { text: instruction };
  return [
    { role: 'assistant', content },
    { role: 'user', content: [reply] },
  ];
}

/** Bedrock's usage: `inputTokens` is the input neither read from nor written to the cache. */
const usageOf = (
  usage:
    | {
        inputTokens?: number;
        outputTokens?: number;
        cacheReadInputTokens?: number;
        cacheWriteInputTokens?: number;
      }
    | undefined,
): TokenUsage => ({
  inputTokens: usage?.inputTokens ?? 0,
  outputTokens: usage?.outputTokens ?? 0,
  ...(usage?.cacheReadInputTokens ? { cacheReadTokens: usage.cacheReadInputTokens } : {}),
  ...(usage?.cacheWriteInputTokens ? { cacheWriteTokens: usage.cacheWriteInputTokens } : {}),
});

/** Mid-stream failures Bedrock sends as events; the SDK throws most, this throws the rest. */
const streamErrors = [
  'internalServerException',
  'modelStreamErrorException',
  'validationException',
  'throttlingException',
  'serviceUnavailableException',
] as const;

/**
 * Reads a ConverseStream answer as it arrives: the forced tool's input JSON goes to `streamed`
 * piece by piece (a text answer's too, for a model that ignored the tool), and the end result
 * is the same content a Converse answer holds, plus the usage of the metadata event.
 */
async function readStream(
  events: AsyncIterable<ConverseStreamOutput>,
  toolName: string,
  streamed: StreamedField,
): Promise<{ content: ContentBlock[]; usage: TokenUsage }> {
  const blocks = new Map<
    number,
    { toolUseId?: string; name?: string; input: string; text: string }
  >();
  const block = (index: number | undefined) => {
    const key = index ?? 0;
    let found = blocks.get(key);
    if (!found) blocks.set(key, (found = { input: '', text: '' }));
    return found;
  };
  let usage = noUsage;
  for await (const event of events) {
    for (const name of streamErrors) {
      const failure = event[name as keyof ConverseStreamOutput] as Error | undefined;
      if (failure)
        throw Object.assign(failure, {
          name: failure.name || name.replace(/^./, (c) => c.toUpperCase()),
        });
    }
    if (event.contentBlockStart?.start?.toolUse) {
      const { toolUseId, name } = event.contentBlockStart.start.toolUse;
      Object.assign(block(event.contentBlockStart.contentBlockIndex), { toolUseId, name });
    }
    const delta = event.contentBlockDelta;
    if (delta?.delta?.toolUse?.input !== undefined) {
      const target = block(delta.contentBlockIndex);
      target.input += delta.delta.toolUse.input;
      if (target.name === undefined || target.name === toolName)
        streamed.json(delta.delta.toolUse.input);
    } else if (delta?.delta?.text !== undefined) {
      block(delta.contentBlockIndex).text += delta.delta.text;
      streamed.json(delta.delta.text);
    }
    if (event.metadata?.usage) usage = usageOf(event.metadata.usage);
  }
  const content = [...blocks.entries()]
    .sort(([a], [b]) => a - b)
    .map(([, b]): ContentBlock => {
      // Tool input without its block's start event is still the forced tool's.
      const name = b.name ?? (b.input ? toolName : undefined);
      if (name === undefined) return { text: b.text };
      // A tool input that is not a JSON object cannot go back to Bedrock in a repair: empty.
      const parsed = parseJsonAnswer(b.input || '{}');
      const input = parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? parsed : {};
      return { toolUse: { toolUseId: b.toolUseId, name, input: input as never } };
    });
  return { content, usage };
}

export function createBedrockProvider(options: BedrockProviderOptions): LlmProvider {
  const modelFor = (settings: ModelSettings): string => settings.model_id ?? options.defaultModel;

  /**
   * The Converse request of `request` and the model it goes to; its messages, with their cache
   * points, start the conversation that a repair adds to.
   */
  function converseRequest<T>(request: StructuredRequest<T>) {
    const modelId = modelFor(request.settings);
    if (!options.allowedModels.includes(modelId)) {
      // The catalog refuses such templates; this guards any other path to the model.
      throw new LlmBadResponseError(`model ${modelId} is not one of the allowed models`, noUsage);
    }
    const { name, description, schema } = request.output;
    const tools = [
      {
        toolSpec: {
          name,
          description,
          inputSchema: { json: outputJsonSchema(schema) as never },
        },
      },
    ];
    const messages = converseMessages(request.messages);
    const prompt = options.promptCache
      ? withCachePoints(modelId, tools, request.system, messages)
      : { system: [{ text: request.system }], messages };
    const base = {
      modelId,
      system: prompt.system,
      inferenceConfig: {
        temperature: request.settings.temperature,
        maxTokens: request.settings.max_tokens,
      },
      toolConfig: { tools, toolChoice: toolChoiceFor(modelId, name) },
    };
    return { base, conversation: { messages: prompt.messages } };
  }

  /** A model reply whose repair puts its content and the problems into the conversation. */
  function reply(
    content: ContentBlock[],
    usage: TokenUsage,
    toolName: string,
    conversation: { messages: Message[] },
  ): ModelReply {
    return {
      answer: answerOf(content, toolName),
      usage,
      repair: (problems) => {
        conversation.messages = [
          ...conversation.messages,
          ...repairTurns(content, toolName, problems),
        ];
      },
    };
  }

  return {
    name: 'bedrock',
    modelFor,

    async generate<T>(request: StructuredRequest<T>): Promise<StructuredResult<T>> {
      const { base, conversation } = converseRequest(request);
      const toolName = request.output.name;
      const { output, usage } = await answerWithOneRepair(
        request.output,
        base.modelId,
        { timeoutMs: request.timeoutMs ?? options.timeoutMs, signal: request.signal },
        async (budget, usedSoFar) => {
          let response: ConverseCommandOutput;
          try {
            response = await options.client.send(
              new ConverseCommand({ ...base, messages: conversation.messages }),
              { abortSignal: budget.signal },
            );
          } catch (error) {
            throw bedrockFailure(error, usedSoFar, budget);
          }
          const content = response.output?.message?.content ?? [];
          return reply(content, usageOf(response.usage), toolName, conversation);
        },
      );
      return { output, model: base.modelId, provider: 'bedrock', usage };
    },

    async stream<T>(request: StructuredRequest<T>, sink: StreamSink) {
      const { base, conversation } = converseRequest(request);
      const toolName = request.output.name;
      const { output, usage } = await answerWithOneRepair(
        request.output,
        base.modelId,
        { timeoutMs: request.timeoutMs ?? options.streamTimeoutMs, signal: request.signal },
        async (budget, usedSoFar, streamed) => {
          try {
            const response = await options.client.send(
              new ConverseStreamCommand({ ...base, messages: conversation.messages }),
              { abortSignal: budget.signal },
            );
            if (!response.stream) throw new Error('ConverseStream answered without a stream');
            const read = await readStream(response.stream, toolName, streamed);
            return reply(read.content, read.usage, toolName, conversation);
          } catch (error) {
            throw bedrockFailure(error, usedSoFar, budget);
          }
        },
        sink,
      );
      return { output, model: base.modelId, provider: 'bedrock', usage };
    },

    // Converse calls cost money, so health only says the provider is configured.
    check: () =>
      Promise.resolve(
        options.allowedModels.includes(options.defaultModel)
          ? 'healthy'
          : `unhealthy: ${options.defaultModel} is not an allowed model`,
      ),
  };
}

// ---- prompt-cache points ----
// Where a Converse request gets its prompt-cache points. Bedrock caches the prompt's prefix up
// to each `cachePoint` block (tools, then system, then messages, in that order) when the model
// supports prompt caching and the prefix since the previous cache point holds at least the
// model's minimum: a later request with the same prefix reads it at the cache-read rate. So a
// turn marks the system prompt with its tool, and the history up to the previous turn: the next
// turn, which resends both, reads them back.
//
// The models and minimums are Amazon Bedrock's (User Guide, "Prompt caching for faster model
// inference", "Supported models, Regions, and limits"; checked on 2026-12-06): at most 4 cache
// points a request, in `system`, `messages` and `tools`. A cache point short of the minimum is
// no error (that prefix is simply not cached).

/** Minimum tokens per cache checkpoint, by foundation model. */
const minimumTokens: Readonly<Record<string, number>> = {
  'anthropic.claude-sonnet-4-6': 1024,
  'anthropic.claude-haiku-4-5-20251001-v1:0': 4096,
  'anthropic.claude-sonnet-4-5-20250929-v1:0': 4096,
  'anthropic.claude-opus-4-6-v1': 4096,
  'anthropic.claude-opus-4-5-20251101-v1:0': 4096,
  'anthropic.claude-opus-4-1-20250805-v1:0': 1024,
  'anthropic.claude-opus-4-20250514-v1:0': 1024,
  'anthropic.claude-sonnet-4-20250514-v1:0': 1024,
  'anthropic.claude-3-7-sonnet-20250219-v1:0': 1024,
};

/** The model's minimum tokens per cache checkpoint; undefined when it has no prompt caching. */
export function cacheMinimumTokens(modelId: string): number | undefined {
  return minimumTokens[baseModelId(modelId)];
}

/**
 * Tokens in a text, estimated low (Claude's tokenizer makes a token of about 3.5 characters of
 * English): a prefix judged long enough is, so a segment never falls short of the minimum
 * through the estimate.
 */
export function estimateTokens(text: string): number {
  return Math.floor(text.length / 4);
}

/**
 * What Claude adds to a request with tools: its tool-use instructions, part of the cached
 * prefix (Anthropic gives 313 tokens for a forced tool call on its Claude 4 models).
 */
const TOOL_USE_TOKENS = 313;

const CACHE_POINT = { cachePoint: { type: 'default' } } as const;

const blockText = (block: ContentBlock): string =>
  block.text ?? (block.toolUse || block.toolResult ? JSON.stringify(block) : '');

export interface CachedPrompt {
  readonly system: SystemContentBlock[];
  readonly messages: Message[];
}

/**
 * The system prompt and messages with cache points. Bedrock counts a cache point when the
 * tokens since the previous counted one reach the model's minimum, and a request reads the
 * longest cached prefix it finds at a cache point or a content block up to 20 blocks before
 * one. So: a point after the system prompt (which caches the tools before it too) when tools
 * and system are long enough; a point after the history up to the previous turn (every message
 * but the last, the new user turn) when the history alone reaches the minimum; and when it does
 * not, on a conversation under way (whose system prompt an earlier turn cached, and which this
 * request reads through the look-back), the history point alone, counted from the start. A model
 * without prompt caching gets no point.
 */
export function withCachePoints(
  modelId: string,
  tools: readonly Tool[],
  system: string,
  messages: readonly Message[],
): CachedPrompt {
  const plain = { system: [{ text: system }], messages: [...messages] };
  const minimum = cacheMinimumTokens(modelId);
  if (minimum === undefined) return plain;
  const head =
    estimateTokens(JSON.stringify(tools) + system) + (tools.length > 0 ? TOOL_USE_TOKENS : 0);
  const history = messages.slice(0, -1);
  const historyTokens = history.reduce(
    (sum, message) => sum + estimateTokens((message.content ?? []).map(blockText).join('')),
    0,
  );
  // The opening exchange is all the history a first turn has.
  const underWay = history.length > 2;
  let systemPoint = head >= minimum;
  let historyPoint = history.length > 0 && historyTokens >= minimum;
  if (!historyPoint && history.length > 0 && head + historyTokens >= minimum) {
    historyPoint = underWay || !systemPoint;
    systemPoint = systemPoint && !historyPoint;
  }
  return {
    system: systemPoint ? [{ text: system }, CACHE_POINT] : plain.system,
    messages: historyPoint
      ? messages.map((message, index) =>
          index === history.length - 1
            ? { ...message, content: [...(message.content ?? []), CACHE_POINT] }
            : message,
        )
      : plain.messages,
  };
}

// The Amazon Bedrock adapter: the Converse API with a forced tool call whose input schema is
// generated from the request's zod schema; the answer is validated, repaired once, and every
// failure becomes a 503 (transient) or a 502 (unusable), carrying the tokens already used.
import {
  BedrockRuntimeClient,
  ConverseCommand,
  type ContentBlock,
  type ConverseCommandOutput,
  type Message,
  type ToolChoice,
} from '@aws-sdk/client-bedrock-runtime';
import { NodeHttp2Handler } from '@smithy/node-http-handler';
import { LlmBadResponseError, ServiceUnavailableError } from '../errors.js';
import type { ModelSettings } from '../prompts/template.js';
import { noUsage, type TokenUsage } from '../domain/usage.js';
import {
  type ChatMessage,
  type LlmProvider,
  type StructuredRequest,
  type StructuredResult,
} from './port.js';
import {
  answerWithOneRepair,
  outputJsonSchema,
  parseJsonAnswer,
  repairInstruction,
  type CallBudget,
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
function answerOf(response: ConverseCommandOutput, toolName: string): unknown {
  const content = response.output?.message?.content ?? [];
  const toolUse = content.find((block) => block.toolUse?.name === toolName)?.toolUse;
  if (toolUse) return toolUse.input;
  const text = content.map((block) => block.text ?? '').join('');
  return text ? parseJsonAnswer(text) : undefined;
}

/** The conversation after an unusable answer: the answer itself, then what was wrong with it. */
function repairTurns(
  response: ConverseCommandOutput,
  toolName: string,
  problems: string,
): Message[] {
  const content = response.output?.message?.content ?? [];
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

const usageOf = (response: ConverseCommandOutput): TokenUsage => ({
  inputTokens: response.usage?.inputTokens ?? 0,
  outputTokens: response.usage?.outputTokens ?? 0,
});

export function createBedrockProvider(options: BedrockProviderOptions): LlmProvider {
  const modelFor = (settings: ModelSettings): string => settings.model_id ?? options.defaultModel;

  return {
    name: 'bedrock',
    modelFor,

    async generate<T>(request: StructuredRequest<T>): Promise<StructuredResult<T>> {
      const modelId = modelFor(request.settings);
      if (!options.allowedModels.includes(modelId)) {
        // The catalog refuses such templates; this guards any other path to the model.
        throw new LlmBadResponseError(`model ${modelId} is not one of the allowed models`, noUsage);
      }
      const { name, description, schema } = request.output;
      const base = {
        modelId,
        system: [{ text: request.system }],
        inferenceConfig: {
          temperature: request.settings.temperature,
          maxTokens: request.settings.max_tokens,
        },
        toolConfig: {
          tools: [
            {
              toolSpec: {
                name,
                description,
                inputSchema: { json: outputJsonSchema(schema) as never },
              },
            },
          ],
          toolChoice: toolChoiceFor(modelId, name),
        },
      };
      let messages = converseMessages(request.messages);
      const { output, usage } = await answerWithOneRepair(
        request.output,
        modelId,
        request.timeoutMs ?? options.timeoutMs,
        async (budget, usedSoFar) => {
          let response: ConverseCommandOutput;
          try {
            response = await options.client.send(new ConverseCommand({ ...base, messages }), {
              abortSignal: budget.signal,
            });
          } catch (error) {
            throw bedrockFailure(error, usedSoFar, budget);
          }
          return {
            answer: answerOf(response, name),
            usage: usageOf(response),
            repair: (problems) => {
              messages = [...messages, ...repairTurns(response, name, problems)];
            },
          };
        },
      );
      return { output, model: modelId, provider: 'bedrock', usage };
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

// The OpenAI-compatible adapter (Ollama, vLLM, llama.cpp, OpenAI itself): chat completions with
// a JSON-schema response format, validated and repaired once; bounded retries on 429/5xx.
// Streamed requests read the same completion as server-sent chunks (`stream: true`).
import { LlmBadResponseError, ServiceUnavailableError } from '../errors.js';
import { noUsage, type TokenUsage } from '../domain/kernel.js';
import {
  type LlmProvider,
  type StreamSink,
  type StructuredRequest,
  type StructuredResult,
} from './port.js';
import { completionChunks } from './openai-chunks.js';
import {
  answerWithOneRepair,
  outputJsonSchema,
  parseJsonAnswer,
  repairInstruction,
  type CallBudget,
  type ModelReply,
} from './structured.js';

export interface OpenAiProviderOptions {
  /** e.g. `http://localhost:11434/v1` for Ollama. */
  readonly baseUrl: string;
  readonly apiKey?: string;
  readonly model: string;
  /** Attempts per model call, the first included. */
  readonly maxAttempts: number;
  /** The whole request's budget: first call, retries and one repair. */
  readonly timeoutMs: number;
  /** The same for a streamed request. */
  readonly streamTimeoutMs: number;
}

interface ChatMessage {
  readonly role: 'system' | 'user' | 'assistant';
  readonly content: string;
}

interface Completion {
  readonly choices?: readonly { readonly message?: { readonly content?: string | null } }[];
  readonly usage?: {
    readonly prompt_tokens?: number;
    readonly completion_tokens?: number;
    /** The part of prompt_tokens the provider served from its prompt cache. */
    readonly prompt_tokens_details?: { readonly cached_tokens?: number } | null;
  };
}

const retryable = (status: number): boolean => status === 429 || status >= 500;

/** Seconds from a Retry-After header, when it holds a number. */
function retryAfterSeconds(response: Response): number | undefined {
  const header = response.headers.get('retry-after');
  const value = Number(header);
  return header !== null && Number.isFinite(value) && value >= 0 ? value : undefined;
}

const pause = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });

/** prompt_tokens include the cached ones; here, as in Bedrock's usage, they are counted apart. */
function usageOf(usage: Completion['usage']): TokenUsage {
  const prompt = usage?.prompt_tokens ?? 0;
  const cached = Math.min(prompt, usage?.prompt_tokens_details?.cached_tokens ?? 0);
  return {
    inputTokens: prompt - cached,
    outputTokens: usage?.completion_tokens ?? 0,
    ...(cached > 0 ? { cacheReadTokens: cached } : {}),
  };
}

/** A response body that broke off: the budget ran out, or the server went away (503). */
function readFailure(error: unknown, budget: CallBudget, usage: TokenUsage): Error {
  if (budget.expired) return budget.timedOut('openai', usage);
  if (error instanceof SyntaxError) {
    return new LlmBadResponseError(`openai answered with a body that is not JSON`, usage);
  }
  const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
  return new ServiceUnavailableError('openai', 2, `the answer broke off: ${cause}`, usage);
}

export function createOpenAiProvider(options: OpenAiProviderOptions): LlmProvider {
  const base = options.baseUrl.replace(/\/+$/, '');
  const headers: Record<string, string> = {
    'Content-Type': 'application/json',
    ...(options.apiKey ? { Authorization: `Bearer ${options.apiKey}` } : {}),
  };

  /** One chat completion's response, retried on throttling and server errors inside the budget. */
  async function post(body: unknown, budget: CallBudget, usage: TokenUsage): Promise<Response> {
    for (let attempt = 1; ; attempt++) {
      let response: Response;
      try {
        response = await fetch(`${base}/chat/completions`, {
          method: 'POST',
          headers,
          body: JSON.stringify(body),
          signal: budget.signal,
        });
      } catch (error) {
        if (budget.expired) throw budget.timedOut('openai', usage);
        const cause =
          (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
        if (attempt >= options.maxAttempts) {
          throw new ServiceUnavailableError('openai', 2, `unreachable: ${cause}`, usage);
        }
        await pause(200 * 2 ** attempt, budget.signal);
        continue;
      }
      if (response.ok) return response;
      const detail = `HTTP ${response.status}: ${(await response.text()).slice(0, 300)}`;
      if (!retryable(response.status)) {
        throw new LlmBadResponseError(`openai refused the request: ${detail}`, usage);
      }
      const asked = retryAfterSeconds(response);
      const waitMs = asked === undefined ? 200 * 2 ** attempt : asked * 1000;
      if (attempt >= options.maxAttempts || waitMs >= budget.remainingMs()) {
        throw new ServiceUnavailableError(
          'openai',
          Math.max(1, Math.ceil(asked ?? 2)),
          detail,
          usage,
        );
      }
      await pause(waitMs, budget.signal);
      if (budget.expired) throw budget.timedOut('openai', usage);
    }
  }

  /** The messages of a request; a repair appends to them. */
  const conversationOf = <T>(request: StructuredRequest<T>) => ({
    messages: [{ role: 'system', content: request.system }, ...request.messages] as ChatMessage[],
  });

  function completionBody<T>(
    request: StructuredRequest<T>,
    conversation: { messages: ChatMessage[] },
  ) {
    const { name, description, schema } = request.output;
    return {
      model: options.model,
      messages: conversation.messages,
      temperature: request.settings.temperature,
      max_tokens: request.settings.max_tokens,
      response_format: {
        type: 'json_schema',
        json_schema: { name, description, schema: outputJsonSchema(schema), strict: true },
      },
    };
  }

  /** The answer in a completion's text, and the repair that sends it back with its problems. */
  function reply<T>(
    request: StructuredRequest<T>,
    conversation: { messages: ChatMessage[] },
    text: string,
    usage: TokenUsage,
  ): ModelReply {
    return {
      answer: parseJsonAnswer(text),
      usage,
      repair: (problems) => {
        conversation.messages = [
          ...conversation.messages,
          { role: 'assistant', content: text || '(no answer)' },
          { role: 'user', content: repairInstruction(request.output.name, problems) },
        ];
      },
    };
  }

  return {
    name: 'openai',
    modelFor: () => options.model,

    async generate<T>(request: StructuredRequest<T>): Promise<StructuredResult<T>> {
      const conversation = conversationOf(request);
      const { output, usage } = await answerWithOneRepair(
        request.output,
        options.model,
        { timeoutMs: request.timeoutMs ?? options.timeoutMs, signal: request.signal },
        async (budget, usedSoFar) => {
          const response = await post(completionBody(request, conversation), budget, usedSoFar);
          let completion: Completion;
          try {
            completion = (await response.json()) as Completion;
          } catch (error) {
            throw readFailure(error, budget, usedSoFar);
          }
          return reply(
            request,
            conversation,
            completion.choices?.[0]?.message?.content ?? '',
            usageOf(completion.usage),
          );
        },
      );
      return { output, model: options.model, provider: 'openai', usage };
    },

    async stream<T>(request: StructuredRequest<T>, sink: StreamSink) {
      const conversation = conversationOf(request);
      const { output, usage } = await answerWithOneRepair(
        request.output,
        options.model,
        { timeoutMs: request.timeoutMs ?? options.streamTimeoutMs, signal: request.signal },
        async (budget, usedSoFar, streamed) => {
          const body = {
            ...completionBody(request, conversation),
            stream: true,
            stream_options: { include_usage: true },
          };
          const response = await post(body, budget, usedSoFar);
          let text = '';
          let usage = noUsage;
          try {
            for await (const chunk of completionChunks(response)) {
              if (chunk.error) {
                throw new ServiceUnavailableError(
                  'openai',
                  2,
                  `error mid-stream: ${JSON.stringify(chunk.error).slice(0, 300)}`,
                  usedSoFar,
                );
              }
              const piece = chunk.choices?.[0]?.delta?.content;
              if (piece) {
                text += piece;
                streamed.json(piece);
              }
              if (chunk.usage) usage = usageOf(chunk.usage);
            }
          } catch (error) {
            if (error instanceof ServiceUnavailableError) throw error;
            throw readFailure(error, budget, usedSoFar);
          }
          return reply(request, conversation, text, usage);
        },
        sink,
      );
      return { output, model: options.model, provider: 'openai', usage };
    },

    async check() {
      try {
        const response = await fetch(`${base}/models`, {
          headers,
          signal: AbortSignal.timeout(2000),
        });
        return response.ok ? 'healthy' : `unhealthy: ${base}/models answered ${response.status}`;
      } catch (error) {
        return `unhealthy: ${base} unreachable (${(error as Error).message})`;
      }
    },
  };
}

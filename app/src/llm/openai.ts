// The OpenAI-compatible adapter (Ollama, vLLM, llama.cpp, OpenAI itself): chat completions with
// a JSON-schema response format, validated and repaired once; bounded retries on 429/5xx.
import { LlmBadResponseError, ServiceUnavailableError } from '../errors.js';
import type { TokenUsage } from '../domain/usage.js';
import { type LlmProvider, type StructuredRequest, type StructuredResult } from './port.js';
import {
  answerWithOneRepair,
  outputJsonSchema,
  parseJsonAnswer,
  repairInstruction,
  type CallBudget,
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
}

interface ChatMessage {
  readonly role: 'system' | 'user' | 'assistant';
  readonly content: string;
}

interface Completion {
  readonly choices?: readonly { readonly message?: { readonly content?: string | null } }[];
  readonly usage?: { readonly prompt_tokens?: number; readonly completion_tokens?: number };
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

export function createOpenAiProvider(options: OpenAiProviderOptions): LlmProvider {
  const base = options.baseUrl.replace(/\/+$/, '');
  const headers: Record<string, string> = {
    'Content-Type': 'application/json',
    ...(options.apiKey ? { Authorization: `Bearer ${options.apiKey}` } : {}),
  };

  /** One chat completion, retried on throttling and server errors inside the budget. */
  async function complete(
    body: unknown,
    budget: CallBudget,
    usage: TokenUsage,
  ): Promise<Completion> {
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
      if (response.ok) return (await response.json()) as Completion;
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

  return {
    name: 'openai',
    modelFor: () => options.model,

    async generate<T>(request: StructuredRequest<T>): Promise<StructuredResult<T>> {
      const { name, description, schema } = request.output;
      let messages: ChatMessage[] = [
        { role: 'system', content: request.system },
        ...request.messages,
      ];
      const { output, usage } = await answerWithOneRepair(
        request.output,
        options.model,
        request.timeoutMs ?? options.timeoutMs,
        async (budget, usedSoFar) => {
          const completion = await complete(
            {
              model: options.model,
              messages,
              temperature: request.settings.temperature,
              max_tokens: request.settings.max_tokens,
              response_format: {
                type: 'json_schema',
                json_schema: { name, description, schema: outputJsonSchema(schema), strict: true },
              },
            },
            budget,
            usedSoFar,
          );
          const text = completion.choices?.[0]?.message?.content ?? '';
          return {
            answer: parseJsonAnswer(text),
            usage: {
              inputTokens: completion.usage?.prompt_tokens ?? 0,
              outputTokens: completion.usage?.completion_tokens ?? 0,
            },
            repair: (problems) => {
              messages = [
                ...messages,
                { role: 'assistant', content: text || '(no answer)' },
                { role: 'user', content: repairInstruction(name, problems) },
              ];
            },
          };
        },
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

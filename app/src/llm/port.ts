// The model port: every use case asks for structured output through this one interface;
// the adapters (bedrock, openai-compatible, offline) implement it. It knows no feature: a
// request carries its own offline answer.
import type { z } from 'zod';
import type { SpendAttribution, TokenUsage } from '../domain/kernel.js';
import type { ModelSettings } from '../prompts/template.js';

export interface ChatMessage {
  readonly role: 'user' | 'assistant';
  readonly content: string;
}

export interface StructuredRequest<T> {
  readonly system: string;
  readonly messages: readonly ChatMessage[];
  readonly settings: ModelSettings;
  /** The answer's shape: a forced tool call (Bedrock) or a JSON schema (OpenAI-compatible). */
  readonly output: {
    readonly name: string;
    readonly description: string;
    readonly schema: z.ZodType<T>;
    /** The top-level string field a stream delivers as it is written (e.g. `ai_response`). */
    readonly streamedField?: string;
  };
  /** The deterministic answer the offline provider gives (it passes the same schema check). */
  readonly offline: () => T;
  /**
   * This request's whole budget (calls, retries, one repair) when it is not the adapter's
   * configured one: a streamed turn or a job may take longer than a buffered turn.
   */
  readonly timeoutMs?: number;
  /** The caller's own reason to stop (a turn that can no longer commit): the call ends, failed. */
  readonly signal?: AbortSignal;
  /**
   * Whose spend the call is: where it finishes, its tokens and cost are added to that tenant's
   * and user's usage counters (budgets/metered-llm.ts), answered or failed.
   */
  readonly attribution?: SpendAttribution;
}

/**
 * Where a streamed answer's text goes as the model writes it. The deltas since the last
 * `reset` always join to the final answer's `streamedField`.
 */
export interface StreamSink {
  /** The next piece of the streamed field's text (never empty). */
  delta(text: string): void;
  /** The text so far is void (the answer failed its schema and is being repaired). */
  reset(): void;
}

export interface StructuredResult<T> {
  readonly output: T;
  /** The model that answered, e.g. `us.anthropic.claude-sonnet-4-6` or `offline`. */
  readonly model: string;
  readonly provider: string;
  readonly usage: TokenUsage;
}

export interface LlmProvider {
  readonly name: 'bedrock' | 'openai' | 'offline';
  /**
   * Answers the request with output that passed `request.output.schema`. Failures are
   * `ServiceUnavailableError` (transient: throttling, not ready, timeout) or
   * `LlmBadResponseError` (unusable output, request refused), each carrying the tokens used.
   */
  generate<T>(request: StructuredRequest<T>): Promise<StructuredResult<T>>;
  /**
   * The same answer, after the same validation and single repair, with the text of
   * `request.output.streamedField` sent to `sink` as the model writes it. Bounded by the
   * adapter's stream budget (LLM_STREAM_TIMEOUT_MS) unless the request sets its own; fails
   * as `generate` does, also when the failure comes mid-stream.
   */
  stream<T>(request: StructuredRequest<T>, sink: StreamSink): Promise<StructuredResult<T>>;
  /** The model a request with these template settings goes to (recorded on the session). */
  modelFor?(settings: ModelSettings): string;
  /** For the health route: `healthy`, `skipped` or `unhealthy: <reason>`; never throws. */
  check(): Promise<string>;
}

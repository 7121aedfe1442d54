// The model port: every use case asks for structured output through this one interface;
// the adapters (bedrock, openai-compatible, offline) implement it. It knows no feature: a
// request carries its own offline answer.
import type { z } from 'zod';
import type { TokenUsage } from '../domain/usage.js';
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
  };
  /** The deterministic answer the offline provider gives (it passes the same schema check). */
  readonly offline: () => T;
  /**
   * This request's whole budget (calls, retries, one repair) when it is not the adapter's
   * configured one: a job's turn may take longer than a buffered one.
   */
  readonly timeoutMs?: number;
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
  /** The model a request with these template settings goes to (recorded on the session). */
  modelFor?(settings: ModelSettings): string;
  /** For the health route: `healthy`, `skipped` or `unhealthy: <reason>`; never throws. */
  check(): Promise<string>;
}

// What the model adapters share about structured output: the JSON schema sent to the model,
// checking an answer against the zod schema, the repair prompt, and the call's time budget.
import { z } from 'zod';
import { ServiceUnavailableError } from '../errors.js';
import type { TokenUsage } from '../domain/usage.js';

/** The JSON schema of an output, as a tool's input schema or a response format. */
export function outputJsonSchema(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _dialect, ...jsonSchema } = z.toJSONSchema(schema, { io: 'input' });
  return jsonSchema;
}

export type Checked<T> =
  { readonly ok: true; readonly output: T } | { readonly ok: false; readonly problems: string };

/** Validates a model's answer; `problems` is short text the model can act on in a repair. */
export function checkOutput<T>(schema: z.ZodType<T>, answer: unknown): Checked<T> {
  const result = schema.safeParse(answer);
  if (result.success) return { ok: true, output: result.data };
  const problems = result.error.issues
    .slice(0, 8)
    .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
    .join('; ');
  return { ok: false, problems };
}

/** Parses JSON text from a model, tolerating a Markdown code fence around it. */
export function parseJsonAnswer(text: string): unknown {
  const fenced = /^\s*```(?:json)?\s*([\s\S]*?)\s*```\s*$/.exec(text);
  try {
    return JSON.parse(fenced?.[1] ?? text) as unknown;
  } catch {
    return undefined;
  }
}

export function repairInstruction(toolName: string, problems: string): string {
  return (
    `Your answer did not match the required schema of ${toolName}: ${problems}. ` +
    `Answer again with the complete, corrected ${toolName} object and nothing else.`
  );
}

/**
 * One budget for everything a request does (first call, the SDK's retries, one repair), so a
 * coaching turn fails cleanly before API Gateway's 30 s limit.
 */
export class CallBudget {
  private readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout;
  private readonly endsAt: number;

  constructor(readonly timeoutMs: number) {
    this.endsAt = Date.now() + timeoutMs;
    this.timer = setTimeout(() => this.controller.abort(), timeoutMs);
    this.timer.unref();
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get expired(): boolean {
    return this.controller.signal.aborted;
  }

  remainingMs(): number {
    return Math.max(0, this.endsAt - Date.now());
  }

  timedOut(dependency: string, usage: TokenUsage): ServiceUnavailableError {
    return new ServiceUnavailableError(
      dependency,
      2,
      `model call did not finish within ${this.timeoutMs} ms`,
      usage,
    );
  }

  done(): void {
    clearTimeout(this.timer);
  }
}

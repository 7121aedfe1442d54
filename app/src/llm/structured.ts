// What the model adapters share about structured output: the JSON schema sent to the model,
// the validate-and-repair-once loop around their calls, the repair prompt, and the request's
// time budget.
import { z } from 'zod';
import { addUsage, noUsage, type TokenUsage } from '../domain/kernel.js';
import { LlmBadResponseError, ServiceUnavailableError } from '../errors.js';
import type { StreamSink } from './port.js';
import { StreamedField } from './streamed-field.js';

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
 * One budget for everything a request does (first call, the SDK's retries, one repair): a
 * buffered coaching turn fails cleanly before API Gateway's 30 s limit, a streamed one within
 * its own, longer budget.
 */
export class CallBudget {
  private readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout;
  private readonly endsAt: number;
  private readonly stop = () => this.controller.abort();

  constructor(
    readonly timeoutMs: number,
    /** The caller's own reason to stop early (the request's `signal`). */
    private readonly caller?: AbortSignal,
  ) {
    this.endsAt = Date.now() + timeoutMs;
    this.timer = setTimeout(this.stop, timeoutMs);
    this.timer.unref();
    if (caller?.aborted) this.stop();
    caller?.addEventListener('abort', this.stop, { once: true });
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
    this.caller?.removeEventListener('abort', this.stop);
  }
}

/** One model call's answer, as the adapter read it, and what the call cost. */
export interface ModelReply {
  /** The structured answer, or undefined when the reply held none that could be read. */
  readonly answer: unknown;
  readonly usage: TokenUsage;
  /** Puts this answer and what was wrong with it into the conversation for the next call. */
  readonly repair: (problems: string) => void;
}

/**
 * Asks until the answer passes the schema, within one time budget: an unusable answer is sent
 * back once with its problems, and a second one is a 502 carrying the tokens of both calls.
 * `call` gets the tokens used so far, so the failures it throws carry them too, and (when the
 * answer is streamed to `sink`) the place its JSON text goes as it arrives; a repair, itself
 * streamed, starts with a `reset`.
 */
export async function answerWithOneRepair<T>(
  output: {
    readonly name: string;
    readonly schema: z.ZodType<T>;
    readonly streamedField?: string;
  },
  model: string,
  limits: { readonly timeoutMs: number; readonly signal?: AbortSignal },
  call: (budget: CallBudget, usedSoFar: TokenUsage, streamed: StreamedField) => Promise<ModelReply>,
  sink?: StreamSink,
): Promise<{ readonly output: T; readonly usage: TokenUsage }> {
  const budget = new CallBudget(limits.timeoutMs, limits.signal);
  let usage = noUsage;
  try {
    for (let attempt = 1; ; attempt++) {
      if (attempt > 1) sink?.reset();
      const streamed = new StreamedField(output.streamedField, sink);
      const reply = await call(budget, usage, streamed);
      usage = addUsage(usage, reply.usage);
      const checked = checkOutput(output.schema, reply.answer);
      if (checked.ok) {
        streamed.settle(checked.output);
        return { output: checked.output, usage };
      }
      if (attempt === 2) {
        throw new LlmBadResponseError(
          `${model} answered ${output.name} unusably after a repair: ${checked.problems}`,
          usage,
        );
      }
      reply.repair(checked.problems);
    }
  } finally {
    budget.done();
  }
}

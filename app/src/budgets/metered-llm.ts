// The model port, metered: every request that names whose spend it is (its `attribution`) is
// recorded where its call finishes, answered or failed with the tokens it used, whichever
// feature or delivery made it (an analysis, a suggestion, a job's). A coaching turn books its
// own calls with its commit instead (coaching/turn-pipeline.ts). A request that names no one is
// still answered, and the miss is logged.
import type { TokenUsage } from '../domain/kernel.js';
import type { LlmProvider, StructuredRequest, StructuredResult } from '../llm/port.js';
import type { Logger } from '../observability/logger.js';
import type { FinishedCall } from './budgets.js';

export function meteredLlm(
  llm: LlmProvider,
  record: (call: FinishedCall) => Promise<void>,
  deps: { readonly logger: Logger; readonly now: () => Date },
): LlmProvider {
  const modelFor = llm.modelFor?.bind(llm);
  const finished = async <T>(
    request: StructuredRequest<T>,
    outcome: { readonly model: string; readonly usage: TokenUsage; readonly answered: boolean },
  ): Promise<void> => {
    if (!request.attribution) {
      deps.logger.warn({ event: 'model_call_unattributed', model: outcome.model });
      return;
    }
    await record({ attribution: request.attribution, ...outcome, at: deps.now() });
  };

  async function metered<T>(
    request: StructuredRequest<T>,
    call: () => Promise<StructuredResult<T>>,
  ): Promise<StructuredResult<T>> {
    let result: StructuredResult<T>;
    try {
      result = await call();
    } catch (error) {
      // Failures carry the tokens the model billed before it failed (errors.ts).
      const usage = (error as { usage?: TokenUsage }).usage;
      if (usage) {
        const model = modelFor?.(request.settings) ?? llm.name;
        await finished(request, { model, usage, answered: false });
      }
      throw error;
    }
    await finished(request, { model: result.model, usage: result.usage, answered: true });
    return result;
  }

  return {
    name: llm.name,
    ...(modelFor ? { modelFor } : {}),
    generate: (request) => metered(request, () => llm.generate(request)),
    stream: (request, sink) => metered(request, () => llm.stream(request, sink)),
    check: () => llm.check(),
  };
}

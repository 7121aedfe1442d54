// The offline provider: answers each request with the request's own deterministic answer (every
// feature writes its offline answer beside its model request), after the same schema check a
// model's answer must pass. It needs no model service, says so in every answer's model name,
// and is never chosen silently in a deployed stage.
import { noUsage } from '../domain/usage.js';
import { LlmBadResponseError } from '../errors.js';
import type { LlmProvider, StructuredRequest, StructuredResult } from './port.js';
import { checkOutput } from './structured.js';

const OFFLINE_MODEL = 'offline';

export function createOfflineProvider(): LlmProvider {
  return {
    name: 'offline',
    // A request's timeoutMs needs no handling: the answer is there at once, within any budget.
    generate<T>(request: StructuredRequest<T>): Promise<StructuredResult<T>> {
      // An answer outside its schema is the same failure as a model's: 502, never a 500.
      const checked = checkOutput(request.output.schema, request.offline());
      if (!checked.ok) {
        return Promise.reject(
          new LlmBadResponseError(
            `the offline answer to ${request.output.name} failed its schema: ${checked.problems}`,
            noUsage,
          ),
        );
      }
      return Promise.resolve({
        output: checked.output,
        model: OFFLINE_MODEL,
        provider: 'offline',
        usage: noUsage,
      });
    },
    check: () => Promise.resolve('healthy'),
  };
}

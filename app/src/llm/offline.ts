// The offline provider: answers each request with the request's own deterministic answer (every
// feature writes its offline answer beside its model request), after the same schema check a
// model's answer must pass. It needs no model service, says so in every answer's model name,
// and is never chosen silently in a deployed stage.
import { noUsage } from '../domain/usage.js';
import type { LlmProvider, StructuredRequest, StructuredResult } from './port.js';

const OFFLINE_MODEL = 'offline';

export function createOfflineProvider(): LlmProvider {
  return {
    name: 'offline',
    generate<T>(request: StructuredRequest<T>): Promise<StructuredResult<T>> {
      const output = request.output.schema.parse(request.offline());
      return Promise.resolve({ output, model: OFFLINE_MODEL, provider: 'offline', usage: noUsage });
    },
    check: () => Promise.resolve('healthy'),
  };
}

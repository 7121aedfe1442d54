// The offline provider: a deterministic, template-driven coach that needs no model service.
// It says so in every answer's model name, and is never chosen silently in a deployed stage.
import type { LlmProvider, StructuredRequest, StructuredResult } from './port.js';
import { noUsage } from './port.js';
import { offlineCoachingTurn } from './offline-coach.js';

export const OFFLINE_MODEL = 'offline';

export function createOfflineProvider(): LlmProvider {
  return {
    name: 'offline',
    generate<T>(request: StructuredRequest<T>): Promise<StructuredResult<T>> {
      const task = request.offline;
      const answer = offlineCoachingTurn(task);
      // The offline answer must pass the same schema a real model's answer does.
      const output = request.output.schema.parse(answer);
      return Promise.resolve({ output, model: OFFLINE_MODEL, provider: 'offline', usage: noUsage });
    },
    check: () => Promise.resolve('healthy'),
  };
}

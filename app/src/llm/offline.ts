// The offline provider: a deterministic, template-driven coach that needs no model service.
// It says so in every answer's model name, and is never chosen silently in a deployed stage.
import type { LlmProvider, StructuredRequest, StructuredResult } from './port.js';
import { noUsage } from '../domain/usage.js';
import { offlineAnalysis } from './offline-analysis.js';
import { offlineCoachingTurn } from './offline-coach.js';
import { offlineOnboardingSuggestion } from './offline-suggestion.js';
import type { OfflineTask } from './offline-tasks.js';

export const OFFLINE_MODEL = 'offline';

function offlineAnswer(task: OfflineTask): unknown {
  switch (task.kind) {
    case 'coaching_turn':
      return offlineCoachingTurn(task);
    case 'analysis':
      return offlineAnalysis(task.input);
    case 'onboarding_suggestion':
      return offlineOnboardingSuggestion(task);
  }
}

export function createOfflineProvider(): LlmProvider {
  return {
    name: 'offline',
    generate<T>(request: StructuredRequest<T>): Promise<StructuredResult<T>> {
      // The offline answer must pass the same schema a real model's answer does.
      const output = request.output.schema.parse(offlineAnswer(request.offline));
      return Promise.resolve({ output, model: OFFLINE_MODEL, provider: 'offline', usage: noUsage });
    },
    check: () => Promise.resolve('healthy'),
  };
}

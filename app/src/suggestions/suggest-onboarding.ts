// The legacy onboarding suggestion: one suggested answer for the profile field the owner is
// filling in (niche, ideal client, value proposition), built on what they have written so far.
import { modelUsage, type AnalysisRepository } from '../analysis/analysis-records.js';
import type { BudgetGate } from '../budgets/budgets.js';
import { newId, type Principal, type OnboardingKind } from '../domain/kernel.js';
import type { LlmProvider, StructuredRequest } from '../llm/port.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import { fillPlaceholders, type SuggestionTemplate } from '../prompts/template.js';
import { offlineOnboardingSuggestion } from './offline-suggestion.js';
import { onboardingSuggestionOutput, type OnboardingSuggestion } from './onboarding-suggestion.js';

export interface SuggestionInput {
  readonly kind: OnboardingKind;
  readonly current: string;
}

export interface SuggestionDeps {
  readonly repository: Pick<AnalysisRepository, 'recordUsage'>;
  readonly templates: { suggestion(): Promise<SuggestionTemplate> };
  readonly llm: LlmProvider;
  readonly budgets: BudgetGate;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly now: () => Date;
}

export function onboardingSuggestionRequest(
  template: SuggestionTemplate,
  input: SuggestionInput,
): StructuredRequest<OnboardingSuggestion> {
  return {
    system: template.system_prompt.trim(),
    messages: [
      {
        role: 'user',
        content: fillPlaceholders(template.instructions[input.kind], { current: input.current }),
      },
    ],
    settings: template.model,
    output: {
      name: 'onboarding_suggestion',
      description: `A suggested ${input.kind} for the owner's onboarding profile`,
      schema: onboardingSuggestionOutput,
    },
    offline: () =>
      offlineOnboardingSuggestion({
        kind: input.kind,
        current: input.current,
        opener: template.offline_openers[input.kind],
      }),
  };
}

export function createSuggestions(deps: SuggestionDeps) {
  return {
    async onboarding(principal: Principal, input: SuggestionInput): Promise<OnboardingSuggestion> {
      const startedAt = deps.now();
      const template = await deps.templates.suggestion();
      await deps.budgets.assertWithinBudget(principal);
      const result = await deps.llm.generate({
        ...onboardingSuggestionRequest(template, input),
        attribution: {
          tenantId: principal.tenantId,
          userId: principal.userId,
          subject: 'suggestions/onboarding',
          kind: 'suggestion',
        },
      });
      const durationMs = deps.now().getTime() - startedAt.getTime();
      deps.metrics.add('LLMInputTokens', result.usage.inputTokens, 'Count');
      deps.metrics.add('LLMOutputTokens', result.usage.outputTokens, 'Count');
      deps.logger.info({
        event: 'suggestion_generated',
        user_id: principal.userId,
        tenant_id: principal.tenantId,
        suggestion_kind: input.kind,
        model: result.model,
        input_tokens: result.usage.inputTokens,
        output_tokens: result.usage.outputTokens,
        duration_ms: durationMs,
      });
      // Usage is bookkeeping: the suggestion is already made, so a storage hiccup must not fail it.
      await deps.repository
        .recordUsage({
          id: newId('sugg'),
          kind: 'suggestion',
          status: 'completed',
          tenantId: principal.tenantId,
          userId: principal.userId,
          createdAt: startedAt.toISOString(),
          subject: 'onboarding',
          detail: input.kind,
          usage: modelUsage(result.model, result.provider, result.usage, durationMs),
        })
        .catch((error: Error) =>
          deps.logger.warn({ event: 'usage_not_recorded', reason: error.message }),
        );
      return result.output;
    },
  };
}

export type Suggestions = ReturnType<typeof createSuggestions>;

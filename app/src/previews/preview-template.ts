// A template's preview, for a platform admin about to publish or roll back: the template
// (unsaved content, a stored version, or the current one) is checked as the service reads it,
// rendered into the very request a turn, an analysis or a suggestion would send (their own
// request builders), and the stage's model answers it once. Nothing is stored: no conversation,
// no session, no analysis. The call is the caller's spend, checked against their budgets before
// the model is asked, like any other.
import type { AnalysisInput } from '../analysis/analysis-input.js';
import type { AnalysisOutcome } from '../analysis/analysis-records.js';
import { analysisRequest } from '../analysis/model-requests.js';
import type { BudgetGate } from '../budgets/budgets.js';
import { type CoachAnswer, coachRequest } from '../coaching/coach-request.js';
import { openConversation } from '../coaching/initiate-conversation.js';
import { type Principal, noUsage, type TokenUsage } from '../domain/kernel.js';
import type { LlmProvider, StructuredRequest } from '../llm/port.js';
import { callCostUsd } from '../llm/pricing.js';
import type { Metrics } from '../observability/metrics.js';
import type { CheckedTemplate, PromptAdmin } from '../prompts/prompt-admin.js';
import type { PromptKey } from '../prompts/prompt-keys.js';
import {
  onboardingSuggestionRequest,
  type SuggestionInput,
} from '../suggestions/suggest-onboarding.js';
import type { OnboardingSuggestion } from '../suggestions/onboarding-suggestion.js';

/** What the preview's request is made of, by the template's kind. */
export type PreviewInput =
  | {
      readonly kind: 'coaching';
      /** The conversation's context and language, as initiate takes them. */
      readonly context: Record<string, unknown>;
      readonly language: string;
      /** The user's first answer; without one, only the opening message is shown. */
      readonly userMessage?: string;
    }
  | { readonly kind: 'analysis'; readonly input: AnalysisInput }
  | { readonly kind: 'suggestion'; readonly input: SuggestionInput };

export interface PreviewRequest {
  readonly key: string;
  /** Unsaved content, or a stored version; neither: the current version. */
  readonly from: { readonly content?: string; readonly versionId?: string };
  readonly input: PreviewInput;
}

export type PreviewAnswer =
  | {
      readonly kind: 'coaching';
      readonly initialMessage: string;
      /** The coach's answer to the user's first message; null without one. */
      readonly turn: CoachAnswer | null;
    }
  | { readonly kind: 'analysis'; readonly output: AnalysisOutcome['output'] }
  | { readonly kind: 'suggestion'; readonly output: OnboardingSuggestion };

export interface Preview {
  readonly key: PromptKey;
  readonly versionId: string | null;
  /** The system prompt the model was (or a turn would be) sent. */
  readonly systemPrompt: string;
  readonly answer: PreviewAnswer;
  /** Null when no model was asked (a coaching preview without a user message). */
  readonly model: string | null;
  readonly usage: TokenUsage;
  /** As the budgets count it: list prices, a model without a price at 0. */
  readonly costUsd: number;
}

export interface PreviewDeps {
  readonly admin: PromptAdmin;
  readonly llm: LlmProvider;
  readonly budgets: BudgetGate;
  readonly metrics: Metrics;
  /** The model budget of a buffered call (LLM_TIMEOUT_MS). */
  readonly timeoutMs: number;
  readonly now: () => Date;
}

/** The request as its feature builds it, and how its answer reads. */
interface Rendered {
  readonly request: StructuredRequest<unknown>;
  /** False when the preview shows what needs no model (the opening message alone). */
  readonly ask: boolean;
  readonly answer: (output: unknown) => PreviewAnswer;
}

/** The caller builds the input for the key's kind; any other is a bug. */
const mismatch = (key: PromptKey): never => {
  throw new Error(`a preview of ${key} was given another template's input`);
};

function render(
  checked: CheckedTemplate,
  input: PreviewInput,
  principal: Principal,
  deps: PreviewDeps,
): Rendered {
  const { key, template } = checked;
  switch (template.kind) {
    case 'coaching': {
      if (input.kind !== 'coaching') return mismatch(key);
      const { conversation, opening } = openConversation({
        template,
        promptVersion: checked.versionId === null ? null : { key, versionId: checked.versionId },
        principal,
        input: { topic: template.topic, context: input.context, language: input.language },
        at: deps.now().toISOString(),
      });
      const request = coachRequest(conversation, template, input.userMessage ?? '', {
        timeoutMs: deps.timeoutMs,
        signal: new AbortController().signal,
      });
      return {
        request,
        ask: input.userMessage !== undefined,
        answer: (output) => ({
          kind: 'coaching',
          initialMessage: opening.content,
          turn: (output as CoachAnswer | undefined) ?? null,
        }),
      };
    }
    case 'analysis':
      if (input.kind !== 'analysis' || input.input.type !== template.analysis_type) {
        return mismatch(key);
      }
      return {
        request: analysisRequest(template, input.input),
        ask: true,
        answer: (output) => ({ kind: 'analysis', output: output as AnalysisOutcome['output'] }),
      };
    case 'suggestion':
      if (input.kind !== 'suggestion') return mismatch(key);
      return {
        request: onboardingSuggestionRequest(template, input.input),
        ask: true,
        answer: (output) => ({ kind: 'suggestion', output: output as OnboardingSuggestion }),
      };
  }
}

export function createPromptPreview(deps: PreviewDeps) {
  return async (principal: Principal, preview: PreviewRequest): Promise<Preview> => {
    const checked = await deps.admin.template(preview.key, preview.from);
    const rendered = render(checked, preview.input, principal, deps);
    const shown = {
      key: checked.key,
      versionId: checked.versionId,
      systemPrompt: rendered.request.system,
    };
    if (!rendered.ask) {
      return {
        ...shown,
        answer: rendered.answer(undefined),
        model: null,
        usage: noUsage,
        costUsd: 0,
      };
    }
    await deps.budgets.assertWithinBudget(principal);
    const result = await deps.llm.generate({
      ...rendered.request,
      timeoutMs: deps.timeoutMs,
      attribution: {
        tenantId: principal.tenantId,
        userId: principal.userId,
        subject: checked.key,
        kind: 'preview',
      },
    });
    deps.metrics.add('LLMInputTokens', result.usage.inputTokens, 'Count');
    deps.metrics.add('LLMOutputTokens', result.usage.outputTokens, 'Count');
    return {
      ...shown,
      answer: rendered.answer(result.output),
      model: result.model,
      usage: result.usage,
      costUsd: callCostUsd(result.model, result.usage) ?? 0,
    };
  };
}

export type PromptPreview = ReturnType<typeof createPromptPreview>;

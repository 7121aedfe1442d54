// The analysis use cases: run one of the four analyses through the model and keep the result,
// read a kept result back, and report a tenant's usage.
import { newId } from '../domain/ids.js';
import type { Principal } from '../domain/principal.js';
import { AnalysisNotFoundError } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import type { TokenUsage } from '../domain/usage.js';
import type { LlmProvider, StructuredRequest, StructuredResult } from '../llm/port.js';
import { estimateCostUsd } from '../llm/pricing.js';
import type { Metrics } from '../observability/metrics.js';
import type { AnalysisType } from '../domain/vocabulary.js';
import type { AnalysisTemplate } from '../prompts/template.js';
import type {
  AnalysisInput,
  AnalysisOutcome,
  ModelUsage,
  StoredAnalysis,
  UsageRecord,
} from './analysis.js';
import type { AnalysisRepository, UsageQuery } from './ports.js';
import { alignmentRequest, kpiRequest, operationsRequest, strategyRequest } from './requests.js';

export interface AnalysisDeps {
  readonly repository: AnalysisRepository;
  readonly templates: { analysis(type: AnalysisType): Promise<AnalysisTemplate> };
  readonly llm: LlmProvider;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly now?: () => Date;
}

interface Answer {
  readonly outcome: AnalysisOutcome;
  readonly result: StructuredResult<unknown>;
}

/** Usage of one model call, with the cost estimate the usage report sums. */
export function modelUsage(
  model: string,
  provider: string,
  tokens: TokenUsage,
  durationMs: number,
): ModelUsage {
  return {
    model,
    provider,
    inputTokens: tokens.inputTokens,
    outputTokens: tokens.outputTokens,
    estimatedCostUsd: estimateCostUsd(model, tokens) ?? null,
    durationMs,
  };
}

export function createAnalyses(deps: AnalysisDeps) {
  const now = deps.now ?? (() => new Date());

  async function ask<T>(
    request: StructuredRequest<T>,
    tag: (output: T) => AnalysisOutcome,
  ): Promise<Answer> {
    const result = await deps.llm.generate(request);
    return { outcome: tag(result.output), result };
  }

  async function answer(template: AnalysisTemplate, input: AnalysisInput): Promise<Answer> {
    switch (input.type) {
      case 'alignment':
        return ask(alignmentRequest(template, input), (output) => ({ type: 'alignment', output }));
      case 'strategy':
        return ask(strategyRequest(template, input), (output) => ({ type: 'strategy', output }));
      case 'kpi':
        return ask(kpiRequest(template, input), (output) => ({ type: 'kpi', output }));
      case 'operations':
        return ask(operationsRequest(template, input), (output) => ({
          type: 'operations',
          output,
        }));
    }
  }

  function countTokens(tokens: TokenUsage): void {
    deps.metrics.add('LLMInputTokens', tokens.inputTokens, 'Count');
    deps.metrics.add('LLMOutputTokens', tokens.outputTokens, 'Count');
  }

  /** A failed call still costs what the model billed; keep it in the usage report. */
  async function recordFailure(
    principal: Principal,
    input: AnalysisInput,
    template: AnalysisTemplate,
    error: unknown,
    startedAt: Date,
  ): Promise<void> {
    const durationMs = now().getTime() - startedAt.getTime();
    const tokens = (error as { usage?: TokenUsage }).usage ?? { inputTokens: 0, outputTokens: 0 };
    const model = deps.llm.modelFor?.(template.model) ?? template.model.model_id ?? deps.llm.name;
    countTokens(tokens);
    deps.logger.info({
      event: 'analysis_failed',
      user_id: principal.userId,
      tenant_id: principal.tenantId,
      analysis_type: input.type,
      model,
      input_tokens: tokens.inputTokens,
      output_tokens: tokens.outputTokens,
      duration_ms: durationMs,
      error: (error as { code?: string }).code ?? (error as Error).name,
    });
    if (tokens.inputTokens + tokens.outputTokens === 0) return;
    await deps.repository
      .recordUsage({
        id: newId('anls'),
        kind: 'analysis',
        status: 'failed',
        tenantId: principal.tenantId,
        userId: principal.userId,
        createdAt: startedAt.toISOString(),
        subject: input.type,
        detail: input.type === 'operations' ? input.specificType : undefined,
        usage: modelUsage(model, deps.llm.name, tokens, durationMs),
      })
      .catch((failure: Error) =>
        deps.logger.warn({ event: 'usage_not_recorded', reason: failure.message }),
      );
  }

  return {
    async run(principal: Principal, input: AnalysisInput): Promise<StoredAnalysis> {
      deps.metrics.add('AnalysisRequested', 1, 'Count');
      const startedAt = now();
      const template = await deps.templates.analysis(input.type);
      let answered: Answer;
      try {
        answered = await answer(template, input);
      } catch (error) {
        await recordFailure(principal, input, template, error, startedAt);
        throw error;
      }
      const { outcome, result } = answered;
      const durationMs = now().getTime() - startedAt.getTime();
      const analysis: StoredAnalysis = {
        id: newId('anls'),
        kind: 'analysis',
        status: 'completed',
        tenantId: principal.tenantId,
        userId: principal.userId,
        createdAt: startedAt.toISOString(),
        subject: input.type,
        detail: input.type === 'operations' ? input.specificType : undefined,
        usage: modelUsage(result.model, result.provider, result.usage, durationMs),
        outcome,
      };
      await deps.repository.save(analysis);
      countTokens(result.usage);
      deps.logger.info({
        event: 'analysis_completed',
        analysis_id: analysis.id,
        user_id: principal.userId,
        tenant_id: principal.tenantId,
        analysis_type: input.type,
        specific_analysis_type: analysis.detail,
        model: result.model,
        input_tokens: result.usage.inputTokens,
        output_tokens: result.usage.outputTokens,
        estimated_cost_usd: analysis.usage.estimatedCostUsd,
        duration_ms: durationMs,
      });
      return analysis;
    },

    /** The caller's own analysis; anyone else's is indistinguishable from a missing one. */
    async get(principal: Principal, analysisId: string): Promise<StoredAnalysis> {
      const analysis = analysisId.startsWith('anls_')
        ? await deps.repository.get(analysisId)
        : undefined;
      if (
        !analysis ||
        analysis.tenantId !== principal.tenantId ||
        analysis.userId !== principal.userId
      ) {
        throw new AnalysisNotFoundError(analysisId);
      }
      return analysis;
    },

    usage(query: UsageQuery): Promise<UsageRecord[]> {
      return deps.repository.usage(query);
    },
  };
}

export type Analyses = ReturnType<typeof createAnalyses>;

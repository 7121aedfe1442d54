// Running an analysis: the type's template, one model call for the type's output schema, and
// the result kept with its usage; a failed call still leaves its usage in the report, since
// the model billed it.
import { newId, type Principal, type SpendAttribution, type TokenUsage } from '../domain/kernel.js';
import type { StructuredResult } from '../llm/port.js';
import type { AnalysisTemplate } from '../prompts/template.js';
import type { AnalysisDeps } from './analysis-deps.js';
import type { AnalysisInput } from './analysis-input.js';
import { modelUsage, type AnalysisOutcome, type StoredAnalysis } from './analysis-records.js';
import { analysisRequest } from './model-requests.js';

interface Answer {
  readonly outcome: AnalysisOutcome;
  readonly result: StructuredResult<unknown>;
}

export interface RunOptions {
  /** The model budget when it is not the adapter's default (a job's). */
  readonly timeoutMs?: number;
}

/** What every model request of a run carries besides the analysis's own. */
type AskOptions = RunOptions & { readonly attribution: SpendAttribution };

export async function runAnalysis(
  deps: AnalysisDeps,
  principal: Principal,
  input: AnalysisInput,
  options: RunOptions = {},
): Promise<StoredAnalysis> {
  deps.metrics.add('AnalysisRequested', 1, 'Count');
  const startedAt = deps.now();
  const template = await deps.templates.analysis(input.type);
  let answered: Answer;
  const attribution = {
    tenantId: principal.tenantId,
    userId: principal.userId,
    subject: `analysis/${input.type}`,
    kind: 'analysis',
  } as const;
  try {
    answered = await answer(deps, template, input, { ...options, attribution });
  } catch (error) {
    await recordFailure(deps, principal, input, template, error, startedAt);
    throw error;
  }
  const { outcome, result } = answered;
  const durationMs = deps.now().getTime() - startedAt.getTime();
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
    promptVersion: template.promptVersion,
  };
  await deps.repository.save(analysis);
  countTokens(deps, result.usage);
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
}

/** The model's answer for the input's type, tagged with the analysis it answers. */
async function answer(
  deps: AnalysisDeps,
  template: AnalysisTemplate,
  input: AnalysisInput,
  { timeoutMs, attribution }: AskOptions,
): Promise<Answer> {
  const result = await deps.llm.generate({
    ...analysisRequest(template, input),
    attribution,
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
  });
  // The output passed the schema of the input's type, so it is that type's outcome.
  return { outcome: { type: input.type, output: result.output } as AnalysisOutcome, result };
}

function countTokens(deps: AnalysisDeps, tokens: TokenUsage): void {
  deps.metrics.add('LLMInputTokens', tokens.inputTokens, 'Count');
  deps.metrics.add('LLMOutputTokens', tokens.outputTokens, 'Count');
}

/** A failed call still costs what the model billed; keep it in the usage report. */
async function recordFailure(
  deps: AnalysisDeps,
  principal: Principal,
  input: AnalysisInput,
  template: AnalysisTemplate,
  error: unknown,
  startedAt: Date,
): Promise<void> {
  const durationMs = deps.now().getTime() - startedAt.getTime();
  const tokens = (error as { usage?: TokenUsage }).usage ?? { inputTokens: 0, outputTokens: 0 };
  const model = deps.llm.modelFor?.(template.model) ?? template.model.model_id ?? deps.llm.name;
  countTokens(deps, tokens);
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

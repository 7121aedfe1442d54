// What the model is asked for in each analysis: the template's system prompt, its instructions
// filled from the request, the output schema the answer must pass, and the offline answer.
import type { z } from 'zod';
import type { StructuredRequest } from '../llm/port.js';
import { fillPlaceholders, type AnalysisTemplate } from '../prompts/template.js';
import type { AnalysisInput, BusinessContext, InputOf } from './analysis-input.js';
import type { AnalysisOutcome } from './analysis-records.js';
import { offlineAlignment } from './offline/alignment.js';
import { offlineKpi } from './offline/kpi.js';
import { offlineOperations } from './offline/operations.js';
import { offlineStrategy } from './offline/strategy.js';
import {
  alignmentOutput,
  kpiOutput,
  operationsOutputs,
  strategyOutput,
  type AlignmentOutput,
  type KpiOutput,
  type OperationsOutput,
  type StrategyOutput,
} from './outputs.js';

function contextText(context: BusinessContext): string {
  return Object.keys(context).length > 0
    ? JSON.stringify(context, null, 2)
    : '(no context was given)';
}

function request<T>(
  template: AnalysisTemplate,
  input: AnalysisInput,
  placeholders: Record<string, string>,
  output: { name: string; schema: z.ZodType<T> },
  offline: () => T,
): StructuredRequest<T> {
  return {
    system: template.system_prompt.trim(),
    messages: [
      {
        role: 'user',
        content: fillPlaceholders(template.instructions, {
          ...placeholders,
          context: contextText(input.context),
        }),
      },
    ],
    settings: template.model,
    output: { ...output, description: `The result of the ${template.title}` },
    offline,
  };
}

export function alignmentRequest(
  template: AnalysisTemplate,
  input: InputOf<'alignment'>,
): StructuredRequest<AlignmentOutput> {
  return request(
    template,
    input,
    { text_to_analyze: input.textToAnalyze },
    { name: 'alignment_analysis', schema: alignmentOutput },
    () => offlineAlignment(input),
  );
}

export function strategyRequest(
  template: AnalysisTemplate,
  input: InputOf<'strategy'>,
): StructuredRequest<StrategyOutput> {
  return request(
    template,
    input,
    { current_strategy: input.currentStrategy },
    { name: 'strategy_analysis', schema: strategyOutput },
    () => offlineStrategy(input),
  );
}

export function kpiRequest(
  template: AnalysisTemplate,
  input: InputOf<'kpi'>,
): StructuredRequest<KpiOutput> {
  return request(
    template,
    input,
    { current_kpis: input.currentKpis.join('\n') },
    { name: 'kpi_analysis', schema: kpiOutput },
    () => offlineKpi(input),
  );
}

export function operationsRequest(
  template: AnalysisTemplate,
  input: InputOf<'operations'>,
): StructuredRequest<OperationsOutput> {
  const schema: z.ZodType<OperationsOutput> = operationsOutputs[input.specificType];
  return request(
    template,
    input,
    { specific_analysis_type: input.specificType, description: input.description },
    { name: `${input.specificType}_analysis`, schema },
    () => offlineOperations(input),
  );
}

/** The request of the input's analysis, whichever its type: what a run asks, and a preview. */
export function analysisRequest(
  template: AnalysisTemplate,
  input: AnalysisInput,
): StructuredRequest<AnalysisOutcome['output']> {
  switch (input.type) {
    case 'alignment':
      return alignmentRequest(template, input);
    case 'strategy':
      return strategyRequest(template, input);
    case 'kpi':
      return kpiRequest(template, input);
    case 'operations':
      return operationsRequest(template, input);
  }
}

// Request and response schemas of the analysis routes. The same objects validate requests,
// type the handlers and generate the OpenAPI document.
import { z } from 'zod';
import type { AnalysisInput } from '../analysis/analysis-input.js';
import {
  actionPlanOutput,
  alignmentOutput,
  kpiOutput,
  operationsTypes,
  rootCauseOutput,
  strategyOutput,
  swotOutput,
} from '../analysis/outputs.js';
import { recordedPromptVersion } from './prompt-version-schema.js';
import { anyCaseChoice, clientJson, trimmedText } from './request-fields.js';

const businessContext = clientJson(
  'What the owner has shared about the business, e.g. purpose, core_values, goals',
);

const textToAnalyse = (what: string) => trimmedText(10, 10000, { what });

// ---- requests ----

export const alignmentBody = z.object({
  text_to_analyze: textToAnalyse('The text to check against the purpose, values and goals'),
  context: businessContext,
});

export const strategyBody = z.object({
  current_strategy: textToAnalyse('The strategy as the owner would describe it'),
  context: businessContext,
});

export const kpiBody = z.object({
  current_kpis: z
    .array(trimmedText(1, 200, { what: 'One KPI as the owner tracks it' }))
    .min(1)
    .max(50)
    .describe('The KPIs to evaluate, 1–50 of them'),
  context: businessContext,
});

export const operationsBody = z.object({
  analysis_type: anyCaseChoice(operationsTypes, 'The method of analysis'),
  description: textToAnalyse('The situation to analyse'),
  context: businessContext,
});

/** Each analysis's body, and the input it is read as: what its route takes, and a preview. */
export const analysisBodies = {
  alignment: {
    schema: alignmentBody,
    read: (body: z.output<typeof alignmentBody>): AnalysisInput => ({
      type: 'alignment',
      textToAnalyze: body.text_to_analyze,
      context: body.context,
    }),
  },
  strategy: {
    schema: strategyBody,
    read: (body: z.output<typeof strategyBody>): AnalysisInput => ({
      type: 'strategy',
      currentStrategy: body.current_strategy,
      context: body.context,
    }),
  },
  kpi: {
    schema: kpiBody,
    read: (body: z.output<typeof kpiBody>): AnalysisInput => ({
      type: 'kpi',
      currentKpis: body.current_kpis,
      context: body.context,
    }),
  },
  operations: {
    schema: operationsBody,
    read: (body: z.output<typeof operationsBody>): AnalysisInput => ({
      type: 'operations',
      specificType: body.analysis_type,
      description: body.description,
      context: body.context,
    }),
  },
};

// ---- responses ----

const analysisMetadata = z.object({
  user_id: z.string(),
  tenant_id: z.string(),
  analysis_version: z.literal('1.0'),
  model: z.string().describe('The model that answered; "offline" for the offline provider'),
  prompt_version: recordedPromptVersion,
});

const analysisEnvelope = {
  analysis_id: z.string().describe('anls_…'),
  created_at: z.string().describe('ISO-8601 UTC timestamp'),
  metadata: analysisMetadata,
};

export const alignmentResponse = z.object({
  ...analysisEnvelope,
  analysis_type: z.literal('alignment'),
  ...alignmentOutput.shape,
});

export const strategyResponse = z.object({
  ...analysisEnvelope,
  analysis_type: z.literal('strategy'),
  ...strategyOutput.shape,
});

export const kpiResponse = z.object({
  ...analysisEnvelope,
  analysis_type: z.literal('kpi'),
  ...kpiOutput.shape,
});

const operationsEnvelope = { ...analysisEnvelope, analysis_type: z.literal('operations') };

export const operationsResponse = z.discriminatedUnion('specific_analysis_type', [
  z.object({ ...operationsEnvelope, ...swotOutput.shape }),
  z.object({ ...operationsEnvelope, ...rootCauseOutput.shape }),
  z.object({ ...operationsEnvelope, ...actionPlanOutput.shape }),
]);

/** `GET /analysis/{analysis_id}` answers with whichever analysis was stored. */
export const analysisResponse = z.union([
  alignmentResponse,
  strategyResponse,
  kpiResponse,
  operationsResponse,
]);

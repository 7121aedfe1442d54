// Request and response schemas of the analysis routes. The same objects validate requests,
// type the handlers and generate the OpenAPI document.
import { z } from 'zod';
import {
  actionPlanOutput,
  alignmentOutput,
  kpiOutput,
  operationsTypes,
  rootCauseOutput,
  strategyOutput,
  swotOutput,
} from '../analysis/outputs.js';
import { clientJsonObject } from './client-json.js';

const businessContext = clientJsonObject
  .default({})
  .describe('What the owner has shared about the business, e.g. purpose, core_values, goals');

const textToAnalyse = z.string().trim().min(10).max(10000);

// ---- requests ----

export const alignmentBody = z.object({
  text_to_analyze: textToAnalyse,
  context: businessContext,
});

export const strategyBody = z.object({
  current_strategy: textToAnalyse,
  context: businessContext,
});

export const kpiBody = z.object({
  current_kpis: z.array(z.string().trim().min(1).max(200)).min(1).max(50),
  context: businessContext,
});

export const operationsBody = z.object({
  analysis_type: z
    .string()
    .trim()
    .toLowerCase()
    .pipe(z.enum(operationsTypes))
    .describe('swot, root_cause or action_plan (case does not matter)'),
  description: textToAnalyse,
  context: businessContext,
});

// ---- responses ----

const analysisMetadata = z.object({
  user_id: z.string(),
  tenant_id: z.string(),
  analysis_version: z.literal('1.0'),
  model: z.string().describe('The model that answered; "offline" for the offline provider'),
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

/** Each analysis route with its request and response schemas, for the OpenAPI document. */
export const analysisRouteSchemas = [
  { type: 'alignment', body: alignmentBody, response: alignmentResponse },
  { type: 'strategy', body: strategyBody, response: strategyResponse },
  { type: 'kpi', body: kpiBody, response: kpiResponse },
  { type: 'operations', body: operationsBody, response: operationsResponse },
] as const;

// The shapes a model's analysis must have: one output schema per analysis (three for the
// operations methods). Every answer, offline or real, is validated against these before use.
import { z } from 'zod';

export const operationsTypes = ['swot', 'root_cause', 'action_plan'] as const;
export type OperationsType = (typeof operationsTypes)[number];

export const priorities = ['high', 'medium', 'low'] as const;
export type Priority = (typeof priorities)[number];

const sentence = z.string().trim().min(1).max(2000);
const shortText = z.string().trim().min(1).max(300);
const points = (max: number) => z.array(sentence).max(max);
const score = z.number().min(0).max(100);
const priority = z.enum(priorities);

export const actionRecommendation = z.object({
  action: sentence.describe('What to do, concretely'),
  rationale: sentence.describe('Why it helps'),
  priority,
});

export const alignmentOutput = z.object({
  scores: z.object({
    overall_score: score,
    purpose_alignment: score,
    values_alignment: score,
    goal_clarity: score,
  }),
  overall_assessment: sentence,
  strengths: points(10),
  misalignments: points(10),
  recommendations: z.array(actionRecommendation).min(1).max(10),
});
export type AlignmentOutput = z.infer<typeof alignmentOutput>;

export const strategyOutput = z.object({
  effectiveness_score: score,
  overall_assessment: sentence,
  strengths: points(10),
  weaknesses: points(10),
  opportunities: points(10),
  recommendations: z
    .array(
      z.object({
        category: shortText.describe('A short label such as Positioning or Pricing'),
        recommendation: sentence,
        priority,
        rationale: sentence,
        estimated_impact: sentence,
      }),
    )
    .min(1)
    .max(10),
});
export type StrategyOutput = z.infer<typeof strategyOutput>;

export const kpiOutput = z.object({
  kpi_effectiveness_score: score,
  overall_assessment: sentence,
  current_kpi_analysis: z
    .array(
      z.object({
        kpi: z.string().trim().min(1).max(200).describe('The KPI exactly as the owner wrote it'),
        assessment: sentence,
        relevance: priority,
      }),
    )
    .max(50),
  missing_kpis: z.array(shortText).max(20),
  recommended_kpis: z
    .array(
      z.object({
        kpi_name: shortText,
        description: sentence,
        rationale: sentence,
        target_range: shortText.nullable(),
        measurement_frequency: shortText,
      }),
    )
    .min(1)
    .max(10),
});
export type KpiOutput = z.infer<typeof kpiOutput>;

const operationsTail = {
  recommendations: z.array(actionRecommendation).min(1).max(10),
  priority_actions: z.array(sentence).min(1).max(5),
};

export const swotOutput = z.object({
  specific_analysis_type: z.literal('swot'),
  findings: z.object({
    strengths: points(10),
    weaknesses: points(10),
    opportunities: points(10),
    threats: points(10),
  }),
  ...operationsTail,
});

export const rootCauseOutput = z.object({
  specific_analysis_type: z.literal('root_cause'),
  findings: z.object({
    problem: sentence,
    root_causes: z.array(sentence).min(1).max(10),
    contributing_factors: points(10),
  }),
  ...operationsTail,
});

export const actionPlanOutput = z.object({
  specific_analysis_type: z.literal('action_plan'),
  findings: z.object({
    goal: sentence,
    action_items: z
      .array(z.object({ action: sentence, owner: shortText, timeline: shortText }))
      .min(1)
      .max(15),
  }),
  ...operationsTail,
});

export const operationsOutputs = {
  swot: swotOutput,
  root_cause: rootCauseOutput,
  action_plan: actionPlanOutput,
} as const;

export type SwotOutput = z.infer<typeof swotOutput>;
export type RootCauseOutput = z.infer<typeof rootCauseOutput>;
export type ActionPlanOutput = z.infer<typeof actionPlanOutput>;
export type OperationsOutput = SwotOutput | RootCauseOutput | ActionPlanOutput;

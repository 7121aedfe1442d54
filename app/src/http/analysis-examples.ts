// The analysis routes' examples in the OpenAPI document: each analysis's request and the stored
// analysis it answers with.
import { ANALYSIS_VERSION } from '../analysis/analysis-records.js';
import { promptVersionExample } from './prompt-version-schema.js';

const AT = '2026-01-31T12:00:00.000Z';
const exampleMetadata = {
  user_id: 'user_123',
  tenant_id: 'tenant_abc',
  analysis_version: ANALYSIS_VERSION,
  model: 'us.anthropic.claude-sonnet-4-6',
};
const exampleRecommendation = {
  action: 'Name sustainability in your supplier promise.',
  rationale: 'It is one of your core values, but the text never expresses it.',
  priority: 'high',
};
const envelopeExample = (type: string) => ({
  analysis_id: 'anls_5f0c3a9e2b7d4c1a8e6f9b0d2c4a6e8f',
  analysis_type: type,
  created_at: AT,
  metadata: {
    ...exampleMetadata,
    prompt_version: promptVersionExample(`analysis/${type}`),
  },
});

export const analysisExamples = {
  alignment: {
    body: {
      text_to_analyze: 'We bake every loaf by hand with local flour and treat staff like family.',
      context: { purpose: 'Real bread for every neighbourhood', core_values: ['Craft', 'Care'] },
    },
    response: {
      ...envelopeExample('alignment'),
      scores: { overall_score: 72, purpose_alignment: 78, values_alignment: 80, goal_clarity: 45 },
      overall_assessment: 'Craft and care come through clearly; there is no measurable goal.',
      strengths: ['Hand baking expresses the value Craft.'],
      misalignments: ['No goal or deadline is stated.'],
      recommendations: [exampleRecommendation],
    },
  },
  strategy: {
    body: {
      current_strategy: 'Sell premium sourdough to cafes through weekly standing orders.',
      context: {},
    },
    response: {
      ...envelopeExample('strategy'),
      effectiveness_score: 64,
      overall_assessment: 'A focused segment and a recurring model; pricing is untested.',
      strengths: ['Standing orders make revenue predictable.'],
      weaknesses: ['No price point is named.'],
      opportunities: ['Cafes could resell loaves to their customers.'],
      recommendations: [
        {
          category: 'Pricing',
          recommendation: 'Test two wholesale price points with five cafes.',
          priority: 'high',
          rationale: 'Margins decide whether the model works.',
          estimated_impact: 'Known margins within a quarter.',
        },
      ],
    },
  },
  kpi: {
    body: { current_kpis: ['Monthly revenue', 'Customer happiness'], context: {} },
    response: {
      ...envelopeExample('kpi'),
      kpi_effectiveness_score: 45,
      overall_assessment: 'Revenue is tracked; nothing shows whether customers come back.',
      current_kpi_analysis: [
        { kpi: 'Monthly revenue', assessment: 'Clear and measurable.', relevance: 'high' },
        {
          kpi: 'Customer happiness',
          assessment: 'Not measurable as written.',
          relevance: 'medium',
        },
      ],
      missing_kpis: ['customer retention'],
      recommended_kpis: [
        {
          kpi_name: 'Repeat order rate',
          description: 'Share of customers ordering again within 30 days.',
          rationale: 'A leading indicator of revenue.',
          target_range: '70-85%',
          measurement_frequency: 'monthly',
        },
      ],
    },
  },
  operations: {
    body: {
      analysis_type: 'swot',
      description: 'Our bakers are loyal. Deliveries are often late. Competitors cut prices.',
      context: {},
    },
    response: {
      ...envelopeExample('operations'),
      specific_analysis_type: 'swot',
      findings: {
        strengths: ['Loyal bakers.'],
        weaknesses: ['Late deliveries.'],
        opportunities: ['Growing demand for organic bread.'],
        threats: ['Competitors cutting prices.'],
      },
      recommendations: [exampleRecommendation],
      priority_actions: ['Fix the delivery schedule.'],
    },
  },
} as const;

// The analysis routes' part of the OpenAPI document: the four analyses and the read-back, with
// their schemas, examples and errors (analysis-routes.ts serves them).
import { ANALYSIS_VERSION } from '../analysis/analysis-records.js';
import { analysisResponse, analysisRouteSchemas } from './analysis-schemas.js';
import { acceptedResponse } from './job-docs.js';
import type { DocsContribution } from './openapi.js';
import { asyncHeaders } from './request-headers.js';

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
  metadata: exampleMetadata,
});

const routeExamples = {
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

const operations = {
  alignment: {
    operationId: 'analyzeAlignment',
    summary: 'Score how well a text fits the business’s purpose, values and goals',
    description:
      'Scores (0–100) for purpose, values and goal clarity, with strengths, misalignments and ' +
      'prioritised recommendations.',
  },
  strategy: {
    operationId: 'analyzeStrategy',
    summary: 'Evaluate a business strategy',
    description:
      'An effectiveness score with strengths, weaknesses, opportunities and categorised ' +
      'recommendations.',
  },
  kpi: {
    operationId: 'analyzeKpis',
    summary: 'Evaluate a set of key performance indicators',
    description:
      'Each KPI assessed as written, the areas none of them covers, and KPIs worth adding.',
  },
  operations: {
    operationId: 'analyzeOperations',
    summary: 'A SWOT, root cause or action plan analysis of a situation',
    description:
      'The findings of the chosen method (`analysis_type`), recommendations and up to five ' +
      'priority actions.',
  },
} as const;

export const analysisDocs: DocsContribution = (docs) => {
  const base = `${docs.prefix}/analysis`;
  const tag = 'analysis';
  const stored = docs.schema('Analysis', analysisResponse);
  for (const route of analysisRouteSchemas) {
    const name = route.type.charAt(0).toUpperCase() + route.type.slice(1);
    docs.route({
      method: 'post',
      path: `${base}/${route.type}`,
      operationId: operations[route.type].operationId,
      tag,
      summary: operations[route.type].summary,
      description: `${operations[route.type].description} The result is stored; Location names it for a later GET. With \`Prefer: respond-async\` it runs as a job (202).`,
      auth: true,
      headers: asyncHeaders(
        'Used with respond-async only (and checked always): the same key and body name the same job (kept 24 h); a key is the user’s own for this analysis type',
      ),
      body: {
        schema: docs.schema(`${name}AnalysisRequest`, route.body),
        example: routeExamples[route.type].body,
      },
      responses: {
        201: {
          description: 'The analysis, as the model produced it',
          schema: docs.schema(`${name}AnalysisResponse`, route.response),
          example: routeExamples[route.type].response,
          headers: { Location: 'The analysis URL' },
          links: {
            GetAnalysis: {
              operationId: 'getAnalysis',
              parameters: { analysis_id: '$response.body#/analysis_id' },
              description: 'Read the stored analysis that the Location header names',
            },
          },
        },
        202: acceptedResponse(docs, 'analysis'),
      },
      errors: { 502: ['llm_bad_response'] },
    });
  }
  docs.route({
    method: 'get',
    path: `${base}/:analysis_id`,
    operationId: 'getAnalysis',
    tag,
    summary: 'Read a stored analysis again (its owner only)',
    description:
      'The same body the analysis answered when it was made; 404 for anyone but the user and ' +
      'tenant who made it.',
    auth: true,
    responses: {
      200: {
        description: 'The stored analysis',
        schema: stored,
        example: routeExamples.kpi.response,
      },
    },
    errors: { 404: ['analysis_not_found'] },
  });
};

// The analyses and the onboarding suggestion through the real Bedrock SDK client against the
// fake Bedrock endpoint: what the model is sent, that its answer is the response, and the 502
// after one failed repair.
import { expect } from 'chai';
import {
  alignmentResponse,
  kpiResponse,
  operationsResponse,
  strategyResponse,
} from '../../app/src/http/analysis-schemas.js';
import { onboardingSuggestionResponse } from '../../app/src/http/suggestion-schemas.js';
import { createAnalysisRepository } from '../../app/src/storage/analysis-repository.js';
import { analysisAnswers as answers } from '../support/fake-answers.js';
import { useApiWithFakeBedrock } from '../support/fixtures.js';

const MODEL = 'anthropic.claude-3-haiku-20240307-v1:0';

describe('analyses through Bedrock (real SDK, fake endpoint)', () => {
  const { api, fake } = useApiWithFakeBedrock({
    env: { DEFAULT_LLM_MODEL: MODEL, ALLOWED_LLM_MODELS: MODEL, LLM_TIMEOUT_MS: '3000' },
    otherwise: null,
  });
  let token: string;

  before(async () => {
    token = await api.token('bea', 'bakeco');
  });

  const post = (path: string, body: unknown) =>
    api.request('POST', `/api/v1/analysis/${path}`, { token, body });

  it("when the model answers an alignment analysis through the tool, then the response is that answer with the model's name, and the model was sent the template, the text and the context", async () => {
    fake.script({ tool: answers.alignment, usage: { inputTokens: 900, outputTokens: 250 } });
    const response = await post('alignment', {
      text_to_analyze: 'We bake every loaf by hand with local flour.',
      context: { core_values: ['Craft', 'Sustainability'] },
    });
    expect(response.status).to.equal(201);
    const body = alignmentResponse.parse(response.body);
    expect(body.metadata.model).to.equal(MODEL);
    expect(body.scores).to.deep.equal(answers.alignment.scores);
    expect(body.recommendations).to.deep.equal(answers.alignment.recommendations);

    expect(fake.requests).to.have.lengthOf(1);
    const sent = fake.requests[0]!;
    expect(sent.modelId).to.equal(MODEL);
    expect(sent.system?.[0]?.text).to.include('senior business analyst');
    const prompt = sent.messages[0]?.content[0]?.text ?? '';
    expect(prompt).to.include('We bake every loaf by hand with local flour.');
    expect(prompt).to.include('"Sustainability"');
    expect(prompt).to.not.include('{{');
    expect(sent.inferenceConfig?.temperature).to.equal(0.2);
    expect(sent.toolConfig?.toolChoice?.tool?.name).to.equal('alignment_analysis');

    const [record] = await createAnalysisRepository(api.dynamo, api.config.tables.analyses).usage({
      tenantId: 'bakeco',
      from: new Date(Date.now() - 5_000).toISOString(),
    });
    expect(record?.usage).to.include({ model: MODEL, inputTokens: 900, outputTokens: 250 });
  });

  it('when the model answers strategy, kpi and a SWOT, then each response is its answer and passes its schema', async () => {
    fake.script({ tool: answers.strategy }, { tool: answers.kpi }, { tool: answers.swot });
    const strategy = await post('strategy', {
      current_strategy: 'Sell at farmers markets every Saturday.',
    });
    expect(strategy.status).to.equal(201);
    expect(strategyResponse.parse(strategy.body).recommendations).to.deep.equal(
      answers.strategy.recommendations,
    );
    const kpi = await post('kpi', { current_kpis: ['Revenue'] });
    expect(kpi.status).to.equal(201);
    expect(kpiResponse.parse(kpi.body).recommended_kpis).to.deep.equal(
      answers.kpi.recommended_kpis,
    );
    const swot = await post('operations', {
      analysis_type: 'swot',
      description: 'Loyal bakers, late deliveries, growing organic demand.',
    });
    expect(swot.status).to.equal(201);
    expect(operationsResponse.parse(swot.body).findings).to.deep.equal(answers.swot.findings);
    expect(fake.requests.map((r) => r.toolConfig?.toolChoice?.tool?.name)).to.deep.equal([
      'strategy_analysis',
      'kpi_analysis',
      'swot_analysis',
    ]);
    expect(fake.requests[2]?.messages[0]?.content[0]?.text).to.include('Perform a swot analysis');
  });

  it('when the model answers a root cause with SWOT findings twice, then one repair is asked for and the answer is 502 llm_bad_response, with nothing to read back', async () => {
    fake.script(
      { tool: answers.swot, usage: { inputTokens: 500, outputTokens: 100 } },
      { tool: answers.swot, usage: { inputTokens: 650, outputTokens: 100 } },
    );
    const response = await post('operations', {
      analysis_type: 'root_cause',
      description: 'Deliveries are late because orders are typed in by hand.',
    });
    expect(response.status).to.equal(502);
    expect(response.body.error).to.equal('llm_bad_response');
    expect(fake.requests).to.have.lengthOf(2);
    const usage = await createAnalysisRepository(api.dynamo, api.config.tables.analyses).usage({
      tenantId: 'bakeco',
    });
    const failed = usage.filter((u) => u.status === 'failed');
    expect(failed.map((u) => [u.detail, u.usage.inputTokens, u.usage.outputTokens])).to.deep.equal([
      ['root_cause', 1150, 200],
    ]);
    const read = await api.request('GET', `/api/v1/analysis/${failed[0]?.id ?? ''}`, { token });
    expect(read.status).to.equal(404);
  });

  it("when the model answers the onboarding suggestion, then the legacy envelope carries the model's text", async () => {
    fake.script({
      tool: { suggestion: 'I bake real bread for cafes that care where flour comes from.' },
    });
    const response = await api.request('POST', '/api/v1/suggestions/onboarding', {
      token,
      body: { kind: 'valueProposition', current: 'Real bread for cafes.' },
    });
    expect(response.status).to.equal(200);
    expect(onboardingSuggestionResponse.parse(response.body).data.suggestion).to.equal(
      'I bake real bread for cafes that care where flour comes from.',
    );
    expect(fake.requests[0]?.messages[0]?.content[0]?.text).to.include('Real bread for cafes.');
    expect(fake.requests[0]?.toolConfig?.toolChoice?.tool?.name).to.equal('onboarding_suggestion');
  });

  it('when the suggestion stays invalid after the repair, then 502 in the legacy envelope', async () => {
    fake.script({ tool: { suggestion: '' } }, { tool: { text: 'no' } });
    const response = await api.request('POST', '/api/v1/suggestions/onboarding', {
      token,
      body: { kind: 'niche' },
    });
    expect(response.status).to.equal(502);
    expect(response.body).to.include({ success: false, data: null, error: 'llm_bad_response' });
    expect(response.headers.get('deprecation')).to.equal('true');
  });
});

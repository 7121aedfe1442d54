// A template's preview over HTTP: the current version, a stored one or unsaved content, rendered
// into the request a turn, an analysis or the onboarding suggestion sends, answered once by the
// stage's model (the fake Bedrock), storing nothing and counted against the caller's budgets.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import type { TableId } from '../../app/src/storage/tables.js';
import { budgetEnv, expectQuotaExceeded, seedSpend, usageOf } from '../support/budgets.js';
import { analysisAnswers, coachingTurn } from '../support/fake-answers.js';
import { fakeBedrockEnv, startFakeBedrock, type FakeBedrock } from '../support/fake-bedrock.js';
import { startApi, type TestApi } from '../support/harness.js';

const MODEL = 'us.anthropic.claude-sonnet-4-6';
const PROMPTS = '/api/v1/admin/prompts';
const promptsDir = path.resolve(__dirname, '..', '..', 'prompts');
const shipped = (file: string) => readFileSync(path.join(promptsDir, file), 'utf8');

type PreviewBody = Record<string, unknown> & {
  key: string;
  version_id: string | null;
  system_prompt: string;
  answer: Record<string, unknown>;
  usage: { model: string | null; input_tokens: number; output_tokens: number; cost_usd: number };
  error?: string;
  detail?: { loc: (string | number)[] }[];
};

/** The tables a preview must leave alone. */
const STORED: readonly TableId[] = ['conversations', 'messages', 'coachingSessions', 'analyses'];

describe('a prompt template’s preview', () => {
  let fake: FakeBedrock;
  let api: TestApi;
  let admin: string;

  before(async () => {
    fake = await startFakeBedrock();
    api = await startApi({
      env: { ...fakeBedrockEnv(fake, MODEL), ...budgetEnv({ userDailyUsd: 5 }) },
    });
  });
  beforeEach(async () => {
    fake.reset();
    // A user of its own a test: the budgets are counted per user and day.
    admin = await api.token(`root-${Math.random().toString(36).slice(2)}`, 'home-co', {
      roles: ['platform_admin'],
    });
  });
  after(async () => {
    await api.close();
    await fake.close();
  });

  const preview = (key: string, body: Record<string, unknown>, token = admin) =>
    api.request<PreviewBody>('POST', `${PROMPTS}/${key}/preview`, { token, body });
  const storedNothing = async () => {
    for (const table of STORED) expect(await api.items(table), table).to.deep.equal([]);
  };
  const currentVersion = async (key: string) =>
    (await api.request<{ version_id: string }>('GET', `${PROMPTS}/${key}`, { token: admin })).body
      .version_id;
  const systemSent = (i = 0) =>
    (fake.requests[i]?.system ?? [])
      .map((block) => block.text ?? '')
      .join('')
      .trim();

  it('when a coaching template is previewed without a user message, then its opening message is shown, no model is asked and nothing is stored', async () => {
    const response = await preview('coaching/goals', {});
    expect(response.status, response.text).to.equal(200);
    expect(response.body.version_id).to.equal(await currentVersion('coaching/goals'));
    expect(response.body.answer).to.deep.equal({
      initial_message: /^initial_message: >\n((?: {2}.*\n)+)/m
        .exec(shipped('coaching/goals.yaml'))?.[1]
        ?.split('\n')
        .map((line) => line.trim())
        .filter(Boolean)
        .join(' '),
      turn: null,
    });
    expect(response.body.usage).to.deep.include({ model: null, cost_usd: 0 });
    expect(fake.requests).to.have.length(0);
    await storedNothing();
  });

  it('when a coaching template is previewed with a user message, then the model answers it as a first turn, the system prompt shown is the one sent, the spend is the caller’s and nothing is stored', async () => {
    const turn = coachingTurn({ ai_response: 'Growth it is.' });
    fake.script({ tool: turn, usage: { inputTokens: 1000, outputTokens: 100 } });
    const response = await preview('coaching/goals', {
      user_message: 'I want to double recurring revenue',
      context: { company: 'Acme Bakery' },
      language: 'de',
    });
    expect(response.status, response.text).to.equal(200);
    expect(response.body.answer.turn).to.deep.equal(turn);
    expect(fake.requests).to.have.length(1);
    expect(fake.requests[0]?.modelId).to.equal(MODEL);
    expect(response.body.system_prompt).to.equal(systemSent());
    expect(response.body.system_prompt).to.include('Acme Bakery').and.include('"de"');
    const lastUser = fake.requests[0]?.messages.at(-1)?.content.map((c) => c.text).join('');
    expect(lastUser).to.include('I want to double recurring revenue');
    expect(response.body.usage).to.deep.include({
      model: MODEL,
      input_tokens: 1000,
      output_tokens: 100,
    });
    const cost = (1000 * 3.3 + 100 * 16.5) / 1e6;
    expect(response.body.usage.cost_usd).to.be.closeTo(cost, 1e-12);
    const usage = await usageOf(api, admin);
    expect(usage.day).to.include({ calls: 1, input_tokens: 1000, output_tokens: 100 });
    await storedNothing();
  });

  it('when unsaved content is previewed, then it is what the model is sent, with no version id; content naming a model outside the allowed list is 422 and no model is asked', async () => {
    fake.script({ tool: coachingTurn() });
    const content = shipped('coaching/goals.yaml').replace(
      /^system_prompt: \|\n/m,
      'system_prompt: |\n  PREVIEW-MARKER: speak like a pirate.\n',
    );
    const response = await preview('coaching/goals', { content, user_message: 'Hello' });
    expect(response.status, response.text).to.equal(200);
    expect(response.body.version_id).to.equal(null);
    expect(systemSent()).to.include('PREVIEW-MARKER');
    fake.reset();
    const disallowed = await preview('coaching/goals', {
      content: content.replace(/^model:\n/m, 'model:\n  model_id: some.other-model-v1\n'),
      user_message: 'Hello',
    });
    expect(disallowed.status).to.equal(422);
    expect(disallowed.body.error).to.equal('invalid_template');
    expect(disallowed.body.detail?.[0]?.loc).to.deep.equal(['model', 'model_id']);
    expect(fake.requests).to.have.length(0);
    await storedNothing();
  });

  it('when a stored version is previewed, then that version is rendered; another key’s version is 404, and content with a version_id is 422', async () => {
    const goals = await currentVersion('coaching/goals');
    const stored = await preview('coaching/goals', { version_id: goals });
    expect(stored.status).to.equal(200);
    expect(stored.body.version_id).to.equal(goals);
    const other = await preview('coaching/vision', { version_id: goals });
    expect(other.status).to.equal(404);
    expect(other.body.error).to.equal('version_not_found');
    const both = await preview('coaching/goals', {
      version_id: goals,
      content: shipped('coaching/goals.yaml'),
    });
    expect(both.status).to.equal(422);
    expect(both.body.detail?.[0]?.loc).to.deep.equal(['body', 'version_id']);
    expect(fake.requests).to.have.length(0);
  });

  it('when an analysis template is previewed, then the model is asked as its route would ask it, and no analysis is stored', async () => {
    fake.script({ tool: analysisAnswers.kpi });
    const response = await preview('analysis/kpi', {
      user_message: 'Monthly revenue\n\nRepeat order rate\n',
      context: { industry: 'bakery' },
    });
    expect(response.status, response.text).to.equal(200);
    expect(response.body.answer).to.deep.equal(analysisAnswers.kpi);
    const asked = fake.requests[0]?.messages.at(-1)?.content.map((c) => c.text).join('') ?? '';
    expect(asked).to.include('Monthly revenue').and.include('Repeat order rate');
    expect(response.body.system_prompt).to.equal(systemSent());
    await storedNothing();
  });

  it('when an analysis preview lacks the text it analyses, or sends too little, then 422 names user_message and no model is asked', async () => {
    for (const [key, body] of [
      ['analysis/alignment', {}],
      ['analysis/strategy', { user_message: 'short' }],
      ['analysis/kpi', { user_message: '\n\n' }],
      ['analysis/operations', { user_message: 'Our deliveries are late', analysis_type: 'pest' }],
    ] as const) {
      const response = await preview(key, body);
      expect(response.status, key).to.equal(422);
      expect(response.body.error, key).to.equal('validation_error');
      expect(response.body.detail?.[0]?.loc?.[1], key).to.be.oneOf(['user_message', 'analysis_type']);
    }
    expect(fake.requests).to.have.length(0);
  });

  it('when the onboarding suggestion is previewed, then the model is asked for the field named, with the draft', async () => {
    fake.script({ tool: { suggestion: 'Sourdough for cafes that care.' } });
    const response = await preview('suggestions/onboarding', {
      kind: 'valueProposition',
      user_message: 'We bake bread',
    });
    expect(response.status, response.text).to.equal(200);
    expect(response.body.answer).to.deep.equal({ suggestion: 'Sourdough for cafes that care.' });
    const asked = fake.requests[0]?.messages.at(-1)?.content.map((c) => c.text).join('') ?? '';
    expect(asked).to.include('We bake bread');
  });

  it('when the caller’s budget is spent, then 429 quota_exceeded and no model is asked', async () => {
    const spender = await api.token('spender', 'home-co', { roles: ['platform_admin'] });
    await seedSpend(api, { tenantId: 'home-co', userId: 'spender', usd: 5 });
    const response = await preview('coaching/goals', { user_message: 'Hello' }, spender);
    expectQuotaExceeded(response, { scope: 'user', limitUsd: 5 });
    expect(fake.requests).to.have.length(0);
  });
});

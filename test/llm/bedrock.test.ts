// The coaching turn through the real Bedrock SDK client against a fake Bedrock over h2c: what
// the model is sent, how its answers are used, and what every kind of failure leaves behind.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { RECENT_WINDOW } from '../../app/src/coaching/conversation-entity.js';
import { TURN_STATE_NOTE } from '../../app/src/coaching/coach-request.js';
import { CONVERSATION_OPENED } from '../../app/src/llm/bedrock.js';
import type { PromptSource } from '../../app/src/prompts/prompt-store.js';
import { filePromptSource } from '../../app/src/prompts/file-source.js';
import { checkTemplate } from '../../app/src/prompts/template-check.js';
import { coachingTurn } from '../support/fake-answers.js';
import { initiate, sendMessage } from '../support/harness.js';
import { useApiWithFakeBedrock } from '../support/fixtures.js';

const promptsDir = path.resolve(__dirname, '..', '..', 'prompts');
const coreValues = checkTemplate(
  'coaching/core_values',
  readFileSync(path.join(promptsDir, 'coaching', 'core_values.yaml'), 'utf8'),
);

const DEFAULT_MODEL = 'anthropic.claude-3-haiku-20240307-v1:0';
const PROFILE_MODEL = 'us.anthropic.claude-3-5-sonnet-20241022-v2:0';
const TIMEOUT_MS = 2000;

/** These stories start many conversations; the rate limits are tested elsewhere. */
const roomyRateLimits = { RATE_LIMIT_INITIATE: '1000/20', RATE_LIMIT_DEFAULT: '1000/10' };

const bedrockEnv: Record<string, string> = {
  DEFAULT_LLM_MODEL: DEFAULT_MODEL,
  ALLOWED_LLM_MODELS: `${DEFAULT_MODEL},${PROFILE_MODEL}`,
  LLM_TIMEOUT_MS: String(TIMEOUT_MS),
  LLM_MAX_ATTEMPTS: '2',
  ...roomyRateLimits,
};

interface Conversation {
  messages: { role: string; content: string }[];
  identified_values: string[];
  metadata: { usage?: Record<string, number | string> };
}

describe('coaching through Bedrock (real SDK, fake endpoint over h2c)', () => {
  const { api, fake } = useApiWithFakeBedrock({ env: bedrockEnv, otherwise: null });
  let token: string;

  before(async () => {
    token = await api.token('bea', 'acme');
  });

  const send = (id: string, text: string, headers: Record<string, string> = {}) =>
    sendMessage(api, token, id, text, headers);
  const read = async (id: string) =>
    (await api.request<Conversation>('GET', `/api/v1/conversations/${id}`, { token })).body;

  it('when the model answers through the tool, then the turn is its answer and the fake saw the model, prompt, history and settings', async () => {
    const id = await initiate(api, token);
    fake.script({
      tool: coachingTurn({ ai_response: 'Straight talk is a thread here.' }),
      usage: { inputTokens: 321, outputTokens: 87 },
    });

    const response = await send(id, 'I always tell my team the truth, even when it hurts.');

    expect(response.status).to.equal(200);
    expect(response.body).to.include({
      ai_response: 'Straight talk is a thread here.',
      follow_up_question: 'When did honesty cost you something?',
      current_phase: 'exploration',
      is_complete: false,
    });
    expect(response.body.identified_values).to.deep.equal(['Honesty']);

    expect(fake.requests).to.have.lengthOf(1);
    const sent = fake.requests[0]!;
    expect(sent.modelId).to.equal(DEFAULT_MODEL);
    expect(String(sent.headers.authorization)).to.match(/^AWS4-HMAC-SHA256 /);
    const system = sent.system?.[0]?.text ?? '';
    expect(system).to.include(coreValues.system_prompt.trim().slice(0, 200));
    // The turn's own state comes after the history, with the user's message.
    const [state, message] = sent.messages[2]!.content;
    expect(state?.text).to.include(TURN_STATE_NOTE);
    expect(state?.text).to.include(coreValues.phase_guidance.introduction.trim());
    expect(system).not.to.include(coreValues.phase_guidance.introduction.trim());
    expect(message?.text).to.equal('I always tell my team the truth, even when it hurts.');
    expect(sent.messages.map((m) => m.role)).to.deep.equal(['user', 'assistant', 'user']);
    expect(sent.messages[0]!.content[0]!.text).to.equal(CONVERSATION_OPENED);
    expect(sent.messages[1]!.content[0]!.text).to.equal(coreValues.initial_message.trim());
    expect(sent.inferenceConfig).to.deep.equal({
      temperature: coreValues.model.temperature,
      maxTokens: coreValues.model.max_tokens,
    });
    expect(sent.toolConfig?.toolChoice).to.deep.equal({ tool: { name: 'coaching_turn' } });
    const schema = sent.toolConfig?.tools[0]?.toolSpec?.inputSchema.json as {
      required: string[];
      additionalProperties: boolean;
    };
    expect(schema.required).to.have.members([
      'ai_response',
      'follow_up_question',
      'insights',
      'identified_values',
      'next_steps',
      'result_status',
    ]);
    expect(schema.additionalProperties).to.equal(false);

    const stored = await read(id);
    expect(stored.messages.map((m) => m.content)).to.include('Straight talk is a thread here.');
    expect(stored.metadata.usage).to.include({
      model: DEFAULT_MODEL,
      input_tokens: 321,
      output_tokens: 87,
      turns: 1,
    });
    const processed = api.logger.lines.find(
      (l) => l.event === 'message_processed' && l.conversation_id === id,
    );
    expect(processed).to.include({ outcome: 'ok', input_tokens: 321, output_tokens: 87 });
  });

  it('when a later turn is sent, then the accumulated values travel with the turn, the system prompt is unchanged and the history alternates', async () => {
    const id = await initiate(api, token);
    fake.script(
      { tool: coachingTurn({ identified_values: ['Honesty', 'Courage'] }) },
      { tool: coachingTurn({ identified_values: [] }) },
    );
    expect((await send(id, 'Telling the truth takes nerve.')).status).to.equal(200);
    expect((await send(id, 'Yes, and I stand by it.')).status).to.equal(200);

    const second = fake.requests[1]!;
    expect(second.messages.at(-1)!.content[0]!.text).to.include(
      'Values identified so far: Honesty, Courage',
    );
    expect(second.system).to.deep.equal(fake.requests[0]!.system);
    expect(second.messages.map((m) => m.role)).to.deep.equal([
      'user',
      'assistant',
      'user',
      'assistant',
      'user',
    ]);
  });

  it('when a conversation runs long, then only a bounded window of recent turns is sent', async () => {
    const id = await initiate(api, token);
    fake.otherwise({ tool: coachingTurn() });
    for (let i = 1; i <= 10; i++) {
      expect((await send(id, `Answer number ${i}`)).status).to.equal(200);
    }
    const last = fake.requests.at(-1)!;
    // The window, the new message, and the synthetic opening user turn when the window starts with the coach.
    expect(last.messages.length).to.be.at.most(RECENT_WINDOW + 2);
    expect(last.messages[0]!.role).to.equal('user');
    expect(last.messages.at(-1)!.content.at(-1)!.text).to.equal('Answer number 10');
    expect(JSON.stringify(last.messages)).to.not.include('Answer number 1"');
    expect((await read(id)).messages).to.have.lengthOf(21);
  });

  it('when Bedrock throttles once, then the SDK retries and the turn succeeds', async () => {
    const id = await initiate(api, token);
    fake.script({ error: 'ThrottlingException' }, { tool: coachingTurn() });

    const response = await send(id, 'Fairness matters to me.');

    expect(response.status).to.equal(200);
    expect(fake.requests).to.have.lengthOf(2);
  });

  it('when Bedrock throttles every time, then 503 with Retry-After comes in bounded time, nothing is stored, and a retry with the same Idempotency-Key works', async () => {
    const id = await initiate(api, token);
    const before = await read(id);
    fake.otherwise({ error: 'ThrottlingException', message: 'Too many requests' });

    const started = Date.now();
    const failed = await send(id, 'Loyalty, I think.', { 'Idempotency-Key': 'turn-1' });
    const elapsed = Date.now() - started;

    expect(failed.status).to.equal(503);
    expect(failed.body.error).to.equal('service_unavailable');
    expect(Number(failed.headers.get('retry-after'))).to.be.above(0);
    expect(elapsed).to.be.below(TIMEOUT_MS + 1000);
    expect(fake.requests).to.have.lengthOf(2);
    const after = await read(id);
    expect(after.messages).to.deep.equal(before.messages);
    expect(after.identified_values).to.deep.equal(before.identified_values);
    expect(after.metadata.usage).to.include({ turns: 0, failed_calls: 1 });

    fake.reset();
    fake.script({ tool: coachingTurn({ ai_response: 'Loyalty noted.' }) });
    const retried = await send(id, 'Loyalty, I think.', { 'Idempotency-Key': 'turn-1' });
    expect(retried.status).to.equal(200);
    expect(retried.body.ai_response).to.equal('Loyalty noted.');
    const replayed = await send(id, 'Loyalty, I think.', { 'Idempotency-Key': 'turn-1' });
    expect(replayed.body).to.deep.equal(retried.body);
    expect(fake.requests).to.have.lengthOf(1);
  });

  it('when the model is not ready on every attempt, then 503', async () => {
    const id = await initiate(api, token);
    fake.otherwise({ error: 'ModelNotReadyException' });
    const response = await send(id, 'Curiosity.');
    expect(response.status).to.equal(503);
    expect(response.headers.get('retry-after')).to.equal('10');
  });

  it('when the model takes longer than the budget, then 503 arrives soon after the budget and nothing is stored', async () => {
    const id = await initiate(api, token);
    const before = await read(id);
    fake.otherwise({ delayMs: TIMEOUT_MS * 3, then: { tool: coachingTurn() } });

    const started = Date.now();
    const response = await send(id, 'Patience.');

    expect(response.status).to.equal(503);
    expect(Date.now() - started).to.be.within(TIMEOUT_MS - 100, TIMEOUT_MS + 1000);
    expect((await read(id)).messages).to.deep.equal(before.messages);
  });

  it('when the tool input is malformed twice, then one repair is asked for and the turn fails with 502, storing nothing but the tokens', async () => {
    const id = await initiate(api, token);
    const before = await read(id);
    fake.script(
      { tool: { ai_response: 42, mood: 'great' }, usage: { inputTokens: 200, outputTokens: 10 } },
      { tool: { ai_response: '' }, usage: { inputTokens: 260, outputTokens: 12 } },
    );

    const response = await send(id, 'Generosity.');

    expect(response.status).to.equal(502);
    expect(response.body.error).to.equal('llm_bad_response');
    expect(fake.requests).to.have.lengthOf(2);
    const repair = fake.requests[1]!;
    const [answer, complaint] = repair.messages.slice(-2);
    expect(answer!.role).to.equal('assistant');
    expect(answer!.content[0]!.toolUse?.input).to.deep.equal({ ai_response: 42, mood: 'great' });
    expect(complaint!.role).to.equal('user');
    const result = complaint!.content[0]!.toolResult!;
    expect(result.toolUseId).to.equal(answer!.content[0]!.toolUse!.toolUseId);
    expect(result.status).to.equal('error');
    expect(result.content[0]!.text).to.include('ai_response');

    const after = await read(id);
    expect(after.messages).to.deep.equal(before.messages);
    expect(after.metadata.usage).to.include({
      failed_calls: 1,
      turns: 0,
      input_tokens: 460,
      output_tokens: 22,
    });
    const failedLine = api.logger.lines.find(
      (l) => l.event === 'message_processed' && l.conversation_id === id,
    );
    expect(failedLine).to.include({
      outcome: 'failed',
      error: 'llm_bad_response',
      input_tokens: 460,
    });
  });

  it('when the first tool input is malformed and the repair is good, then the turn succeeds', async () => {
    const id = await initiate(api, token);
    fake.script(
      { tool: coachingTurn({ result_status: 'finished' }) },
      { tool: coachingTurn({ ai_response: 'Repaired answer.' }) },
    );
    const response = await send(id, 'Discipline.');
    expect(response.status).to.equal(200);
    expect(response.body.ai_response).to.equal('Repaired answer.');
    expect(fake.requests).to.have.lengthOf(2);
  });

  it('when Bedrock rejects the request with a ValidationException, then 502 without a retry and nothing is stored', async () => {
    const id = await initiate(api, token);
    const before = await read(id);
    fake.otherwise({ error: 'ValidationException', message: 'messages: roles must alternate' });

    const response = await send(id, 'Craftsmanship.');

    expect(response.status).to.equal(502);
    expect(response.body.error).to.equal('llm_bad_response');
    expect(fake.requests).to.have.lengthOf(1);
    expect((await read(id)).messages).to.deep.equal(before.messages);
    const logged = api.logger.lines.filter((l) => l.event === 'dependency_failure').at(-1);
    expect(String(logged?.reason)).to.include('ValidationException');
  });
});

describe('Bedrock model choice from the template', () => {
  /** The checked-in templates, with a model id written into two of them. */
  const withModels = (models: Record<string, string>): PromptSource => {
    const files = filePromptSource(promptsDir);
    return {
      name: 'files-with-models',
      async read(key) {
        const object = await files.read(key);
        if (object === 'not-modified' || !models[key]) return object;
        return {
          text: String(object.text).replace(/^model:\n/m, `model:\n  model_id: ${models[key]}\n`),
          etag: `${object.etag ?? ''}-m`,
        };
      },
    };
  };

  const { api, fake } = useApiWithFakeBedrock({
    env: bedrockEnv,
    overrides: {
      promptSource: withModels({
        'coaching/purpose': PROFILE_MODEL,
        'coaching/vision': 'anthropic.claude-3-opus-20240229-v1:0',
      }),
    },
    otherwise: null,
  });

  it('when a template names an allowed inference profile, then that model is called and recorded on the session', async () => {
    const token = await api.token('tim', 'acme');
    const id = await initiate(api, token, 'purpose');
    fake.script({ tool: coachingTurn() });
    const response = await api.request('POST', `/api/v1/conversations/${id}/message`, {
      token,
      body: { user_message: 'I want to build things that last.' },
    });
    expect(response.status).to.equal(200);
    expect(fake.requests[0]!.modelId).to.equal(PROFILE_MODEL);
    const read = await api.request<Conversation>('GET', `/api/v1/conversations/${id}`, { token });
    expect(read.body.metadata.usage?.model).to.equal(PROFILE_MODEL);
  });

  it('when a template names a model outside the allowed list, then it is refused like an invalid template and no model is called', async () => {
    const token = await api.token('tim', 'acme');
    fake.reset();
    const response = await api.request('POST', '/api/v1/conversations/initiate', {
      token,
      body: { topic: 'vision' },
    });
    expect(response.status).to.equal(503);
    expect(fake.requests).to.have.lengthOf(0);
    const rejected = api.logger.lines.find((l) => l.event === 'prompt_template_rejected');
    expect(rejected).to.include({ key: 'coaching/vision' });
    expect(String(rejected?.reason)).to.include('not one of the allowed models');
  });
});

// The coaching turn through the OpenAI-compatible adapter (Ollama, vLLM, llama.cpp) against a
// fake chat-completions server on loopback: what it is sent, and what failures leave behind.
import { expect } from 'chai';
import { coachingTurn } from '../support/fake-answers.js';
import { initiate, sendMessage } from '../support/harness.js';
import { useApiWithFakeOpenAi } from '../support/fixtures.js';

const TIMEOUT_MS = 2000;

interface Conversation {
  messages: { role: string; content: string }[];
  metadata: { usage?: Record<string, number | string> };
}

describe('coaching through an OpenAI-compatible server', () => {
  const { api, fake } = useApiWithFakeOpenAi({
    env: {
      OPENAI_API_KEY: 'sk-local-test',
      LLM_TIMEOUT_MS: String(TIMEOUT_MS),
      LLM_MAX_ATTEMPTS: '2',
      RATE_LIMIT_INITIATE: '1000/20',
      RATE_LIMIT_DEFAULT: '1000/10',
    },
  });
  let token: string;

  before(async () => {
    token = await api.token('olga', 'acme');
  });

  const send = (id: string, text: string, headers: Record<string, string> = {}) =>
    sendMessage(api, token, id, text, headers);
  const read = async (id: string) =>
    (await api.request<Conversation>('GET', `/api/v1/conversations/${id}`, { token })).body;

  it('when the server answers with schema-valid JSON, then the turn is that answer and the server saw model, key, prompt, history and schema', async () => {
    const id = await initiate(api, token);
    fake.script({
      json: coachingTurn({ ai_response: 'You light up when you talk about craft.' }),
      usage: { prompt: 410, completion: 66 },
    });

    const response = await send(id, 'I love making things well.');

    expect(response.status).to.equal(200);
    expect(response.body.ai_response).to.equal('You light up when you talk about craft.');
    expect(fake.requests).to.have.lengthOf(1);
    const { headers, body } = fake.requests[0]!;
    expect(headers.authorization).to.equal('Bearer sk-local-test');
    expect(body.model).to.equal('llama3.1:8b');
    expect(body.temperature).to.equal(0.7);
    expect(body.max_tokens).to.equal(1024);
    // The turn's state, then the user's message.
    expect(body.messages.map((m) => m.role)).to.deep.equal(['system', 'assistant', 'user', 'user']);
    expect(body.messages[0]!.content).to.include('executive coach');
    expect(body.messages[2]!.content).to.include('Current phase: introduction');
    expect(body.messages[3]!.content).to.equal('I love making things well.');
    expect(body.response_format?.type).to.equal('json_schema');
    expect(body.response_format?.json_schema?.name).to.equal('coaching_turn');
    expect(body.response_format?.json_schema?.schema.required).to.include('result_status');

    expect((await read(id)).metadata.usage).to.include({
      model: 'llama3.1:8b',
      input_tokens: 410,
      output_tokens: 66,
      estimated_cost_usd: 0,
    });
  });

  it('when the answer is JSON inside a Markdown fence, then it is still used', async () => {
    const id = await initiate(api, token);
    fake.script({ content: '```json\n' + JSON.stringify(coachingTurn()) + '\n```' });
    const response = await send(id, 'Honesty.');
    expect(response.status).to.equal(200);
    expect(response.body.identified_values).to.deep.equal(['Honesty']);
  });

  it('when the answer is not JSON and the repair is not either, then 502 after exactly one repair and nothing is stored', async () => {
    const id = await initiate(api, token);
    const before = await read(id);
    fake.script(
      { content: 'Sure! Here is my answer: you value honesty.' },
      { json: { ai_response: 7 } },
    );

    const response = await send(id, 'Honesty.');

    expect(response.status).to.equal(502);
    expect(response.body.error).to.equal('llm_bad_response');
    expect(fake.requests).to.have.lengthOf(2);
    const repair = fake.requests[1]!.body.messages.slice(-2);
    expect(repair[0]).to.deep.equal({
      role: 'assistant',
      content: 'Sure! Here is my answer: you value honesty.',
    });
    expect(repair[1]!.role).to.equal('user');
    expect(repair[1]!.content).to.include('coaching_turn');
    const after = await read(id);
    expect(after.messages).to.deep.equal(before.messages);
    expect(after.metadata.usage).to.include({ failed_calls: 1, input_tokens: 300 });
  });

  it('when the server is rate limited once, then the call is retried and the turn succeeds', async () => {
    const id = await initiate(api, token);
    fake.script(
      { status: 429, headers: { 'retry-after': '0' }, body: { error: { message: 'slow down' } } },
      { json: coachingTurn() },
    );
    const response = await send(id, 'Courage.');
    expect(response.status).to.equal(200);
    expect(fake.requests).to.have.lengthOf(2);
  });

  it('when the server is overloaded every time, then 503 with Retry-After in bounded time, and a retry with the same Idempotency-Key works', async () => {
    const id = await initiate(api, token);
    const before = await read(id);
    fake.otherwise({ status: 503, body: { error: { message: 'model loading' } } });

    const started = Date.now();
    const failed = await send(id, 'Courage.', { 'Idempotency-Key': 'k-1' });

    expect(failed.status).to.equal(503);
    expect(Number(failed.headers.get('retry-after'))).to.be.above(0);
    expect(Date.now() - started).to.be.below(TIMEOUT_MS + 1000);
    expect(fake.requests).to.have.lengthOf(2);
    expect((await read(id)).messages).to.deep.equal(before.messages);

    fake.reset();
    fake.script({ json: coachingTurn({ ai_response: 'Second time lucky.' }) });
    const retried = await send(id, 'Courage.', { 'Idempotency-Key': 'k-1' });
    expect(retried.status).to.equal(200);
    expect(retried.body.ai_response).to.equal('Second time lucky.');
  });

  it('when the server rejects the request (400), then 502 without a retry', async () => {
    const id = await initiate(api, token);
    fake.otherwise({ status: 400, body: { error: { message: 'unknown model' } } });
    const response = await send(id, 'Courage.');
    expect(response.status).to.equal(502);
    expect(fake.requests).to.have.lengthOf(1);
  });

  it('when the server is slower than the budget, then 503 soon after the budget', async () => {
    const id = await initiate(api, token);
    fake.otherwise({ delayMs: TIMEOUT_MS * 3, then: { json: coachingTurn() } });
    const started = Date.now();
    const response = await send(id, 'Patience.');
    expect(response.status).to.equal(503);
    expect(Date.now() - started).to.be.within(TIMEOUT_MS - 100, TIMEOUT_MS + 1000);
  });

  it('when health is asked, then the llm service is healthy because the server lists its models', async () => {
    const response = await api.request<{ services: { llm: string } }>('GET', '/api/v1/health');
    expect(response.body.services.llm).to.equal('healthy');
  });
});

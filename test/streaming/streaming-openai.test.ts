// Streamed turns through the OpenAI-compatible adapter: `stream: true` with the same JSON-schema
// output, read as server-sent chunks from a fake chat-completions server.
import { expect } from 'chai';
import { coachingTurn } from '../support/fake-answers.js';
import { contentPieces } from '../support/fake-openai.js';
import { deltaTexts, openEventStream } from '../support/event-stream.js';
import { initiate, messagePath } from '../support/harness.js';
import { useApiWithFakeOpenAi } from '../support/fixtures.js';

interface Conversation {
  messages: { role: string; content: string }[];
  metadata: { usage?: Record<string, unknown> };
}

describe('streamed turns through an OpenAI-compatible server', () => {
  const { api, fake } = useApiWithFakeOpenAi();
  let token: string;

  before(async () => {
    token = await api.token('ola', 'acme');
  });

  const stream = (id: string, text: string) =>
    openEventStream(api, messagePath(id), { token, body: { user_message: text } });
  const read = async (id: string) =>
    (await api.request<Conversation>('GET', `/api/v1/conversations/${id}`, { token })).body;

  it('when the server streams its JSON slowly, then the first delta comes before the held rest, and the turn books the usage chunk', async () => {
    const answer = coachingTurn({ ai_response: 'Craft, care, and a steady hand.' });
    const pieces = contentPieces(answer, 6);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    fake.script({
      stream: [...pieces.slice(0, 3), { until: held }, ...pieces.slice(3)],
      usage: { prompt: 410, completion: 66 },
    });
    const id = await initiate(api, token);
    const opened = await stream(id, 'I love making things well.');
    expect((await opened.next())?.event).to.equal('delta');
    release();
    const { events } = await opened.rest();

    expect(deltaTexts(events).join('')).to.equal(answer.ai_response);
    expect(events.at(-1)?.event).to.equal('turn');
    const sent = fake.requests[0]!.body;
    expect(sent.stream).to.equal(true);
    expect(sent.stream_options).to.deep.equal({ include_usage: true });
    expect(sent.response_format?.type).to.equal('json_schema');
    expect((await read(id)).metadata.usage).to.include({ input_tokens: 410, output_tokens: 66 });
  });

  it('when the connection breaks off mid-stream, then a 503 `error` event and nothing is stored', async () => {
    fake.script({ stream: [...contentPieces(coachingTurn(), 6).slice(0, 2), { breakOff: true }] });
    const id = await initiate(api, token);
    const { events } = await (await stream(id, 'Broken line.')).rest();
    expect(events.at(-1)?.data).to.include({ error: 'service_unavailable', status: 503 });
    expect((await read(id)).messages).to.have.length(1);
  });

  it('when the first answer is not JSON, then `reset`, and the repaired answer’s deltas are the final ai_response', async () => {
    fake.script(
      { stream: [{ content: '{"ai_response": "Half a tho' }, { content: 'ught' }] },
      { stream: contentPieces(coachingTurn({ ai_response: 'A whole thought.' }), 3) },
    );
    const id = await initiate(api, token);
    const { events } = await (await stream(id, 'Think.')).rest();
    const resetAt = events.findIndex((e) => e.event === 'reset');
    expect(deltaTexts(events.slice(0, resetAt)).join('')).to.equal('Half a thought');
    expect(deltaTexts(events.slice(resetAt)).join('')).to.equal('A whole thought.');
    expect(fake.requests).to.have.length(2);
  });
});

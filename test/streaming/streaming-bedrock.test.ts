// Streamed turns through a fake Bedrock that answers ConverseStream in AWS event-stream framing,
// reached through the real SDK over h2c, piece by piece as the test lets it: words reach the
// client before the model has finished, the turn commits once, and whatever goes wrong midway
// (throttling, a repair, a pause or an erasure, a client that hangs up) ends as the contract says.
import { expect } from 'chai';
import { coachingTurn } from '../support/fake-answers.js';
import { toolPieces, type StreamStep } from '../support/fake-bedrock.js';
import { deltaTexts, openEventStream, type ServerEvent } from '../support/event-stream.js';
import { useApiWithFakeBedrock } from '../support/fixtures.js';
import { initiate, messagePath } from '../support/harness.js';
import { streamedTurnsSettled } from '../../app/src/http/message-stream.js';

const lastTurn = (events: readonly ServerEvent[]) =>
  events.find((e) => e.event === 'turn')?.data as Record<string, unknown> | undefined;

interface Conversation {
  status: string;
  messages: { role: string; content: string }[];
  metadata: { usage?: Record<string, unknown> };
}

/** A gate the fake waits at: `open()` lets it go on. */
function gate() {
  let open!: () => void;
  const until = new Promise<void>((resolve) => (open = resolve));
  return { until, open };
}

describe('streamed turns through Bedrock ConverseStream', () => {
  const { api, fake } = useApiWithFakeBedrock({ otherwise: null });
  let token: string;

  before(async () => {
    token = await api.token('rio', 'acme');
  });

  const stream = (id: string, text: string, headers: Record<string, string> = {}) =>
    openEventStream(api, messagePath(id), { token, body: { user_message: text }, headers });
  const read = async (id: string) =>
    (await api.request<Conversation>('GET', `/api/v1/conversations/${id}`, { token })).body;

  it('when the model writes slowly, then the first delta arrives while the fake still holds its last piece, and the deltas join to ai_response', async () => {
    const answer = coachingTurn({
      ai_response: 'Straight talk runs through everything you said — “even when it hurts” 😀.',
    });
    const pieces = toolPieces(answer, 8);
    const held = gate();
    fake.script({
      stream: [...pieces.slice(0, -1), { until: held.until }, ...pieces.slice(-1)],
      usage: { inputTokens: 321, outputTokens: 87 },
    });
    const id = await initiate(api, token);
    const opened = await stream(id, 'I tell my team the truth.');
    expect(opened.status).to.equal(200);

    const first = await opened.next();
    expect(first?.event).to.equal('delta');
    expect(fake.piecesSent(), 'the last piece is still held').to.be.lessThan(pieces.length);
    held.open();
    const { events } = await opened.rest();

    expect(deltaTexts(events).join('')).to.equal(answer.ai_response);
    expect(events.filter((e) => e.event === 'delta').length).to.be.greaterThan(1);
    expect(lastTurn(events)?.ai_response).to.equal(answer.ai_response);
    expect(events.at(-1)?.event).to.equal('turn');
    expect(fake.requests.map((r) => r.streamed)).to.deep.equal([true]);
    expect(fake.requests[0]?.toolConfig?.toolChoice).to.deep.equal({
      tool: { name: 'coaching_turn' },
    });
    // The metadata event's tokens are booked as a buffered call's are.
    expect((await read(id)).metadata.usage).to.include({ input_tokens: 321, output_tokens: 87 });
  });

  it('when the same answer is asked for buffered, then `turn` is exactly its body', async () => {
    const answer = coachingTurn({ ai_response: 'Loyalty and candour, side by side.' });
    fake.script({ stream: toolPieces(answer, 5) }, { tool: answer });
    const streamedId = await initiate(api, token);
    const bufferedId = await initiate(api, token);
    const { events } = await (await stream(streamedId, 'Loyalty.')).rest();
    const buffered = await api.request('POST', messagePath(bufferedId), {
      token,
      body: { user_message: 'Loyalty.' },
    });
    expect(buffered.status).to.equal(200);
    // The same body but for the conversation and the answer's own id.
    expect({
      ...lastTurn(events),
      conversation_id: bufferedId,
      message_id: buffered.body.message_id,
    }).to.deep.equal(buffered.body);
  });

  it('when Bedrock throttles mid-stream, then an `error` event with status 503 ends the stream and nothing is stored', async () => {
    const answer = coachingTurn();
    const pieces = toolPieces(answer, 6);
    fake.script({
      stream: [...pieces.slice(0, 3), { error: 'ThrottlingException', message: 'Too many tokens' }],
    });
    const id = await initiate(api, token);
    const before = await read(id);
    const { events } = await (await stream(id, 'A throttled thought.')).rest();

    expect(events.at(-1)?.event).to.equal('error');
    expect(events.at(-1)?.data).to.include({ error: 'service_unavailable', status: 503 });
    expect((events.at(-1)?.data as { retry_after: number }).retry_after).to.be.a('number');
    expect(events.some((e) => e.event === 'turn')).to.equal(false);
    const after = await read(id);
    expect(after.messages).to.deep.equal(before.messages);
    expect(JSON.stringify(after)).to.not.contain('A throttled thought.');
    // The conversation is free again: the next message goes through.
    fake.script({ tool: coachingTurn() });
    const next = await api.request('POST', messagePath(id), {
      token,
      body: { user_message: 'Again.' },
    });
    expect(next.status).to.equal(200);
  });

  it('when the streamed answer fails its schema, then `reset` comes before the repair, and the deltas after it join to the final answer', async () => {
    const broken = coachingTurn({ ai_response: 'A first draft.', result_status: 'done' });
    const repaired = coachingTurn({ ai_response: 'The repaired answer, whole.' });
    fake.script({ stream: toolPieces(broken, 4) }, { stream: toolPieces(repaired, 4) });
    const id = await initiate(api, token);
    const { events } = await (await stream(id, 'Repair me.')).rest();

    const resetAt = events.findIndex((e) => e.event === 'reset');
    expect(resetAt).to.be.greaterThan(0);
    expect(deltaTexts(events.slice(0, resetAt)).join('')).to.equal('A first draft.');
    expect(deltaTexts(events.slice(resetAt)).join('')).to.equal('The repaired answer, whole.');
    expect(lastTurn(events)?.ai_response).to.equal('The repaired answer, whole.');
    expect(fake.requests).to.have.length(2);
    const repairTurn = fake.requests[1]?.messages.at(-1);
    expect(repairTurn?.content[0]?.toolResult?.status).to.equal('error');
  });

  it('when the repaired answer fails too, then `reset` and then a 502 `error` event, nothing stored', async () => {
    const broken = coachingTurn({ result_status: 'done' });
    fake.script({ stream: toolPieces(broken, 3) }, { stream: toolPieces(broken, 3) });
    const id = await initiate(api, token);
    const { events } = await (await stream(id, 'Broken twice.')).rest();
    expect(events.map((e) => e.event)).to.include('reset');
    expect(events.at(-1)?.data).to.include({ error: 'llm_bad_response', status: 502 });
    expect((await read(id)).messages).to.have.length(1);
  });

  it('when Bedrock refuses the stream before it starts (throttled), then the stream, already open, ends with a 503 `error` event', async () => {
    fake.script({ error: 'ThrottlingException' });
    const id = await initiate(api, token);
    const opened = await stream(id, 'Too soon.');
    expect(opened.status).to.equal(200);
    const { events } = await opened.rest();
    expect(events.map((e) => e.event)).to.deep.equal(['error']);
    expect(events[0]?.data).to.include({ error: 'service_unavailable', status: 503 });
    expect((await read(id)).messages).to.have.length(1);
  });

  it('when the model pads ai_response with whitespace, then the deltas still join to the trimmed answer', async () => {
    const padded = coachingTurn({ ai_response: '  \n Two   spaces stay inside.  \n' });
    fake.script({ stream: toolPieces(padded, 12) });
    const id = await initiate(api, token);
    const { events } = await (await stream(id, 'Spaces.')).rest();
    expect(events.some((e) => e.event === 'reset')).to.equal(false);
    expect(deltaTexts(events).join('')).to.equal('Two   spaces stay inside.');
    expect(lastTurn(events)?.ai_response).to.equal('Two   spaces stay inside.');
  });

  it('when the client hangs up mid-stream, then the turn still commits once, and a retry with the same Idempotency-Key streams it without asking the model again', async () => {
    const answer = coachingTurn({ ai_response: 'You stayed for the hard part.' });
    const pieces = toolPieces(answer, 6);
    const held = gate();
    fake.script({ stream: [pieces[0]!, pieces[1]!, { until: held.until }, ...pieces.slice(2)] });
    const id = await initiate(api, token);
    const headers = { 'Idempotency-Key': 'hang-up-1' };
    const opened = await stream(id, 'I left early.', headers);
    expect((await opened.next())?.event).to.equal('delta');
    opened.abort();
    held.open();
    // What a Lambda invocation or a stopping server waits for: the turn, not the response.
    await streamedTurnsSettled();

    const retry = await stream(id, 'I left early.', headers);
    expect(retry.status).to.equal(200);
    const { events } = await retry.rest();
    expect(events.map((e) => e.event)).to.deep.equal(['delta', 'turn']);
    expect(deltaTexts(events).join('')).to.equal(answer.ai_response);
    expect(fake.requests).to.have.length(1);
    const stored = await read(id);
    expect(stored.messages.filter((m) => m.content === 'I left early.')).to.have.length(1);
  });

  it('when a second message is streamed while the first is mid-stream, then it is 409 conversation_busy as JSON, and the first completes', async () => {
    const pieces = toolPieces(coachingTurn(), 4);
    const held = gate();
    fake.script({ stream: [pieces[0]!, { until: held.until }, ...pieces.slice(1)] });
    const id = await initiate(api, token);
    const first = await stream(id, 'The first thought.');
    expect((await first.next())?.event).to.equal('delta');

    const second = await stream(id, 'The second thought.');
    expect(second.status).to.equal(409);
    expect(second.headers.get('content-type')).to.match(/^application\/json/);
    expect(Number(second.headers.get('retry-after'))).to.be.at.least(1);
    expect((JSON.parse((await second.rest()).text) as { error: string }).error).to.equal(
      'conversation_busy',
    );
    held.open();
    expect((await first.rest()).events.at(-1)?.event).to.equal('turn');
    expect(fake.requests).to.have.length(1);
    const stored = await read(id);
    expect(stored.messages.map((m) => m.content)).to.not.include('The second thought.');
  });

  for (const action of ['pause', 'delete'] as const) {
    it(`when a ${action} lands while the model is mid-stream, then it wins: an \`error\` event and nothing stored`, async () => {
      const pieces = toolPieces(coachingTurn(), 6);
      const held = gate();
      fake.script({ stream: [pieces[0]!, { until: held.until }, ...pieces.slice(1)] });
      const id = await initiate(api, token);
      const opened = await stream(id, `words before the ${action}`);
      expect((await opened.next())?.event).to.equal('delta');
      const changed =
        action === 'pause'
          ? await api.request('POST', `/api/v1/conversations/${id}/pause`, { token })
          : await api.request('DELETE', `/api/v1/conversations/${id}`, { token });
      expect(changed.status).to.equal(204);
      held.open();
      const { events } = await opened.rest();

      const error = events.at(-1);
      expect(error?.event).to.equal('error');
      if (action === 'pause') {
        expect(error?.data).to.include({
          error: 'conversation_not_active',
          status: 409,
          current_status: 'paused',
        });
        const stored = await read(id);
        expect(stored.status).to.equal('paused');
        expect(stored.messages).to.have.length(1);
      } else {
        expect(error?.data).to.include({ error: 'conversation_not_found', status: 404 });
        expect(
          (await api.request('GET', `/api/v1/conversations/${id}`, { token })).status,
        ).to.equal(404);
      }
      const everything = JSON.stringify([
        await api.items('conversations'),
        await api.items('messages'),
      ]);
      expect(everything).to.not.contain(`words before the ${action}`);
    });
  }
});

describe('streamed turns and their budgets', () => {
  const { api, fake } = useApiWithFakeBedrock({
    // A buffered turn keeps its short budget; a streamed one gets the long one.
    env: { LLM_TIMEOUT_MS: '3000', LLM_STREAM_TIMEOUT_MS: '60000' },
    otherwise: null,
  });
  let token: string;

  before(async () => {
    token = await api.token('kim', 'acme');
  });

  /** The answer in three bursts with silences of `silentMs` between them. */
  const paced = (silentMs: number): StreamStep[] => {
    const pieces = toolPieces(coachingTurn({ ai_response: 'Slow and steady, word by word.' }), 3);
    return [pieces[0]!, { delayMs: silentMs }, pieces[1]!, { delayMs: silentMs }, pieces[2]!];
  };

  it('when a streamed turn takes about 35 s, then it completes, with keep-alive comments in the silences, while a buffered turn that slow is a 503', async function () {
    this.timeout(90_000);
    fake.script({ delayMs: 5_000, then: { tool: coachingTurn() } });
    const bufferedId = await initiate(api, token);
    const buffered = await api.request('POST', messagePath(bufferedId), {
      token,
      body: { user_message: 'Take your time.' },
    });
    expect(buffered.status, buffered.text).to.equal(503);

    fake.script({ stream: paced(17_500) });
    const id = await initiate(api, token);
    const opened = await openEventStream(api, messagePath(id), {
      token,
      body: { user_message: 'Take your time.' },
    });
    const { events, comments } = await opened.rest();
    expect(events.at(-1)?.event).to.equal('turn');
    expect(deltaTexts(events).join('')).to.equal('Slow and steady, word by word.');
    expect(comments.filter((c) => c === 'keep-alive').length).to.be.at.least(2);
  });
});

describe('a streamed turn past its budget', () => {
  const { api, fake } = useApiWithFakeBedrock({
    env: { LLM_STREAM_TIMEOUT_MS: '1500' },
    overrides: { keepAliveMs: 200 },
    otherwise: null,
  });
  let token: string;

  before(async () => {
    token = await api.token('lee', 'acme');
  });

  it('when the model falls silent mid-stream, then keep-alives come while it is silent, and the budget ends it with a 503 `error` event, nothing stored', async () => {
    const pieces = toolPieces(coachingTurn(), 4);
    fake.script({ stream: [pieces[0]!, { until: new Promise(() => undefined) }] });
    const id = await initiate(api, token);
    const { events, comments } = await (
      await openEventStream(api, messagePath(id), { token, body: { user_message: 'Silence.' } })
    ).rest();
    expect(comments).to.include('keep-alive');
    expect(events.at(-1)?.data).to.include({ error: 'service_unavailable', status: 503 });
    const stored = await api.request<Conversation>('GET', `/api/v1/conversations/${id}`, {
      token,
    });
    expect(stored.body.messages).to.have.length(1);
  });
});

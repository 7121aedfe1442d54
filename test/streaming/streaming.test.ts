// Streamed turns with the offline coach, over real HTTP: the coach's words as `delta` events,
// then the buffered body as `turn`; refusals stay JSON errors; replays stream the stored answer;
// and GET / says where to stream.
import { expect } from 'chai';
import { loadConfig } from '../../app/src/config.js';
import { deltaTexts, openEventStream } from '../support/event-stream.js';
import { initiate, messagePath, startApi } from '../support/harness.js';
import { useApi } from '../support/fixtures.js';

describe('streamed turns with the offline coach', () => {
  const { api } = useApi();
  let token: string;

  before(async () => {
    token = await api.token('sam', 'acme');
  });

  const stream = (id: string, body: unknown, headers: Record<string, string> = {}) =>
    openEventStream(api, messagePath(id), { token, body, headers });

  it('when a client asks for the stream, then deltas join to ai_response and `turn` is the buffered body for the same state', async () => {
    const streamedId = await initiate(api, token);
    const bufferedId = await initiate(api, token);
    const message = { user_message: 'Honesty matters most to me, even when it costs me.' };

    const opened = await stream(streamedId, message);
    expect(opened.status).to.equal(200);
    expect(opened.headers.get('content-type')).to.equal('text/event-stream');
    expect(opened.headers.get('cache-control')).to.equal('no-cache');
    expect(opened.headers.get('x-request-id')).to.be.a('string');
    const { events } = await opened.rest();
    const buffered = await api.request('POST', messagePath(bufferedId), { token, body: message });
    expect(buffered.status).to.equal(200);

    expect(events.at(-1)?.event).to.equal('turn');
    expect(events.filter((e) => e.event === 'turn')).to.have.length(1);
    const turn = events.at(-1)?.data as Record<string, unknown>;
    // The same body but for the conversation and the answer's own id.
    expect({
      ...turn,
      conversation_id: bufferedId,
      message_id: buffered.body.message_id,
    }).to.deep.equal(buffered.body);
    expect(turn.conversation_id).to.equal(streamedId);
    const pieces = deltaTexts(events);
    expect(pieces.length, 'the offline coach answers in several pieces').to.be.greaterThan(1);
    expect(pieces.join('')).to.equal(turn.ai_response);

    const read = await api.request<{ messages: { role: string; content: string }[] }>(
      'GET',
      `/api/v1/conversations/${streamedId}`,
      { token },
    );
    expect(read.body.messages.map((m) => m.content)).to.include(turn.ai_response);
  });

  it('when a streamed turn is replayed with its Idempotency-Key, then one delta holds the whole answer and `turn` equals the first', async () => {
    const id = await initiate(api, token);
    const message = { user_message: 'Family comes first for me.' };
    const headers = { 'Idempotency-Key': 'stream-once' };
    const first = await (await stream(id, message, headers)).rest();
    const replay = await (await stream(id, message, headers)).rest();
    expect(replay.events.map((e) => e.event)).to.deep.equal(['delta', 'turn']);
    expect(replay.events[1]?.data).to.deep.equal(first.events.at(-1)?.data);
    expect(deltaTexts(replay.events)).to.deep.equal([
      (first.events.at(-1)?.data as { ai_response: string }).ai_response,
    ]);
    const read = await api.request<{ messages: unknown[] }>('GET', `/api/v1/conversations/${id}`, {
      token,
    });
    expect(read.body.messages).to.have.length(3);
  });

  it('when the same key comes back buffered, then the JSON answer is the streamed turn', async () => {
    const id = await initiate(api, token);
    const message = { user_message: 'Courage, mostly.' };
    const headers = { 'Idempotency-Key': 'mixed-forms' };
    const streamed = await (await stream(id, message, headers)).rest();
    const buffered = await api.request('POST', messagePath(id), { token, body: message, headers });
    expect(buffered.status).to.equal(200);
    expect(buffered.body).to.deep.equal(streamed.events.at(-1)?.data);
  });

  describe('what is decided before the model is asked stays a JSON error', () => {
    const expectJsonError = async (
      response: Awaited<ReturnType<typeof stream>>,
      status: number,
      code: string,
    ) => {
      expect(response.status).to.equal(status);
      expect(response.headers.get('content-type')).to.match(/^application\/json/);
      const { text, events } = await response.rest();
      expect(events).to.deep.equal([]);
      expect((JSON.parse(text) as { error: string }).error).to.equal(code);
    };

    it('when the token is missing, then 401 JSON', async () => {
      const id = await initiate(api, token);
      const response = await fetch(`${api.url}${messagePath(id)}`, {
        method: 'POST',
        headers: { Accept: 'text/event-stream', 'Content-Type': 'application/json' },
        body: JSON.stringify({ user_message: 'hi' }),
      });
      expect(response.status).to.equal(401);
      expect(response.headers.get('content-type')).to.match(/^application\/json/);
      expect(((await response.json()) as { error: string }).error).to.equal('missing_token');
    });

    it('when the conversation does not exist, then 404 JSON', async () => {
      const response = await stream('conv_missing', { user_message: 'hi' });
      await expectJsonError(response, 404, 'conversation_not_found');
    });

    it('when the body breaks the schema, then 422 JSON and nothing is stored', async () => {
      const id = await initiate(api, token);
      await expectJsonError(await stream(id, { user_message: '   ' }), 422, 'validation_error');
      const read = await api.request<{ messages: unknown[] }>(
        'GET',
        `/api/v1/conversations/${id}`,
        {
          token,
        },
      );
      expect(read.body.messages).to.have.length(1);
    });

    const raw = (id: string, headers: Record<string, string>, body: string) =>
      fetch(`${api.url}${messagePath(id)}`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, Accept: 'text/event-stream', ...headers },
        body,
      });

    it('when the body is not JSON by its media type, then 415 JSON', async () => {
      const id = await initiate(api, token);
      const response = await raw(id, { 'Content-Type': 'text/plain' }, 'hello');
      expect(response.status).to.equal(415);
      expect(response.headers.get('content-type')).to.match(/^application\/json/);
      expect(((await response.json()) as { error: string }).error).to.equal(
        'unsupported_media_type',
      );
    });

    it('when the body is over the size limit, then 413 JSON', async () => {
      const id = await initiate(api, token);
      const body = JSON.stringify({ user_message: 'x'.repeat(70_000) });
      const response = await raw(id, { 'Content-Type': 'application/json' }, body);
      expect(response.status).to.equal(413);
      expect(((await response.json()) as { error: string }).error).to.equal('payload_too_large');
    });

    it('when the Idempotency-Key was used with another body, then 422 JSON', async () => {
      const id = await initiate(api, token);
      const headers = { 'Idempotency-Key': 'one-body-only' };
      await (await stream(id, { user_message: 'First.' }, headers)).rest();
      const response = await stream(id, { user_message: 'Second.' }, headers);
      await expectJsonError(response, 422, 'idempotency_key_reused');
    });

    it('when the conversation is paused, then 409 JSON with its current status', async () => {
      const id = await initiate(api, token);
      await api.request('POST', `/api/v1/conversations/${id}/pause`, { token });
      await expectJsonError(
        await stream(id, { user_message: 'hi' }),
        409,
        'conversation_not_active',
      );
    });
  });

  it('when Prefer: respond-async is sent too, then the request is not streamed', async () => {
    const id = await initiate(api, token);
    const response = await stream(
      id,
      { user_message: 'Later is fine.' },
      {
        Prefer: 'respond-async',
      },
    );
    expect(response.headers.get('content-type')).to.not.match(/^text\/event-stream/);
    await response.rest();
  });

  it('when Accept prefers JSON or names anything else, then the answer is the buffered JSON', async () => {
    for (const accept of ['application/json', '*/*', 'text/html']) {
      const id = await initiate(api, token);
      const response = await api.request('POST', messagePath(id), {
        token,
        body: { user_message: 'Plain, please.' },
        headers: { Accept: accept },
      });
      expect(response.status, accept).to.equal(200);
      expect(response.headers.get('content-type'), accept).to.match(/^application\/json/);
    }
  });

  it('when GET / is asked, then streaming_url is this service’s own base URL', async () => {
    const root = await api.request<{ streaming_url: string }>('GET', '/');
    expect(root.body.streaming_url).to.equal(api.url);
    // Reached through a mapping key, the base carries it, as every URL the service writes does.
    const mapped = await api.request<{ streaming_url: string }>('GET', '/coaching/');
    expect(mapped.body.streaming_url).to.equal(`${api.url}/coaching`);
  });

  it('when STREAMING_URL is set (the platform’s streaming endpoint), then GET / names it', async () => {
    const other = await startApi({
      env: { STREAMING_URL: 'https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/dev' },
    });
    try {
      const root = await other.request<{ streaming_url: string }>('GET', '/');
      expect(root.body.streaming_url).to.equal(
        'https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/dev',
      );
    } finally {
      await other.close();
    }
  });
});

describe('the offline coach’s pace', () => {
  it('when OFFLINE_STREAM_PACE_MS is set, then each word is its own delta, after that pause, and they still join to ai_response', async function () {
    this.timeout(30_000);
    const paceMs = 25;
    const api = await startApi({ env: { OFFLINE_STREAM_PACE_MS: String(paceMs) } });
    try {
      const token = await api.token('pia', 'acme');
      const id = await initiate(api, token);
      const opened = await openEventStream(api, messagePath(id), {
        token,
        body: { user_message: 'Courage, kindness and craft are what I stand for.' },
      });
      const arrivals: number[] = [];
      const pieces: string[] = [];
      for (let event = await opened.next(); event; event = await opened.next()) {
        if (event.event !== 'delta') continue;
        arrivals.push(Date.now());
        pieces.push((event.data as { text: string }).text);
      }
      const { events } = await opened.rest();
      const turn = events.at(-1)?.data as { ai_response: string };
      expect(pieces.join('')).to.equal(turn.ai_response);
      const words = turn.ai_response.split(/\s+/).filter(Boolean);
      expect(pieces).to.have.length(words.length);
      // A lower bound only: a busy machine makes the pauses longer, never shorter.
      const spread = (arrivals.at(-1) ?? 0) - (arrivals[0] ?? 0);
      expect(spread).to.be.at.least((pieces.length - 1) * paceMs * 0.9);
    } finally {
      await api.close();
    }
  });

  it('when the pace is not set, then npm run dev paces the offline coach and npm start does not', () => {
    expect(loadConfig({}, { dev: true }).llm.offlinePaceMs).to.equal(40);
    expect(loadConfig({}).llm.offlinePaceMs).to.equal(0);
    expect(loadConfig({ OFFLINE_STREAM_PACE_MS: '0' }, { dev: true }).llm.offlinePaceMs).to.equal(
      0,
    );
    expect(() => loadConfig({ OFFLINE_STREAM_PACE_MS: '5000' })).to.throw(
      /^Invalid configuration: OFFLINE_STREAM_PACE_MS is invalid/,
    );
  });
});

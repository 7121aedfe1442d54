import { expect } from 'chai';
import type { LlmProvider } from '../../app/src/llm/port.js';
import { createOfflineProvider } from '../../app/src/llm/offline.js';
import { initiate, startApi, type TestApi } from '../support/harness.js';

interface ErrorBody {
  error: string;
  message: string;
  detail: string | { loc: (string | number)[]; msg: string; type: string }[];
  request_id: string;
}

describe('errors and the order of checks', () => {
  let api: TestApi;
  let token: string;
  let id: string;
  let explode = false;

  before(async () => {
    const offline = createOfflineProvider();
    const llm: LlmProvider = {
      name: 'offline',
      generate: (request) => {
        if (explode) throw new Error('secret internal detail: table xyz at /var/task/app.js:1');
        return offline.generate(request);
      },
      stream: (request, sink) => offline.stream(request, sink),
      check: () => offline.check(),
    };
    api = await startApi({ env: { MAX_BODY_BYTES: '6000', MAX_TURNS: '3' }, overrides: { llm } });
    token = await api.token('erin', 'acme');
    id = await initiate(api, token);
  });
  after(() => api.close());

  const messageCount = async (conversationId = id) =>
    (
      await api.request<{ messages: unknown[] }>('GET', `/api/v1/conversations/${conversationId}`, {
        token,
      })
    ).body.messages.length;

  it('when every response is sent, then it carries an X-Request-ID, echoing a sane one from the caller', async () => {
    const mine = await api.request('GET', '/api/v1/health/live', {
      headers: { 'X-Request-ID': 'req-123.abc' },
    });
    expect(mine.headers.get('x-request-id')).to.equal('req-123.abc');
    const insane = await api.request('GET', '/nowhere', {
      headers: { 'X-Request-ID': 'bad id with spaces' },
    });
    const generated = insane.headers.get('x-request-id');
    expect(generated).to.match(/^[0-9a-f-]{36}$/);
    expect((insane.body as unknown as ErrorBody).request_id).to.equal(generated);
  });

  it('when the path is unknown, then it is 404 not_found in the envelope', async () => {
    const response = await api.request<ErrorBody>('GET', '/api/v1/nothing-here', { token });
    expect(response.status).to.equal(404);
    expect(response.body.error).to.equal('not_found');
    expect(response.body.message).to.be.a('string');
    expect(response.body.detail).to.equal(response.body.message);
  });

  it('when the method is wrong for a known path, then it is 405 with an Allow header, before auth', async () => {
    const response = await api.request<ErrorBody>('PUT', `/api/v1/conversations/${id}`);
    expect(response.status).to.equal(405);
    expect(response.body.error).to.equal('method_not_allowed');
    expect(response.headers.get('allow')).to.include('GET').and.include('DELETE');
  });

  it('when a protected route is called without a token, then it is 401 before the body is looked at', async () => {
    const response = await api.request<ErrorBody>('POST', '/api/v1/conversations/initiate', {
      rawBody: 'not json',
      headers: { 'Content-Type': 'text/plain' },
    });
    expect(response.status).to.equal(401);
    expect(response.body.error).to.equal('missing_token');
    expect(response.headers.get('www-authenticate')).to.equal('Bearer');
  });

  it('when the body is not JSON by media type, then it is 415 before the size is judged', async () => {
    const response = await api.request<ErrorBody>('POST', '/api/v1/conversations/initiate', {
      token,
      rawBody: 'x'.repeat(9000),
      headers: { 'Content-Type': 'text/plain' },
    });
    expect(response.status).to.equal(415);
    expect(response.body.error).to.equal('unsupported_media_type');
  });

  it('when the body is over MAX_BODY_BYTES, then it is 413 before the JSON is parsed', async () => {
    const response = await api.request<ErrorBody>('POST', `/api/v1/conversations/${id}/message`, {
      token,
      rawBody: `{${'x'.repeat(7000)}`,
      headers: { 'Content-Type': 'application/json' },
    });
    expect(response.status).to.equal(413);
    expect(response.body.error).to.equal('payload_too_large');
    expect(await messageCount()).to.equal(1);
  });

  for (const [label, raw] of [
    ['broken JSON', '{"user_message": '],
    ['a JSON array', '["hello"]'],
    ['a JSON string', '"hello"'],
    ['JSON null', 'null'],
  ] as const) {
    it(`when the body is ${label}, then it is 400 invalid_json and nothing is stored`, async () => {
      const response = await api.request<ErrorBody>('POST', `/api/v1/conversations/${id}/message`, {
        token,
        rawBody: raw,
        headers: { 'Content-Type': 'application/json' },
      });
      expect(response.status).to.equal(400);
      expect(response.body.error).to.equal('invalid_json');
      expect(await messageCount()).to.equal(1);
    });
  }

  it('when the JSON is valid but the schema is not, then it is 422 with loc, msg and type', async () => {
    const response = await api.request<ErrorBody>('POST', '/api/v1/conversations/initiate', {
      token,
      body: { topic: 'happiness' },
    });
    expect(response.status).to.equal(422);
    expect(response.body.error).to.equal('validation_error');
    expect(response.body.detail).to.deep.equal([
      {
        loc: ['body', 'topic'],
        msg: (response.body.detail as { msg: string }[])[0]?.msg,
        type: 'enum',
      },
    ]);
  });

  for (const [label, body, loc, type] of [
    ['no topic', {}, ['body', 'topic'], 'missing'],
    ['a numeric topic', { topic: 3 }, ['body', 'topic'], 'enum'],
    ['a context that is a list', { topic: 'vision', context: [1] }, ['body', 'context'], 'type'],
    [
      'a six-letter language',
      { topic: 'vision', language: 'abcdef' },
      ['body', 'language'],
      'string_too_long',
    ],
  ] as const) {
    it(`when initiate gets ${label}, then it is 422 at ${loc.join('.')} and no conversation is created`, async () => {
      const before = (
        await api.request<{ total: number }>('GET', '/api/v1/conversations', { token })
      ).body.total;
      const response = await api.request<ErrorBody>('POST', '/api/v1/conversations/initiate', {
        token,
        body,
      });
      expect(response.status).to.equal(422);
      const first = (response.body.detail as { loc: unknown[]; type: string }[])[0];
      expect(first?.loc).to.deep.equal(loc);
      expect(first?.type).to.equal(type);
      const after = (
        await api.request<{ total: number }>('GET', '/api/v1/conversations', { token })
      ).body.total;
      expect(after).to.equal(before);
    });
  }

  for (const [label, body, type] of [
    ['no user_message', {}, 'missing'],
    ['a blank user_message', { user_message: '   \n ' }, 'string_too_short'],
    ['a 4001-character user_message', { user_message: 'x'.repeat(4001) }, 'string_too_long'],
    ['a numeric user_message', { user_message: 42 }, 'type'],
  ] as const) {
    it(`when a message has ${label}, then it is 422 and nothing is stored`, async () => {
      const response = await api.request<ErrorBody>('POST', `/api/v1/conversations/${id}/message`, {
        token,
        body,
      });
      expect(response.status).to.equal(422);
      const first = (response.body.detail as { loc: unknown[]; type: string }[])[0];
      expect(first?.loc).to.deep.equal(['body', 'user_message']);
      expect(first?.type).to.equal(type);
      expect(await messageCount()).to.equal(1);
    });
  }

  it('when a message is exactly 4000 characters after trimming, then it is accepted', async () => {
    const other = await initiate(api, token);
    const response = await api.request('POST', `/api/v1/conversations/${other}/message`, {
      token,
      body: { user_message: `  ${'y'.repeat(4000)}  ` },
    });
    expect(response.status).to.equal(200);
  });

  it('when the Idempotency-Key is longer than 128 characters, then it is 422 naming the header', async () => {
    const response = await api.request<ErrorBody>('POST', `/api/v1/conversations/${id}/message`, {
      token,
      body: { user_message: 'hello' },
      headers: { 'Idempotency-Key': 'k'.repeat(129) },
    });
    expect(response.status).to.equal(422);
    expect((response.body.detail as { loc: unknown[] }[])[0]?.loc).to.deep.equal([
      'header',
      'idempotency-key',
    ]);
    expect(await messageCount()).to.equal(1);
  });

  for (const [name, value] of [
    ['Idempotency-Key', 'caf\u00e9-1'],
    ['Prefer', 'respond-async; note=caf\u00e9'],
  ] as const) {
    it(`when ${name} holds a character that is not printable ASCII, then it is 422 naming the header and nothing is stored`, async () => {
      const response = await api.request<ErrorBody>('POST', `/api/v1/conversations/${id}/message`, {
        token,
        body: { user_message: 'hello' },
        headers: { [name]: value },
      });
      expect(response.status).to.equal(422);
      expect((response.body.detail as { loc: unknown[] }[])[0]?.loc).to.deep.equal([
        'header',
        name.toLowerCase(),
      ]);
      expect(await messageCount()).to.equal(1);
    });
  }

  it('when a conversation id does not exist, then it is 404 conversation_not_found naming it', async () => {
    const response = await api.request<ErrorBody>('GET', '/api/v1/conversations/conv_missing', {
      token,
    });
    expect(response.status).to.equal(404);
    expect(response.body).to.include({
      error: 'conversation_not_found',
      message: 'Conversation conv_missing not found',
    });
  });

  it('when the conversation holds MAX_TURNS user turns, then the next message is 409 conversation_limit_reached', async () => {
    const full = await initiate(api, token);
    for (const text of ['one', 'two', 'three']) {
      expect(
        (
          await api.request('POST', `/api/v1/conversations/${full}/message`, {
            token,
            body: { user_message: text },
          })
        ).status,
      ).to.equal(200);
    }
    const response = await api.request<ErrorBody>('POST', `/api/v1/conversations/${full}/message`, {
      token,
      body: { user_message: 'four' },
    });
    expect(response.status).to.equal(409);
    expect(response.body.error).to.equal('conversation_limit_reached');
    expect(await messageCount(full)).to.equal(7);
  });

  it('when the conversation holds MAX_TURNS user turns, then its last answer can still be regenerated: a regenerate adds no turn', async () => {
    const full = await initiate(api, token);
    for (const text of ['one', 'two', 'three']) {
      const sent = await api.request('POST', `/api/v1/conversations/${full}/message`, {
        token,
        body: { user_message: text },
      });
      expect(sent.status).to.equal(200);
    }
    const regenerated = await api.request<{ message_id: string }>(
      'POST',
      `/api/v1/conversations/${full}/regenerate`,
      { token },
    );
    expect(regenerated.status, regenerated.text).to.equal(200);
    expect(regenerated.body.message_id).to.match(/^msg_t3s1_/);
    expect(await messageCount(full)).to.equal(7);
  });

  it('when something unexpected fails, then it is a bare 500 with no internals, and the turn is not stored', async () => {
    const other = await initiate(api, token);
    explode = true;
    try {
      const response = await api.request<ErrorBody>(
        'POST',
        `/api/v1/conversations/${other}/message`,
        {
          token,
          body: { user_message: 'hello' },
        },
      );
      expect(response.status).to.equal(500);
      expect(response.body).to.include({
        error: 'internal_server_error',
        message: 'An unexpected error occurred. Please try again later.',
      });
      expect(response.text).to.not.include('secret internal detail');
      expect(response.text).to.not.include('/var/task');
      expect(
        api.logger.lines.some(
          (l) =>
            l.event === 'unhandled_error' && String(l.reason).includes('secret internal detail'),
        ),
      ).to.equal(true);
    } finally {
      explode = false;
    }
    expect(await messageCount(other)).to.equal(1);
    const retry = await api.request('POST', `/api/v1/conversations/${other}/message`, {
      token,
      body: { user_message: 'hello again' },
    });
    expect(retry.status).to.equal(200);
  });

  it('when a request is served, then one access-log line records method, route, status and duration without the token', async () => {
    api.logger.lines.length = 0;
    await api.request('GET', `/api/v1/conversations/${id}`, { token });
    const lines = api.logger.lines.filter((l) => l.event === 'request');
    expect(lines).to.have.length(1);
    expect(lines[0]).to.include({
      method: 'GET',
      route: '/api/v1/conversations/:id',
      status: 200,
      user_id: 'erin',
      tenant_id: 'acme',
    });
    expect(lines[0]?.duration_ms).to.be.a('number');
    expect(JSON.stringify(api.logger.lines)).to.not.include(token);
  });

  it('when a message is processed, then the info log names the conversation but not the message text', async () => {
    const other = await initiate(api, token);
    api.logger.lines.length = 0;
    await api.request('POST', `/api/v1/conversations/${other}/message`, {
      token,
      body: { user_message: 'my very private answer' },
    });
    const processed = api.logger.lines.find((l) => l.event === 'message_processed');
    expect(processed).to.include({
      conversation_id: other,
      user_id: 'erin',
      tenant_id: 'acme',
      topic: 'core_values',
    });
    expect(JSON.stringify(api.logger.lines)).to.not.include('my very private answer');
  });
});

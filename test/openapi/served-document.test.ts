// The check every component test runs on every response (test/support/served-document.ts):
// it must catch what the served /openapi.json does not say, or the suite's green means little.
import { expect } from 'chai';
import { initiate, startApi, type TestApi } from '../support/harness.js';
import { ServedDocument, type Exchange, type OpenApiDocument } from '../support/served-document.js';

describe('every response is checked against the served /openapi.json', () => {
  let api: TestApi;
  let served: ServedDocument;
  let token: string;
  let id: string;
  let conversation: Exchange;

  before(async () => {
    api = await startApi();
    const doc = (await api.request<OpenApiDocument>('GET', '/openapi.json')).body;
    served = new ServedDocument(doc, ['test']);
    token = await api.token('vera', 'acme');
    id = await initiate(api, token);
    const read = await api.request('GET', `/api/v1/conversations/${id}`, { token });
    conversation = {
      method: 'GET',
      path: `/api/v1/conversations/${id}`,
      status: read.status,
      header: (name) => read.headers.get(name),
      text: read.text,
    };
  });
  after(() => api.close());

  it('when a real response is checked, then it has no problems (the check is not just failing everything)', () => {
    expect(served.problems(conversation)).to.deep.equal([]);
  });

  it('when a status is not one the operation lists, then the check says so', () => {
    const [problem] = served.problems({ ...conversation, status: 418 });
    expect(problem).to.include('status not documented for get /api/v1/conversations/{id}');
  });

  it('when the body carries a field the document never mentions, then the check names it', () => {
    const body = { ...JSON.parse(conversation.text), secret_internal: 1 } as Record<
      string,
      unknown
    >;
    const [problem] = served.problems({ ...conversation, text: JSON.stringify(body) });
    expect(problem).to.include('breaks its schema').and.include('(secret_internal)');
  });

  it('when a documented field has the wrong type or is missing, then the check says so', () => {
    const body = JSON.parse(conversation.text) as Record<string, unknown>;
    expect(
      served.problems({ ...conversation, text: JSON.stringify({ ...body, progress: 'half' }) })[0],
    ).to.include('progress');
    const { status: _status, ...withoutStatus } = body;
    expect(served.problems({ ...conversation, text: JSON.stringify(withoutStatus) })[0]).to.include(
      "must have required property 'status'",
    );
  });

  it('when a required header is missing, then the check names it', () => {
    const problems = served.problems({
      ...conversation,
      header: (name) => (name.toLowerCase() === 'x-request-id' ? null : conversation.header(name)),
    });
    expect(problems).to.include(
      `GET /api/v1/conversations/${id} → 200: required header X-Request-ID is missing`,
    );
  });

  it('when the media type is not documented, then the check says so', () => {
    const problems = served.problems({
      ...conversation,
      header: (name) => (name.toLowerCase() === 'content-type' ? 'text/plain' : null),
    });
    expect(problems.join('\n')).to.include('Content-Type text/plain is not documented');
  });

  it('when a path matches no documented operation, then only the 404/405 envelope passes', () => {
    const notFound = {
      method: 'GET',
      path: '/api/v1/conversations/not-an-id',
      status: 200,
      header: () => null,
      text: '{}',
    };
    expect(served.problems(notFound)[0]).to.include('must be 404');
    expect(
      served.problems({
        ...notFound,
        status: 404,
        text: JSON.stringify({ error: 'not_found', message: 'x', detail: 'x', request_id: 'r' }),
      }),
    ).to.deep.equal([]);
  });

  it('when the harness sends a request, then the same check runs on its response', async () => {
    let caught: unknown;
    try {
      await api.expectDocumented({ ...conversation, status: 299 });
    } catch (error) {
      caught = error;
    }
    expect(String(caught)).to.include('does not match the served /openapi.json');
  });
  it('when an event stream is checked, then each event’s data must match its schema, and broken framing is named', () => {
    const exchange = (text: string): Exchange => ({
      method: 'POST',
      path: `/api/v1/conversations/${id}/message`,
      status: 200,
      header: (name) =>
        ({
          'content-type': 'text/event-stream',
          'x-request-id': 'r-1',
          'x-ratelimit-limit': '100',
          'x-ratelimit-remaining': '99',
          'x-ratelimit-reset': '10',
        })[name.toLowerCase()],
      text,
    });
    const turn = {
      conversation_id: id,
      message_id: 'msg_t1s1_0123456789abcdef0123456789abcdef',
      ai_response: 'Hi.',
      follow_up_question: null,
      current_phase: 'exploration',
      progress: 0.3,
      is_complete: false,
      insights: [],
      identified_values: [],
      next_steps: null,
    };
    const good = `event: delta\ndata: {"text":"Hi."}\n\n: keep-alive\n\nevent: turn\ndata: ${JSON.stringify(turn)}\n\n`;
    expect(served.problems(exchange(good))).to.deep.equal([]);
    expect(served.problems(exchange('event: delta\ndata: {"txt":"Hi."}\n\n'))[0]).to.include(
      'breaks its schema',
    );
    expect(served.problems(exchange('event: shout\ndata: {}\n\n'))[0]).to.include(
      'breaks its schema',
    );
    expect(served.problems(exchange('event: delta\ndata: not json\n\n'))[0]).to.include('not JSON');
    expect(served.problems(exchange('event: delta\ndata: {"text":"cut'))[0]).to.include(
      'unterminated',
    );
  });
});

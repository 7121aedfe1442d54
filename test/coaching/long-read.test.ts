// Reading a conversation past the item's recent window: the turn items and the run's session
// come in one BatchGetItem, so the read is two DynamoDB calls whatever the history's length up
// to one batch; past it, the turn items are queried. The history stays whole and in order.
import { expect } from 'chai';
import { initiate, startApi, type TestApi } from '../support/harness.js';

interface Read {
  messages: { role: string; content: string }[];
  metadata: { usage?: { turns: number } };
}

describe('GET /api/v1/conversations/{id} past the recent window', function () {
  this.timeout(60_000);
  let api: TestApi;
  let token: string;
  const sent: string[] = [];
  const calls: string[] = [];
  before(async () => {
    api = await startApi();
    api.dynamo.client.middlewareStack.add(
      (next, context) => (args) => {
        calls.push(context.commandName ?? '');
        return next(args);
      },
      { step: 'initialize', name: 'testCallLog', priority: 'high' },
    );
    token = await api.token('rhea', 'acme');
  });
  after(() => api.close());

  async function say(id: string, turns: number) {
    for (let i = 0; i < turns; i++) {
      const text = `Craft and honesty, said for the ${sent.length + 1}. time`;
      const response = await api.request('POST', `/api/v1/conversations/${id}/message`, {
        token,
        body: { user_message: text },
      });
      expect(response.status, response.text).to.equal(200);
      sent.push(text);
    }
  }

  async function read(id: string) {
    calls.length = 0;
    const response = await api.request<Read>('GET', `/api/v1/conversations/${id}`, { token });
    expect(response.status, response.text).to.equal(200);
    return { body: response.body, calls: [...calls] };
  }

  const userMessages = (body: Read) =>
    body.messages.filter((m) => m.role === 'user').map((m) => m.content);

  it('when the history has more turns than the window, then it is read whole in two calls with the usage', async () => {
    sent.length = 0;
    const id = await initiate(api, token);
    await say(id, 8);
    const { body, calls: made } = await read(id);
    expect(made).to.deep.equal(['GetItemCommand', 'BatchGetItemCommand']);
    expect(body.messages).to.have.length(1 + 2 * 8);
    expect(body.messages[0]?.role).to.equal('assistant');
    expect(userMessages(body)).to.deep.equal(sent);
    expect(body.metadata.usage?.turns).to.equal(8);
  });

  it('when the batch read fails, then the history is still answered whole, without the usage', async () => {
    sent.length = 0;
    const id = await initiate(api, token);
    await say(id, 7);
    const held = api.hooks.hold((name) => name === 'BatchGetItemCommand');
    const reading = read(id);
    await held.reached;
    held.fail(
      Object.assign(new Error('sessions table unreachable'), { name: 'InternalServerError' }),
    );
    const { body, calls: made } = await reading;
    expect(made).to.deep.equal(['GetItemCommand', 'BatchGetItemCommand', 'QueryCommand']);
    expect(userMessages(body)).to.deep.equal(sent);
    expect(body.metadata.usage).to.equal(undefined);
  });

  it('when the history is longer than one batch holds, then the turns are queried beside the session', async () => {
    sent.length = 0;
    const id = await initiate(api, token);
    await say(id, 99);
    const { body, calls: made } = await read(id);
    expect(made.slice(0, 1)).to.deep.equal(['GetItemCommand']);
    expect([...made.slice(1)].sort()).to.deep.equal(['GetItemCommand', 'QueryCommand']);
    expect(userMessages(body)).to.deep.equal(sent);
    expect(body.metadata.usage?.turns).to.equal(99);
  });
});

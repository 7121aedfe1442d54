import { expect } from 'chai';
import { initiate, startApi, type TestApi } from '../support/harness.js';

describe('conversations', () => {
  let api: TestApi;
  let alice: string;

  before(async () => {
    api = await startApi();
    alice = await api.token('alice', 'acme');
  });
  after(() => api.close());

  describe('POST /api/v1/conversations/initiate', () => {
    it('when a user starts a topic, then it answers 201 with the opening message and a Location', async () => {
      const response = await api.request('POST', '/api/v1/conversations/initiate', {
        token: alice,
        body: { topic: 'purpose', language: ' EN ' },
      });
      expect(response.status).to.equal(201);
      const body = response.body;
      expect(body.conversation_id).to.match(/^conv_[0-9a-f]{32}$/);
      expect(response.headers.get('location')).to.equal(
        `/api/v1/conversations/${String(body.conversation_id)}`,
      );
      expect(body).to.include({
        user_id: 'alice',
        tenant_id: 'acme',
        topic: 'purpose',
        status: 'active',
        current_phase: 'introduction',
        progress: 0.1,
      });
      expect(body.initial_message).to.be.a('string').with.length.above(20);
      expect(Date.parse(String(body.created_at))).to.be.closeTo(Date.now(), 60_000);
    });
  });

  it('when a conversation is read back, then the opening message comes first', async () => {
    const id = await initiate(api, alice);
    const response = await api.request<{ messages: { role: string }[] }>(
      'GET',
      `/api/v1/conversations/${id}`,
      { token: alice },
    );
    expect(response.status).to.equal(200);
    expect(response.body.messages.map((m) => m.role)).to.deep.equal(['assistant']);
  });
});

// Every answer lost to the writes around a turn, each on its own: the initiate's, a status
// change's, the lease's, a job's claim and outcome. The store applies each and the app hears
// nothing back, however often it sends it; what it answers must still be the truth: 201 with one
// conversation, one session and one opening message; 204 for a change that was made (never 409
// for its own change); a turn that goes on under the lease it took; a job that ends with its turn;
// the job a replayed key is made into, the same for every retry.
import { expect } from 'chai';
import { initiate, startApi, type TestApi } from '../support/harness.js';

/** Requests whose body says they are the write a test means. */
const says = (text: string) => (request: { body: Record<string, unknown> }) =>
  JSON.stringify(request.body).includes(text);

describe('writes whose every answer is lost', function () {
  this.timeout(60_000);
  let api: TestApi;
  let token: string;
  let userId: string;
  let users = 0;

  before(async () => {
    api = await startApi({ faults: { seed: 3 } });
  });
  beforeEach(async () => {
    userId = `user-lost-${++users}`;
    token = await api.token(userId, 'tenant-lost');
  });
  after(() => api.close());
  afterEach(() => api.proxy?.clear());

  const dropAll = (operation: string, text: string) =>
    api.proxy?.add({ fault: 'drop-after-apply', operations: [operation], match: says(text) });

  it('when the initiate lands unseen, then it answers 201 and leaves one conversation, one session and one opening message', async () => {
    dropAll('TransactWriteItems', 'attribute_not_exists(conversation_id)');
    const response = await api.request<{ conversation_id: string }>(
      'POST',
      '/api/v1/conversations/initiate',
      { token, body: { topic: 'core_values' } },
    );
    expect(response.status, response.text).to.equal(201);
    expect(api.proxy?.faults()['drop-after-apply']).to.be.greaterThan(1);
    const id = response.body.conversation_id;
    const mine = (items: Record<string, unknown>[]) => items.filter((i) => i.user_id === userId);
    expect(mine(await api.items('conversations'))).to.have.length(1);
    expect(mine(await api.items('coachingSessions'))).to.have.length(1);
    const openings = (await api.items('messages')).filter((i) => i.conversation_id === id);
    expect(openings.map((i) => i.turn)).to.deep.equal([0]);
  });

  for (const [action, status] of [
    ['pause', 'paused'],
    ['complete', 'completed'],
  ] as const) {
    it(`when a ${action} lands unseen, then it answers 204, never 409 for its own change, and the conversation reads ${status}`, async () => {
      const id = await initiate(api, token);
      dropAll('UpdateItem', 'status_change');
      const response = await api.request('POST', `/api/v1/conversations/${id}/${action}`, {
        token,
      });
      expect(response.status, response.text).to.equal(204);
      api.proxy?.clear();
      const read = await api.request<{ status: string }>('GET', `/api/v1/conversations/${id}`, {
        token,
      });
      expect(read.body.status).to.equal(status);
    });
  }

  it('when the lease lands unseen, then the turn goes on under it and is stored once', async () => {
    const id = await initiate(api, token);
    dropAll('UpdateItem', 'lease_seq :one');
    const response = await api.request('POST', `/api/v1/conversations/${id}/message`, {
      token,
      body: { user_message: 'leased unseen' },
    });
    expect(response.status, response.text).to.equal(200);
    const turns = (await api.items('messages')).filter(
      (i) => i.conversation_id === id && Number(i.turn) > 0,
    );
    expect(turns).to.have.length(1);
  });

  it('when a job is put, claimed and succeeds with every answer lost, then it reads succeeded with its turn stored once', async () => {
    const id = await initiate(api, token);
    dropAll('PutItem', '"record_kind":{"S":"job"}');
    dropAll('UpdateItem', ':running');
    dropAll('TransactWriteItems', 'message_count = :count');
    const accepted = await api.request<{ job_id: string }>(
      'POST',
      `/api/v1/conversations/${id}/message`,
      { token, body: { user_message: 'a job unseen' }, headers: { Prefer: 'respond-async' } },
    );
    expect(accepted.status, accepted.text).to.equal(202);
    let job: { status: string } = { status: 'queued' };
    for (let n = 0; n < 200 && !['succeeded', 'failed'].includes(job.status); n++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      job = (
        await api.request<{ status: string }>('GET', `/api/v1/jobs/${accepted.body.job_id}`, {
          token,
        })
      ).body;
    }
    expect(job.status).to.equal('succeeded');
    const faults = api.proxy?.log.filter((e) => e.fault === 'drop-after-apply') ?? [];
    expect(new Set(faults.map((e) => e.operation))).to.deep.equal(
      new Set(['PutItem', 'UpdateItem', 'TransactWriteItems']),
    );
    const read = await api.request<{ messages: { content: string }[] }>(
      'GET',
      `/api/v1/conversations/${id}`,
      { token },
    );
    expect(read.body.messages.filter((m) => m.content === 'a job unseen')).to.have.length(1);
  });

  it('when the job a replayed key is made into is put with every answer lost, then the 202 names it and every retry gets that same job', async () => {
    const id = await initiate(api, token);
    const key = { 'Idempotency-Key': 'replayed-unseen' };
    const path = `/api/v1/conversations/${id}/message`;
    const body = { user_message: 'answered first' };
    const answered = await api.request('POST', path, { token, body, headers: key });
    expect(answered.status, answered.text).to.equal(200);
    dropAll('PutItem', '"status":{"S":"succeeded"}');
    const headers = { ...key, Prefer: 'respond-async' };
    const first = await api.request<{ job_id: string }>('POST', path, { token, body, headers });
    expect(first.status, first.text).to.equal(202);
    expect(api.proxy?.log.some((e) => e.fault === 'drop-after-apply')).to.equal(true);
    const again = await api.request<{ job_id: string }>('POST', path, { token, body, headers });
    expect(again.body.job_id).to.equal(first.body.job_id);
    const job = await api.request('GET', `/api/v1/jobs/${first.body.job_id}`, { token });
    expect(job.body).to.deep.include({ status: 'succeeded', result: answered.body });
  });
});

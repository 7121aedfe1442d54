// A turn's commit whose every answer is lost, which the fault campaign meets only by chance: the
// store applied it and no answer came back; it never reached the store; it reached the store
// only after the app had given up on it. Whatever happened, the client is told the truth before
// it is answered: 200 with a turn stored exactly once, or 503 with nothing of it stored and the
// conversation free for the retry, which (with the same Idempotency-Key) stores it once. Only a
// store that stays out of reach while the app reads back leaves a 503 whose turn may be stored:
// logged as turn_outcome_unknown, and the keyed retry then replays it. A regenerate's commit,
// over the turn it replaces, resolves the same way.
import { expect } from 'chai';
import type { FaultKind } from '../support/dynamo-fault-proxy.js';
import { initiate, startApi, type TestApi, sendMessage } from '../support/harness.js';

/** A turn's commit, as the proxy sees it: the transaction that moves the conversation on. */
const isCommit = (request: { operation: string; body: Record<string, unknown> }) =>
  request.operation === 'TransactWriteItems' &&
  JSON.stringify(request.body).includes('message_count = :count');

interface Stored {
  /** How often each user message is in the history. */
  readonly said: readonly string[];
  readonly turnCount: number;
  readonly sessionTurns: number;
  readonly leaseLeft: boolean;
}

describe('a turn whose commit answer is lost', function () {
  this.timeout(60_000);
  let api: TestApi;
  let token: string;

  before(async () => {
    api = await startApi({ faults: { seed: 5 } });
    token = await api.token('user-commit', 'tenant-commit');
  });
  after(() => api.close());
  afterEach(() => api.proxy?.clear());

  const send = (id: string, message: string) =>
    sendMessage<{ ai_response: string }>(api, token, id, message, {
      'Idempotency-Key': `key-${message}`,
    });

  async function stored(id: string): Promise<Stored> {
    const item = (await api.items('conversations')).find((i) => i.conversation_id === id) ?? {};
    const session = (await api.items('coachingSessions')).find((s) => s.conversation_id === id);
    const read = await api.request<{ messages: { role: string; content: string }[] }>(
      'GET',
      `/api/v1/conversations/${id}`,
      { token },
    );
    return {
      said: read.body.messages.filter((m) => m.role === 'user').map((m) => m.content),
      turnCount: Number(item.turn_count ?? 0),
      sessionTurns: Number(session?.turns ?? 0),
      leaseLeft: item.lease_id !== undefined,
    };
  }

  const lose = (fault: FaultKind, delayMs?: number) =>
    api.proxy?.add({ fault, operations: ['TransactWriteItems'], match: isCommit, delayMs });

  it('when the store applies the commit and every answer to it is dropped, then the turn answers 200, stored once, and its keyed retry replays it', async () => {
    const id = await initiate(api, token);
    lose('drop-after-apply');
    const first = await send(id, 'landed unseen');
    expect(first.status, first.text).to.equal(200);
    expect(api.proxy?.faults()['drop-after-apply']).to.be.greaterThan(1);
    api.proxy?.clear();
    const retry = await send(id, 'landed unseen');
    expect(retry.status).to.equal(200);
    expect(retry.body.ai_response).to.equal(first.body.ai_response);
    expect(await stored(id)).to.deep.equal({
      said: ['landed unseen'],
      turnCount: 1,
      sessionTurns: 1,
      leaseLeft: false,
    });
  });

  it('when the commit never reaches the store, then 503 with nothing stored and the conversation free at once, and the keyed retry stores the turn once', async () => {
    const id = await initiate(api, token);
    lose('reset');
    const first = await send(id, 'never arrived');
    expect(first.status, first.text).to.equal(503);
    expect(await stored(id)).to.deep.equal({
      said: [],
      turnCount: 0,
      sessionTurns: 0,
      leaseLeft: false,
    });
    api.proxy?.clear();
    const retry = await send(id, 'never arrived');
    expect(retry.status, retry.text).to.equal(200);
    expect((await stored(id)).said).to.deep.equal(['never arrived']);
  });

  it('when the commit reaches the store only after the app gave up on it, then the answer is the truth: 200 with the turn stored once, or 503 with nothing stored even once the late writes land', async () => {
    const id = await initiate(api, token);
    // Each attempt arrives after the attempt's 2 s deadline: applied, or refused, behind the app's back.
    lose('delay', 3000);
    const first = await send(id, 'arrived late');
    api.proxy?.clear();
    expect([200, 503], first.text).to.include(first.status);
    // Every delayed attempt has reached the store by now.
    await new Promise((resolve) => setTimeout(resolve, 3500));
    const after = await stored(id);
    expect(after.said).to.deep.equal(first.status === 200 ? ['arrived late'] : []);
    expect(after.turnCount).to.equal(after.said.length);
    expect(after.sessionTurns).to.equal(after.said.length);
    const retry = await send(id, 'arrived late');
    expect(retry.status, retry.text).to.equal(200);
    expect((await stored(id)).said).to.deep.equal(['arrived late']);
  });

  it('when the commit is applied unseen and the store then stays out of reach while the app reads back, then 503 logged turn_outcome_unknown, and once the store is back the turn is there once and its keyed retry replays it', async () => {
    const id = await initiate(api, token);
    let commitSent = false;
    api.proxy?.add({
      fault: 'drop-after-apply',
      operations: ['TransactWriteItems'],
      match: (request) => isCommit(request) && (commitSent = true),
    });
    // From the commit on, nothing else reaches the store: the read-back and the release fail.
    api.proxy?.add({ fault: 'reset', match: () => commitSent });
    const first = await send(id, 'outcome unknown');
    expect(first.status, first.text).to.equal(503);
    expect(first.body).to.include({ error: 'service_unavailable' });
    const unknown = api.logger.lines.filter((line) => line.event === 'turn_outcome_unknown');
    expect(unknown.map((line) => line.conversation_id)).to.deep.equal([id]);
    api.proxy?.clear();
    // The commit had landed: the turn is there once, its call booked once (by the commit).
    expect(await stored(id)).to.deep.equal({
      said: ['outcome unknown'],
      turnCount: 1,
      sessionTurns: 1,
      leaseLeft: false,
    });
    const retry = await send(id, 'outcome unknown');
    expect(retry.status, retry.text).to.equal(200);
    expect((await stored(id)).said).to.deep.equal(['outcome unknown']);
  });

  describe('a regenerate', () => {
    const regenerate = (id: string, key: string) =>
      api.request<{ message_id: string }>('POST', `/api/v1/conversations/${id}/regenerate`, {
        token,
        headers: { 'Idempotency-Key': key },
      });
    /** The answers' ids in the history. */
    const answers = async (id: string) =>
      (
        await api.request<{ messages: { role: string; message_id: string }[] }>(
          'GET',
          `/api/v1/conversations/${id}`,
          { token },
        )
      ).body.messages
        .filter((m) => m.role === 'assistant')
        .map((m) => m.message_id);

    it('when the store applies its commit and every answer is dropped, then 200 with the answer replaced once, and its keyed retry replays it', async () => {
      const id = await initiate(api, token);
      expect((await send(id, 'to be answered again')).status).to.equal(200);
      lose('drop-after-apply');
      const first = await regenerate(id, 'regen-unseen');
      expect(first.status, first.text).to.equal(200);
      expect(api.proxy?.faults()['drop-after-apply']).to.be.greaterThan(1);
      api.proxy?.clear();
      const retry = await regenerate(id, 'regen-unseen');
      expect(retry.body).to.deep.equal(first.body);
      expect((await answers(id)).at(-1)).to.equal(first.body.message_id);
      // The message's turn and the regenerate's call: two on the session, one turn stored.
      expect(await stored(id)).to.deep.equal({
        said: ['to be answered again'],
        turnCount: 1,
        sessionTurns: 2,
        leaseLeft: false,
      });
    });

    it('when its commit never reaches the store, then 503 with the replaced answer still there, and the keyed retry replaces it once', async () => {
      const id = await initiate(api, token);
      expect((await send(id, 'kept as it was')).status).to.equal(200);
      const before = await answers(id);
      lose('reset');
      const first = await regenerate(id, 'regen-lost');
      expect(first.status, first.text).to.equal(503);
      expect(await answers(id)).to.deep.equal(before);
      expect((await stored(id)).leaseLeft).to.equal(false);
      api.proxy?.clear();
      const retry = await regenerate(id, 'regen-lost');
      expect(retry.status, retry.text).to.equal(200);
      const after = await answers(id);
      expect(after).to.have.length(before.length);
      expect(after.at(-1)).to.equal(retry.body.message_id);
    });
  });
});

// Races, with a model that takes its time: a fake Bedrock, through the real SDK, that answers
// only when the test lets it, and hooks that hold a storage call at the point that matters.
// A pause, complete or erasure landing during a turn wins and the turn stores nothing; an
// erasure leaves no text anywhere; history never goes backwards. A regenerate races as a message
// does: busy for whoever comes second, lost to a pause or an erasure with nothing half-stored. (A holder that stops renewing
// its lease: leases.test.ts.)
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { expect } from 'chai';
import { on } from '../support/dynamo-hooks.js';
import { coachingTurn } from '../support/fake-answers.js';
import { useApiWithFakeBedrock } from '../support/fixtures.js';
import { initiate, sendMessage } from '../support/harness.js';
import { slowModel } from '../support/slow-model.js';

interface Conversation {
  status: string;
  completed_at: string | null;
  messages: { role: string; content: string; timestamp: string }[];
}

const isLease = (_name: string, input: Record<string, unknown>) =>
  String(input.UpdateExpression).includes('lease_id = :lease');
/** A turn's commit: the transaction that writes the turn item and moves the conversation on. */
const isCommit = (name: string, input: Record<string, unknown>) =>
  name === 'TransactWriteItemsCommand' &&
  JSON.stringify(input.TransactItems).includes('message_count = :count');
const isCompletion = (_name: string, input: Record<string, unknown>) =>
  String(input.UpdateExpression).includes('completed_at = :completed');

describe('races with a slow model', () => {
  const { api, fake } = useApiWithFakeBedrock();
  let token: string;

  before(async () => {
    token = await api.token('rae', 'acme');
  });

  const send = (id: string, text: string, headers: Record<string, string> = {}) =>
    sendMessage(api, token, id, text, headers);
  const read = (id: string) =>
    api.request<Conversation>('GET', `/api/v1/conversations/${id}`, { token });
  const act = (id: string, action: 'pause' | 'resume' | 'complete') =>
    api.request('POST', `/api/v1/conversations/${id}/${action}`, { token });
  /** Every stored item, of every table, as text: to show a user's words are nowhere. */
  const everything = async () =>
    JSON.stringify(
      await Promise.all(
        (['conversations', 'messages', 'coachingSessions'] as const).map((t) => api.items(t)),
      ),
    );

  /**
   * A complete decided while `turn` waits on the model, and written only once the turn has
   * committed: it answers 204 and its completed_at follows every message. The conversation then.
   */
  async function completeWrittenAfter(
    id: string,
    model: ReturnType<typeof slowModel>,
    turn: Promise<{ status: number }>,
  ): Promise<Conversation> {
    await model.reached;
    const completion = api.hooks.hold(
      on('UpdateItemCommand', api.config.tables.conversations, isCompletion),
    );
    const complete = act(id, 'complete');
    await completion.reached;
    model.answer();
    expect((await turn).status).to.equal(200);
    completion.release();
    expect((await complete).status).to.equal(204);
    const conversation = (await read(id)).body;
    for (const message of conversation.messages) {
      expect(message.timestamp <= String(conversation.completed_at), message.content).to.equal(
        true,
      );
    }
    return conversation;
  }

  describe('DELETE during a turn', () => {
    it('when the erasure lands while the model thinks, then the turn is 404, no item holds its words, and the session keeps only tenant usage', async () => {
      const id = await initiate(api, token);
      expect((await send(id, 'my first secret')).status).to.equal(200);
      const [item] = (await api.items('conversations')).filter((c) => c.conversation_id === id);
      const sessionId = String(item?.session_id);

      const model = slowModel(fake);
      const turn = send(id, 'my second secret', { 'Idempotency-Key': 'erase-me' });
      await model.reached;
      const erased = await api.request('DELETE', `/api/v1/conversations/${id}`, { token });
      expect(erased.status).to.equal(204);
      model.answer();
      const answered = await turn;
      expect(answered.status, answered.text).to.equal(404);
      expect(answered.body.error).to.equal('conversation_not_found');

      expect((await read(id)).status).to.equal(404);
      const stored = await everything();
      expect(stored).to.not.contain('secret');
      const session = (await api.items('coachingSessions')).find((s) => s.session_id === sessionId);
      expect(session).to.include({ tenant_id: 'acme', topic: 'core_values' });
      expect(session).to.not.have.any.keys('user_id', 'conversation_id', 'outcome');
      // The erased turn's model call is still in the tenant's usage: two calls' tokens.
      expect(session?.input_tokens).to.equal(240);
      const retry = await send(id, 'my second secret', { 'Idempotency-Key': 'erase-me' });
      expect(retry.status).to.equal(404);
    });

    it('when the turn commits only after the erasure, then the whole commit is refused: neither its item nor its words are left', async () => {
      const id = await initiate(api, token);
      const write = api.hooks.hold(isCommit);
      const turn = send(id, 'a late secret');
      await write.reached;
      expect(
        (await api.request('DELETE', `/api/v1/conversations/${id}`, { token })).status,
      ).to.equal(204);
      write.release();
      expect((await turn).status).to.equal(404);
      expect(await everything()).to.not.contain('a late secret');
    });
  });

  describe('a status change during a turn', () => {
    it('when a pause lands while the model thinks, then the turn is 409 not active and stores nothing; after resume the next message is fine', async () => {
      const id = await initiate(api, token);
      const model = slowModel(fake);
      const turn = send(id, 'paused words');
      await model.reached;
      expect((await act(id, 'pause')).status).to.equal(204);
      model.answer();
      const answered = await turn;
      expect(answered.status, answered.text).to.equal(409);
      expect(answered.body).to.include({
        error: 'conversation_not_active',
        current_status: 'paused',
      });
      const conversation = (await read(id)).body;
      expect(conversation.status).to.equal('paused');
      expect(conversation.messages).to.have.length(1);
      expect(await everything()).to.not.contain('paused words');
      expect((await act(id, 'resume')).status).to.equal(204);
      expect((await send(id, 'resumed words')).status).to.equal(200);
      expect((await read(id)).body.messages).to.have.length(3);
    });

    it('when a complete lands while the model thinks, then the turn is 409 and no message is stored after completed_at', async () => {
      const id = await initiate(api, token);
      const model = slowModel(fake);
      const turn = send(id, 'too late');
      await model.reached;
      expect((await act(id, 'complete')).status).to.equal(204);
      model.answer();
      const answered = await turn;
      expect(answered.status).to.equal(409);
      expect(answered.body.current_status).to.equal('completed');
      const conversation = (await read(id)).body;
      expect(conversation.messages.map((m) => m.content)).to.not.include('too late');
      expect(await everything()).to.not.contain('too late');
    });

    it('when a complete decided before a turn committed is written after it, then completed_at still follows every message', async () => {
      const id = await initiate(api, token);
      const model = slowModel(fake);
      const conversation = await completeWrittenAfter(id, model, send(id, 'just in time'));
      expect(conversation.messages.map((m) => m.content)).to.include('just in time');
    });
  });

  it('when a message waits on its lease while another turn commits, then its timestamps still come after that turn', async () => {
    const id = await initiate(api, token);
    const lease = api.hooks.hold(on('UpdateItemCommand', api.config.tables.conversations, isLease));
    const first = send(id, 'sent first, leased last');
    await lease.reached;
    expect((await send(id, 'sent second, leased first')).status).to.equal(200);
    lease.release();
    expect((await first).status).to.equal(200);
    const stamps = (await read(id)).body.messages.map((m) => m.timestamp);
    expect(stamps).to.deep.equal([...stamps].sort());
  });

  it('when a commit is lost to another turn, then the loser is 409 busy and stores nothing', async () => {
    const id = await initiate(api, token);
    const commit = api.hooks.hold(isCommit);
    const loser = send(id, 'the loser');
    await commit.reached;
    // Its lease lapses meanwhile: another turn takes over and commits.
    await api.dynamo.doc.send(
      new UpdateCommand({
        TableName: api.config.tables.conversations,
        Key: { conversation_id: id },
        UpdateExpression: 'SET lease_expires_at = :past',
        ExpressionAttributeValues: { ':past': 0 },
      }),
    );
    expect((await send(id, 'the winner')).status).to.equal(200);
    commit.release();
    const lost = await loser;
    expect(lost.status).to.equal(409);
    expect(lost.body.error).to.equal('conversation_busy');
    const contents = (await read(id)).body.messages.map((m) => m.content);
    expect(contents).to.include('the winner');
    expect(await everything()).to.not.contain('the loser');
  });

  describe('a regenerate while the model thinks', () => {
    const regenerate = (id: string, headers: Record<string, string> = {}) =>
      api.request('POST', `/api/v1/conversations/${id}/regenerate`, { token, headers });
    /** A conversation with one answered turn, its words marked with `tag` (each test's own). */
    async function answered(tag: string) {
      const id = await initiate(api, token);
      fake.script({ tool: coachingTurn({ ai_response: `the first answer ${tag}` }) });
      expect((await send(id, `my words ${tag}`)).status).to.equal(200);
      return id;
    }
    const turnsOf = async (id: string) =>
      (await api.items('messages')).filter((i) => i.conversation_id === id);
    const newAnswer = (tag: string) => ({
      tool: coachingTurn({ ai_response: `the new answer ${tag}` }),
    });

    it('when a message or another regenerate comes while a regenerate runs, then each is 409 busy; the regenerate lands alone', async () => {
      const id = await answered('r0');
      const model = slowModel(fake, newAnswer('r0'));
      const running = regenerate(id, { 'Idempotency-Key': 'regen-race' });
      await model.reached;
      const message = await send(id, 'barging in');
      expect(message.status).to.equal(409);
      expect(message.body.error).to.equal('conversation_busy');
      expect((await regenerate(id)).body.error).to.equal('conversation_busy');
      // The same key while its turn still runs: busy too, as for a message.
      const sameKey = await regenerate(id, { 'Idempotency-Key': 'regen-race' });
      expect(sameKey.status).to.equal(409);
      expect(sameKey.body.error).to.equal('conversation_busy');
      model.answer();
      const done = await running;
      expect(done.status, done.text).to.equal(200);
      expect(done.body.ai_response).to.equal('the new answer r0');
      const history = (await read(id)).body.messages.map((m) => m.content);
      expect(history).to.have.length(3);
      expect(history.at(-1)).to.equal('the new answer r0');
      expect(await everything()).to.not.contain('barging in');
      const replay = await regenerate(id, { 'Idempotency-Key': 'regen-race' });
      expect(replay.body).to.deep.equal(done.body);
    });

    it('when a regenerate comes while a message runs as a job, then 409 busy names the job', async () => {
      const id = await answered('r1');
      const model = slowModel(fake);
      const accepted = await send(id, 'queued words', { Prefer: 'respond-async' });
      expect(accepted.status).to.equal(202);
      await model.reached;
      const refused = await regenerate(id);
      expect(refused.status).to.equal(409);
      expect(refused.body).to.include({ error: 'conversation_busy', job_id: accepted.body.job_id });
      model.answer();
    });

    it('when a pause lands while the model thinks, then the regenerate is 409 not active and the replaced answer is still there, whole', async () => {
      const id = await answered('r2');
      const before = await turnsOf(id);
      const model = slowModel(fake, newAnswer('r2'));
      const running = regenerate(id);
      await model.reached;
      expect((await act(id, 'pause')).status).to.equal(204);
      model.answer();
      const refused = await running;
      expect(refused.status, refused.text).to.equal(409);
      expect(refused.body.error).to.equal('conversation_not_active');
      expect(refused.body.message).to.match(/cannot regenerate an answer$/);
      expect(await turnsOf(id)).to.deep.equal(before);
      expect(await everything()).to.not.contain('the new answer r2');
      expect((await act(id, 'resume')).status).to.equal(204);
      fake.script(newAnswer('r2'));
      expect((await regenerate(id)).status).to.equal(200);
    });

    it('when a complete decided before a regenerate committed is written after it, then completed_at still follows every message', async () => {
      const id = await answered('r5');
      const model = slowModel(fake, newAnswer('r5'));
      const conversation = await completeWrittenAfter(id, model, regenerate(id));
      expect(conversation.messages.at(-1)?.content).to.equal('the new answer r5');
    });

    it('when a DELETE lands while the model thinks, then the regenerate is 404 and no item holds any of the conversation’s words', async () => {
      const id = await answered('r3');
      const model = slowModel(fake, newAnswer('r3'));
      const running = regenerate(id, { 'Idempotency-Key': 'regen-erased' });
      await model.reached;
      expect(
        (await api.request('DELETE', `/api/v1/conversations/${id}`, { token })).status,
      ).to.equal(204);
      model.answer();
      const answered404 = await running;
      expect(answered404.status, answered404.text).to.equal(404);
      const stored = await everything();
      for (const words of ['my words r3', 'the first answer r3', 'the new answer r3']) {
        expect(stored).to.not.contain(words);
      }
      expect(JSON.stringify(await turnsOf(id))).to.not.contain('undo');
    });

    it('when the regenerate commits only after the erasure, then its commit is refused and leaves nothing', async () => {
      const id = await answered('r4');
      const write = api.hooks.hold(isCommit);
      fake.script(newAnswer('r4'));
      const running = regenerate(id);
      await write.reached;
      expect(
        (await api.request('DELETE', `/api/v1/conversations/${id}`, { token })).status,
      ).to.equal(204);
      write.release();
      expect((await running).status).to.equal(404);
      const stored = await everything();
      expect(stored).to.not.contain('the new answer r4');
      expect(stored).to.not.contain('my words r4');
    });
  });
});

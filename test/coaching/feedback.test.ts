// Feedback on the coach's answers over HTTP: given, replaced and taken back by the owner in any
// status, shown in the history, refused as the contract says (a user's message, an id the
// conversation lacks, another user's or tenant's conversation, a bad body) with nothing stored,
// and erased with the conversation, also when it is written while the DELETE runs.
import { expect } from 'chai';
import { createEmfMetrics } from '../../app/src/observability/metrics-emf.js';
import { on } from '../support/dynamo-hooks.js';
import { recordsOf } from '../support/emf-records.js';
import { useApi } from '../support/fixtures.js';
import { initiate } from '../support/harness.js';
import { putOriginalConversation } from '../support/original-conversation.js';

interface HistoryMessage {
  message_id: string;
  role: string;
  feedback: { rating: string; tags: string[]; comment: string | null; updated_at: string } | null;
}

const OTHER_MINTED = 'msg_t1s1_0123456789abcdef0123456789abcdef';

describe('feedback on answers', () => {
  const lines: string[] = [];
  const metrics = createEmfMetrics({ stage: 'test', write: (line) => lines.push(line) });
  const { api } = useApi({ overrides: { metrics } });
  let token: string;

  before(async () => {
    token = await api.token('fay', 'acme');
  });

  const path = (id: string) => `/api/v1/conversations/${id}`;
  const feedbackPath = (id: string, messageId: string) =>
    `${path(id)}/messages/${messageId}/feedback`;
  const put = (id: string, messageId: string, body: unknown, as = token) =>
    api.request('PUT', feedbackPath(id, messageId), { token: as, body });
  const remove = (id: string, messageId: string, as = token) =>
    api.request('DELETE', feedbackPath(id, messageId), { token: as });
  const history = async (id: string) => {
    const read = await api.request<{ messages: HistoryMessage[] }>('GET', path(id), { token });
    expect(read.status).to.equal(200);
    return read.body.messages;
  };
  /** A conversation with one answered turn: [opening, user message, answer]. */
  async function answered() {
    const id = await initiate(api, token);
    const sent = await api.request<{ message_id: string }>('POST', `${path(id)}/message`, {
      token,
      body: { user_message: 'Honesty matters most to me.' },
    });
    expect(sent.status).to.equal(200);
    return { id, messages: await history(id) };
  }
  /** Every item of the messages table that holds feedback. */
  const feedbackItems = async () => (await api.items('messages')).filter((i) => 'feedback' in i);

  it('when the owner rates an answer, then the history shows it; a second PUT replaces it; DELETE takes it back', async () => {
    const { id, messages } = await answered();
    const answer = messages[2]!.message_id;
    const given = await put(id, answer, {
      rating: 'down',
      tags: ['too_long', 'vague'],
      comment: 'One question, please',
    });
    expect(given.status).to.equal(204);
    const rated = await history(id);
    expect(rated[2]?.feedback).to.deep.include({
      rating: 'down',
      tags: ['too_long', 'vague'],
      comment: 'One question, please',
    });
    expect(Date.parse(rated[2]!.feedback!.updated_at)).to.be.closeTo(Date.now(), 60_000);
    expect(rated.filter((m) => m.feedback !== null)).to.have.length(1);

    expect((await put(id, answer, { rating: 'up' })).status).to.equal(204);
    expect((await history(id))[2]?.feedback).to.deep.include({
      rating: 'up',
      tags: [],
      comment: null,
    });

    expect((await remove(id, answer)).status).to.equal(204);
    expect((await history(id))[2]?.feedback).to.equal(null);
    expect((await remove(id, answer)).status, 'nothing to remove').to.equal(204);
  });

  it('when the opening message is rated, then the history shows it on that message', async () => {
    const id = await initiate(api, token);
    const [opening] = await history(id);
    expect((await put(id, opening!.message_id, { rating: 'up', tags: ['warm'] })).status).to.equal(
      204,
    );
    expect((await history(id))[0]?.feedback).to.deep.include({ rating: 'up', tags: ['warm'] });
  });

  it('when feedback is recorded, then FeedbackRecorded is written with exactly [Stage] and the rating as a property', async () => {
    const { id, messages } = await answered();
    await metrics.flush();
    lines.length = 0;
    await put(id, messages[2]!.message_id, { rating: 'down' });
    await metrics.flush();
    const recorded = recordsOf(lines, 'FeedbackRecorded');
    expect(recorded).to.have.length(1);
    expect(recorded[0]?._aws.CloudWatchMetrics[0]?.Dimensions).to.deep.equal([['Stage']]);
    expect(recorded[0]).to.include({ FeedbackRecorded: 1, rating: 'down', Stage: 'test' });
  });

  it('when the conversation is paused or completed, then its answers can still be rated', async () => {
    const { id, messages } = await answered();
    expect((await api.request('POST', `${path(id)}/pause`, { token, body: {} })).status).to.equal(
      204,
    );
    expect((await put(id, messages[2]!.message_id, { rating: 'up' })).status).to.equal(204);
    expect(
      (await api.request('POST', `${path(id)}/complete`, { token, body: {} })).status,
    ).to.equal(204);
    expect((await put(id, messages[2]!.message_id, { rating: 'down' })).status).to.equal(204);
    expect((await history(id))[2]?.feedback?.rating).to.equal('down');
  });

  it('when the message is the user’s, then it is 422 validation_error and nothing is stored', async () => {
    const { id, messages } = await answered();
    const refused = await put(id, messages[1]!.message_id, { rating: 'up' });
    expect(refused.status).to.equal(422);
    expect(refused.body).to.include({ error: 'validation_error' });
    expect((await remove(id, messages[1]!.message_id)).status).to.equal(422);
    expect((await history(id)).every((m) => m.feedback === null)).to.equal(true);
    expect((await feedbackItems()).filter((i) => i.conversation_id === id)).to.deep.equal([]);
  });

  for (const [what, messageId] of [
    ['an id of the right form that never existed', OTHER_MINTED],
    ['a place past the committed turns', 'msg_t7s1'],
    ['a place by a derived id where a minted one is kept', 'msg_t1s1'],
    ['an id this service never writes', 'msg_hello'],
    ['an inline place in a conversation that has none', 'msg_i0'],
  ] as const) {
    it(`when the id is ${what}, then it is 404 message_not_found and nothing is stored`, async () => {
      const { id } = await answered();
      const refused = await put(id, messageId, { rating: 'up' });
      expect(refused.status).to.equal(404);
      expect(refused.body).to.include({ error: 'message_not_found' });
      expect((await remove(id, messageId)).status).to.equal(404);
      expect((await feedbackItems()).filter((i) => i.conversation_id === id)).to.deep.equal([]);
    });
  }

  it('when another user of the tenant or another tenant rates an answer, then it is 403 or 404 conversation_not_found and nothing is stored', async () => {
    const { id, messages } = await answered();
    const answer = messages[2]!.message_id;
    const bob = await api.token('bob', 'acme');
    const mallory = await api.token('fay', 'evil-corp');
    const denied = await put(id, answer, { rating: 'down' }, bob);
    expect(denied.status).to.equal(403);
    expect(denied.body).to.include({ error: 'permission_denied' });
    expect((await remove(id, answer, bob)).status).to.equal(403);
    const hidden = await put(id, answer, { rating: 'down' }, mallory);
    expect(hidden.status).to.equal(404);
    expect(hidden.body).to.include({ error: 'conversation_not_found' });
    expect((await remove(id, answer, mallory)).status).to.equal(404);
    expect((await history(id))[2]?.feedback).to.equal(null);
  });

  for (const [what, body] of [
    ['a rating outside up and down', { rating: 'meh' }],
    ['no rating', { tags: ['x'] }],
    ['eleven tags', { rating: 'up', tags: Array.from({ length: 11 }, (_, i) => `t${i}`) }],
    ['a tag of 41 characters', { rating: 'up', tags: ['x'.repeat(41)] }],
    ['an empty tag', { rating: 'up', tags: [''] }],
    ['a tag that is not a string', { rating: 'up', tags: [7] }],
    ['a comment of 1001 characters', { rating: 'up', comment: 'x'.repeat(1001) }],
    ['an unknown field', { rating: 'up', comments: 'misspelt' }],
  ] as const) {
    it(`when the body has ${what}, then it is 422 and the feedback already given is unchanged`, async () => {
      const { id, messages } = await answered();
      const answer = messages[2]!.message_id;
      await put(id, answer, { rating: 'up', tags: ['kept'] });
      const refused = await put(id, answer, body);
      expect(refused.status).to.equal(422);
      expect(refused.body).to.include({ error: 'validation_error' });
      expect((await history(id))[2]?.feedback).to.deep.include({ rating: 'up', tags: ['kept'] });
    });
  }

  it('when the conversation was deleted, then feedback is 404 conversation_not_found', async () => {
    const { id, messages } = await answered();
    expect((await api.request('DELETE', path(id), { token })).status).to.equal(204);
    const refused = await put(id, messages[2]!.message_id, { rating: 'up' });
    expect(refused.status).to.equal(404);
    expect(refused.body).to.include({ error: 'conversation_not_found' });
  });

  describe('a conversation stored by the original service', () => {
    const legacyId = 'conv_feedback_legacy';
    before(() =>
      putOriginalConversation(api, {
        conversationId: legacyId,
        userId: 'fay',
        tenantId: 'acme',
        status: 'completed',
      }),
    );

    it('when an inline answer is rated, then the history shows it; a user message is 422; an index past the list is 404', async () => {
      expect((await put(legacyId, 'msg_i2', { rating: 'up', comment: 'Kind' })).status).to.equal(
        204,
      );
      const read = await history(legacyId);
      expect(read.map((m) => m.feedback?.rating ?? null)).to.deep.equal([null, null, 'up']);
      expect((await put(legacyId, 'msg_i1', { rating: 'up' })).status).to.equal(422);
      expect((await put(legacyId, 'msg_i3', { rating: 'up' })).status).to.equal(404);
      expect((await remove(legacyId, 'msg_i2')).status).to.equal(204);
      expect((await history(legacyId))[2]?.feedback).to.equal(null);
    });

    it('when it is deleted, then no feedback on its inline answers is left', async () => {
      expect((await put(legacyId, 'msg_i0', { rating: 'down' })).status).to.equal(204);
      expect((await put(legacyId, 'msg_i2', { rating: 'up' })).status).to.equal(204);
      expect((await api.request('DELETE', path(legacyId), { token })).status).to.equal(204);
      expect((await feedbackItems()).filter((i) => i.conversation_id === legacyId)).to.deep.equal(
        [],
      );
    });
  });

  describe('erasure', () => {
    it('when a conversation with rated answers is deleted, then no feedback of it is left', async () => {
      const { id, messages } = await answered();
      await put(id, messages[0]!.message_id, { rating: 'up' });
      await put(id, messages[2]!.message_id, { rating: 'down', comment: 'private words' });
      expect((await api.request('DELETE', path(id), { token })).status).to.equal(204);
      const left = (await api.items('messages')).filter((i) => i.conversation_id === id);
      expect(left.length).to.be.greaterThan(0);
      expect(left.filter((i) => 'feedback' in i || 'feedback_tenant' in i)).to.deep.equal([]);
      expect(JSON.stringify(left)).not.to.include('private words');
    });

    /**
     * The feedback's write (matched by `write`) waits, its conversation read done, until the
     * erasure has written its tombstones and is about to delete the conversation item.
     */
    async function writeAfterTombstones(
      id: string,
      write: Parameters<typeof api.hooks.hold>[0],
      send: () => Promise<{ status: number; body: unknown }>,
    ) {
      const held = api.hooks.hold(write);
      const feedback = send();
      await held.reached;
      const last = api.hooks.hold(on('DeleteItemCommand', api.config.tables.conversations));
      const erasing = api.request('DELETE', path(id), { token });
      await last.reached;
      held.release();
      const given = await feedback;
      last.release();
      expect((await erasing).status).to.equal(204);
      return given;
    }

    it('when feedback is written while the DELETE runs, then it is 404 conversation_not_found and none of it survives', async () => {
      const { id, messages } = await answered();
      const given = await writeAfterTombstones(
        id,
        on('UpdateItemCommand', api.config.tables.messages),
        () => put(id, messages[2]!.message_id, { rating: 'down', comment: 'racing' }),
      );
      expect(given.status).to.equal(404);
      expect(given.body).to.include({ error: 'conversation_not_found' });
      const left = (await api.items('messages')).filter((i) => i.conversation_id === id);
      expect(left.filter((i) => 'feedback' in i)).to.deep.equal([]);
    });

    it('when feedback on an inline answer is written while the DELETE runs, then it is 404 and none of it survives', async () => {
      const legacyId = 'conv_feedback_race';
      await putOriginalConversation(api, {
        conversationId: legacyId,
        userId: 'fay',
        tenantId: 'acme',
        messages: [['assistant', 'Welcome']],
      });
      const given = await writeAfterTombstones(
        legacyId,
        (name) => name === 'TransactWriteItemsCommand',
        () => put(legacyId, 'msg_i0', { rating: 'up' }),
      );
      expect(given.status).to.equal(404);
      const left = (await api.items('messages')).filter((i) => i.conversation_id === legacyId);
      expect(left.filter((i) => 'feedback' in i)).to.deep.equal([]);
    });
  });
});

// Stable message ids over HTTP: minted when a message is stored and shown the same wherever the
// message appears (the history, the message route's body, the stream's `turn`, a job's result,
// an Idempotency-Key replay); derived from their place for messages stored without one (the
// original service's inline messages, turns stored before ids were minted), stable across reads
// and distinct from minted ones.
import { setTimeout as sleep } from 'node:timers/promises';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { expect } from 'chai';
import { openEventStream } from '../support/event-stream.js';
import { useApi } from '../support/fixtures.js';
import { initiate } from '../support/harness.js';
import { putOriginalConversation } from '../support/original-conversation.js';

interface HistoryMessage {
  message_id: string;
  role: string;
  content: string;
  feedback: unknown;
}

const MINTED = /^msg_t\d+s[01]_[0-9a-f]{32}$/;

describe('message ids', () => {
  const { api } = useApi();
  let token: string;

  before(async () => {
    token = await api.token('mia', 'acme');
  });

  const path = (id: string) => `/api/v1/conversations/${id}`;
  const send = (id: string, text: string, headers: Record<string, string> = {}) =>
    api.request<{ message_id: string; ai_response: string }>('POST', `${path(id)}/message`, {
      token,
      body: { user_message: text },
      headers,
    });
  const history = async (id: string) => {
    const read = await api.request<{ messages: HistoryMessage[] }>('GET', path(id), { token });
    expect(read.status).to.equal(200);
    return read.body.messages;
  };

  it('when messages are stored, then each has its own minted id, the answer route names the answer’s, and reads agree', async () => {
    const id = await initiate(api, token);
    const first = await send(id, 'Honesty matters most to me.');
    const second = await send(id, 'And craft, too.');
    expect(first.status).to.equal(200);
    const messages = await history(id);
    expect(messages.map((m) => m.role)).to.deep.equal([
      'assistant',
      'user',
      'assistant',
      'user',
      'assistant',
    ]);
    for (const m of messages) expect(m.message_id).to.match(MINTED);
    expect(new Set(messages.map((m) => m.message_id)).size).to.equal(5);
    expect(messages[2]?.message_id).to.equal(first.body.message_id);
    expect(messages[4]?.message_id).to.equal(second.body.message_id);
    expect(messages.every((m) => m.feedback === null)).to.equal(true);
    expect(await history(id)).to.deep.equal(messages);
  });

  it('when a keyed message is retried, then the replay names the same answer id as the first', async () => {
    const id = await initiate(api, token);
    const headers = { 'Idempotency-Key': 'ids-once' };
    const first = await send(id, 'Family comes first.', headers);
    const replay = await send(id, 'Family comes first.', headers);
    expect(replay.status).to.equal(200);
    expect(replay.body).to.deep.equal(first.body);
    expect((await history(id)).at(-1)?.message_id).to.equal(first.body.message_id);
  });

  it('when a keyed turn stored before ids were minted is retried, then the replay names the answer by its place, as the history does', async () => {
    const id = await initiate(api, token);
    const headers = { 'Idempotency-Key': 'ids-before' };
    expect((await send(id, 'Kindness.', headers)).status).to.equal(200);
    // The turn item as the version before ids wrote it: no ids, and an answer to replay without one.
    const key = { conversation_id: id, turn: 1 };
    const [item] = (await api.items('messages')).filter(
      (i) => i.conversation_id === id && i.turn === 1,
    );
    const { messageId: _minted, ...stored } = JSON.parse(String(item?.response)) as Record<
      string,
      unknown
    >;
    await api.dynamo.doc.send(
      new UpdateCommand({
        TableName: api.config.tables.messages,
        Key: key,
        UpdateExpression:
          'SET #response = :response REMOVE messages[0].message_id, messages[1].message_id',
        ExpressionAttributeNames: { '#response': 'response' },
        ExpressionAttributeValues: { ':response': JSON.stringify(stored) },
      }),
    );
    const replay = await send(id, 'Kindness.', headers);
    expect(replay.status).to.equal(200);
    expect(replay.body.message_id).to.equal('msg_t1s1');
    expect((await history(id)).at(-1)?.message_id).to.equal('msg_t1s1');
  });

  it('when a turn is streamed, then its `turn` event names the answer id the history shows', async () => {
    const id = await initiate(api, token);
    const opened = await openEventStream(api, `${path(id)}/message`, {
      token,
      body: { user_message: 'Courage matters to me.' },
    });
    const { events } = await opened.rest();
    const turn = events.at(-1);
    expect(turn?.event).to.equal('turn');
    const messageId = (turn?.data as { message_id: string }).message_id;
    expect(messageId).to.match(MINTED);
    expect((await history(id)).at(-1)?.message_id).to.equal(messageId);
  });

  it('when a turn runs as a job, then its result names the answer id the history shows', async () => {
    const id = await initiate(api, token);
    const accepted = await api.request<{ job_id: string }>('POST', `${path(id)}/message`, {
      token,
      body: { user_message: 'Patience matters to me.' },
      headers: { Prefer: 'respond-async' },
    });
    expect(accepted.status).to.equal(202);
    let job: { status: string; result: { message_id: string } | null } | undefined;
    for (let i = 0; i < 100; i++) {
      job = (
        await api.request<NonNullable<typeof job>>('GET', `/api/v1/jobs/${accepted.body.job_id}`, {
          token,
        })
      ).body;
      if (job.status === 'succeeded') break;
      await sleep(50);
    }
    expect(job?.status).to.equal('succeeded');
    expect(job?.result?.message_id).to.match(MINTED);
    expect((await history(id)).at(-1)?.message_id).to.equal(job?.result?.message_id);
  });

  it('when a conversation was stored by the original service, then its inline messages are named by their place, stably, and later turns get minted ids', async () => {
    const legacyId = 'conv_ids_legacy';
    await putOriginalConversation(api, {
      conversationId: legacyId,
      userId: 'mia',
      tenantId: 'acme',
    });
    const before = await history(legacyId);
    expect(before.map((m) => m.message_id)).to.deep.equal(['msg_i0', 'msg_i1', 'msg_i2']);
    const answer = await send(legacyId, 'And family too');
    expect(answer.body.message_id).to.match(MINTED);
    const after = await history(legacyId);
    expect(after.slice(0, 3)).to.deep.equal(before);
    expect(after.map((m) => m.message_id).slice(3)).to.deep.equal([
      after[3]?.message_id,
      answer.body.message_id,
    ]);
    expect(after[3]?.message_id).to.match(MINTED);
    // The next turn's prompt is built from the item's recent window, which names them the same.
    expect((await send(legacyId, 'And courage')).status).to.equal(200);
    expect((await history(legacyId)).slice(0, 5)).to.deep.equal(after);
  });

  it('when turns were stored before ids were minted, then their messages are named by their place, stably, and distinct from minted ids', async () => {
    const id = await initiate(api, token);
    await send(id, 'Honesty matters most to me.');
    // As a turn item and a window written by the version before ids.
    for (const turn of [0, 1]) {
      await api.dynamo.doc.send(
        new UpdateCommand({
          TableName: api.config.tables.messages,
          Key: { conversation_id: id, turn },
          UpdateExpression:
            turn === 0
              ? 'REMOVE messages[0].message_id'
              : 'REMOVE messages[0].message_id, messages[1].message_id',
        }),
      );
    }
    await api.dynamo.doc.send(
      new UpdateCommand({
        TableName: api.config.tables.conversations,
        Key: { conversation_id: id },
        UpdateExpression:
          'REMOVE recent_messages[0].message_id, recent_messages[1].message_id, recent_messages[2].message_id',
      }),
    );
    const read = await history(id);
    expect(read.map((m) => m.message_id)).to.deep.equal(['msg_t0s0', 'msg_t1s0', 'msg_t1s1']);
    const next = await send(id, 'And craft.');
    expect(next.body.message_id).to.match(MINTED);
    const after = await history(id);
    expect(after.slice(0, 3)).to.deep.equal(read);
    expect(after.at(-1)?.message_id).to.equal(next.body.message_id);
  });
});

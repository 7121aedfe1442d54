// The stored items stay within DynamoDB's 400 KB whatever the client sends within the body
// limit: the worst a client and a model can do (every body at the largest MAX_BODY_BYTES, in
// three-byte characters; every answer at its schema's limits, with the largest feedback and the
// largest undo, and the last answer regenerated) for more turns than the recent window holds, with the guard in front of dynalite counting bytes as DynamoDB does.
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { expect } from 'chai';
import { RECENT_WINDOW } from '../../app/src/coaching/conversation-entity.js';
import { REGENERATE_KEYS_KEPT } from '../../app/src/storage/conversation-turns.js';
import { coachingTurn } from '../support/fake-answers.js';
import { itemBytes } from '../support/dynamo-limits.js';
import { useApiWithFakeBedrock } from '../support/fixtures.js';

const MAX_BODY = 128 * 1024;
const MAX_TURNS = 1000;
const wide = (n: number, mark = '') => `${mark}${'€'.repeat(n - mark.length)}`;

/** A JSON body of MAX_BODY bytes at most: `fields`, and under `key` a string filling the rest. */
function fullBody(fields: Record<string, unknown>, key: string) {
  const wrap = (text: string) => ({ note: text });
  const bare = Buffer.byteLength(JSON.stringify({ ...fields, [key]: wrap('') }));
  const filled = wrap('€'.repeat(Math.floor((MAX_BODY - bare) / 3)));
  return { text: JSON.stringify({ ...fields, [key]: filled }), filled };
}

/** The model's largest answer: every field at its schema's length and count. */
const largestTurn = (turn: number) =>
  coachingTurn({
    ai_response: wide(8000),
    follow_up_question: wide(1000),
    insights: Array.from({ length: 10 }, (_, i) => wide(500, `${turn}.${i} `)),
    identified_values: Array.from({ length: 10 }, (_, i) => wide(100, `${turn}.${i} `)),
    next_steps: Array.from({ length: 10 }, (_, i) => wide(500, `${i} `)),
  });

describe('the byte budget of stored items', function () {
  this.timeout(120_000);
  const { api, fake } = useApiWithFakeBedrock({
    env: { MAX_BODY_BYTES: String(MAX_BODY), MAX_TURNS: String(MAX_TURNS) },
    otherwise: null,
  });

  const largestItem = async (table: 'conversations' | 'messages') => {
    const scan = await api.dynamo.client.send(
      new ScanCommand({ TableName: api.config.tables[table] }),
    );
    return Math.max(...(scan.Items ?? []).map(itemBytes));
  };

  it('when every body is as large as allowed and every answer as long as its schema lets it be, then every turn succeeds and reads back whole', async () => {
    const token = await api.token('wide', 'acme');
    const headers = { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' };
    const started = await api.request('POST', '/api/v1/conversations/initiate', {
      rawBody: fullBody({ topic: 'purpose' }, 'context').text,
      headers,
    });
    expect(started.status, started.text).to.equal(201);
    const id = String(started.body.conversation_id);
    const turns = RECENT_WINDOW / 2 + 3;
    // What the earlier keyed turns of the last 24 hours leave: one record per turn, as the
    // service writes them (the key's digest, then turn, expiry and the body's digest), and the
    // most records of keyed regenerates a conversation keeps (the last one is made below).
    const records = Object.fromEntries(
      Array.from({ length: MAX_TURNS - turns + REGENERATE_KEYS_KEPT - 1 }, (_, i) => [
        `seeded-key-digest-${String(i).padStart(4, '0')}`,
        { t: i + 1, e: Date.now() + 86_400_000, h: 'seeded-body-digest-xxxx' },
      ]),
    );
    await api.dynamo.doc.send(
      new UpdateCommand({
        TableName: api.config.tables.conversations,
        Key: { conversation_id: id },
        UpdateExpression: 'SET idempotency = :records',
        ExpressionAttributeValues: { ':records': records },
      }),
    );

    const sent: Record<string, unknown>[] = [];
    for (let turn = 0; turn < turns; turn++) {
      fake.script({ tool: largestTurn(turn) });
      const body = fullBody({ user_message: wide(4000, `${turn} `) }, 'metadata');
      const answer = await api.request('POST', `/api/v1/conversations/${id}/message`, {
        rawBody: body.text,
        headers: { ...headers, 'Idempotency-Key': `k${turn}`.padEnd(128, '-') },
      });
      expect(answer.status, `turn ${turn}: ${answer.text.slice(0, 200)}`).to.equal(200);
      sent.push(body.filled);
    }
    // The last answer regenerated, at the largest too: its turn item keeps the turn's undo, with
    // the most a turn can push out of the capped lists (ten insights, ten values).
    fake.script({ tool: largestTurn(turns) });
    const regenerated = await api.request('POST', `/api/v1/conversations/${id}/regenerate`, {
      token,
      headers: { 'Idempotency-Key': 'r'.padEnd(128, '-') },
    });
    expect(regenerated.status, regenerated.text.slice(0, 200)).to.equal(200);

    // The largest feedback on every answer, the opening message's included.
    const history = await api.request<{ messages: { message_id: string; role: string }[] }>(
      'GET',
      `/api/v1/conversations/${id}`,
      { token },
    );
    const feedback = {
      rating: 'down',
      tags: Array.from({ length: 10 }, (_, i) => wide(40, `${i} `)),
      comment: wide(1000),
    };
    for (const { message_id, role } of history.body.messages) {
      if (role !== 'assistant') continue;
      const given = await api.request(
        'PUT',
        `/api/v1/conversations/${id}/messages/${message_id}/feedback`,
        { token, body: feedback },
      );
      expect(given.status, given.text).to.equal(204);
    }

    const read = await api.request<{
      messages: { metadata: Record<string, unknown>; feedback: unknown }[];
    }>('GET', `/api/v1/conversations/${id}`, { token });
    const users = read.body.messages.filter((_, i) => i % 2 === 1);
    expect(users.map((m) => m.metadata)).to.deep.equal(sent);
    const answers = read.body.messages.filter((_, i) => i % 2 === 0);
    for (const answer of answers) expect(answer.feedback).to.deep.include(feedback);
    // The guard already refused anything over 400 KB; these are the margins docs/storage.md gives.
    expect(await largestItem('conversations')).to.be.below(360 * 1024);
    expect(await largestItem('messages')).to.be.below(320 * 1024);
  });
});

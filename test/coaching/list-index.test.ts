// The list's indexes hold a summary of each conversation and nothing that grows with it: no
// message, no recent window, no insight is copied into them, so listing long conversations
// reads exactly what listing short ones does.
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { expect } from 'chai';
import { tables } from '../../app/src/storage/tables.js';
import { meterReads } from '../support/dynamo-capacity.js';
import { initiate, startApi, type TestApi } from '../support/harness.js';

describe("the list's indexes", () => {
  let api: TestApi;
  const meter = { current: undefined as ReturnType<typeof meterReads> | undefined };

  before(async () => {
    api = await startApi();
    meter.current = meterReads(api.dynamo.client);
  });
  after(() => api.close());

  /** A user with `count` conversations of `turns` long answers each. */
  async function userWith(user: string, count: number, turns: number) {
    const token = await api.token(user, 'acme');
    for (let c = 0; c < count; c++) {
      const id = await initiate(api, token);
      for (let t = 0; t < turns; t++) {
        const answer = await api.request('POST', `/api/v1/conversations/${id}/message`, {
          token,
          body: { user_message: `${t} ${'a long and private answer '.repeat(150)}` },
        });
        expect(answer.status).to.equal(200);
      }
    }
    return token;
  }

  it('when conversations have turns, then neither index holds more than its keys and the summary', async () => {
    await userWith('indexed', 1, 2);
    for (const index of tables.conversations.indexes) {
      const page = await api.dynamo.doc.send(
        new QueryCommand({
          TableName: api.config.tables.conversations,
          IndexName: index.name,
          KeyConditionExpression: '#h = :h',
          ExpressionAttributeNames: { '#h': index.hashKey.name },
          ExpressionAttributeValues: {
            ':h': index.hashKey.name === 'user_id' ? 'indexed' : 'acme',
          },
        }),
      );
      const allowed = new Set([
        'conversation_id',
        index.hashKey.name,
        index.rangeKey?.name,
        ...(index.projection.type === 'INCLUDE' ? index.projection.attributes : []),
      ]);
      expect(page.Items, index.name).to.have.length.above(0);
      for (const item of page.Items ?? []) {
        expect(
          Object.keys(item).filter((a) => !allowed.has(a)),
          index.name,
        ).to.deep.equal([]);
        expect(JSON.stringify(item), index.name).to.not.contain('private answer');
      }
    }
  });

  it('when the conversations are long, then a list costs the same reads as when they are short', async function () {
    this.timeout(60_000);
    const short = await userWith('short-talker', 3, 0);
    const long = await userWith('long-talker', 3, 6);
    const costOf = async (token: string) => {
      meter.current!.reset();
      const list = await api.request<{ total: number }>('GET', '/api/v1/conversations', { token });
      expect(list.body.total).to.equal(3);
      return { ...meter.current!.reads };
    };
    const [shortCost, longCost] = [await costOf(short), await costOf(long)];
    expect(longCost.calls).to.equal(2);
    expect(longCost).to.deep.equal(shortCost);
  });
});

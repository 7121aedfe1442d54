// TransactGetItems on the embedded store, through the real SDK (the document client's
// TransactGetCommand): the items in request order across tables, projections, and DynamoDB's
// refusals. Its snapshot under concurrent writes is in embedded-isolation.test.ts.
import { PutCommand, TransactGetCommand } from '@aws-sdk/lib-dynamodb';
import type { TransactGetCommandInput } from '@aws-sdk/lib-dynamodb';
import { expect } from 'chai';
import { startStoreUnderTest, type StoreUnderTest } from '../support/embedded-store.js';

type Gets = NonNullable<TransactGetCommandInput['TransactItems']>;

describe('TransactGetItems on the embedded store', () => {
  let store: StoreUnderTest;
  let conversations: string;
  let sessions: string;

  before(async () => {
    store = await startStoreUnderTest('tgi');
    ({ conversations, coachingSessions: sessions } = store.tables);
    await store.dynamo.doc.send(
      new PutCommand({
        TableName: conversations,
        Item: { conversation_id: 'c1', status: 'active', turn_count: 3, topic: 'values' },
      }),
    );
    await store.dynamo.doc.send(
      new PutCommand({ TableName: sessions, Item: { session_id: 's1', input_tokens: 40 } }),
    );
  });
  after(() => store.close());

  const get = (gets: Gets, extra: Partial<TransactGetCommandInput> = {}) =>
    store.dynamo.doc.send(new TransactGetCommand({ TransactItems: gets, ...extra }));
  const refusal = (gets: Gets) =>
    get(gets).then(
      () => expect.fail('the read was accepted'),
      (error: unknown) => error as Error & { CancellationReasons?: unknown[] },
    );

  it('when items of two tables are read, then each comes back in request order, a missing one as an empty response, a projection as asked', async () => {
    const answer = await get(
      [
        { Get: { TableName: sessions, Key: { session_id: 's1' } } },
        { Get: { TableName: conversations, Key: { conversation_id: 'c-missing' } } },
        {
          Get: {
            TableName: conversations,
            Key: { conversation_id: 'c1' },
            ProjectionExpression: '#s, turn_count',
            ExpressionAttributeNames: { '#s': 'status' },
          },
        },
      ],
      { ReturnConsumedCapacity: 'TOTAL' },
    );
    expect(answer.Responses).to.deep.equal([
      { Item: { session_id: 's1', input_tokens: 40 } },
      {},
      { Item: { status: 'active', turn_count: 3 } },
    ]);
    // Two strongly consistent reads per item: 2 units for each item of up to 4 KB, found or not.
    expect(answer.ConsumedCapacity).to.deep.equal([
      { TableName: sessions, CapacityUnits: 2, ReadCapacityUnits: 2 },
      { TableName: conversations, CapacityUnits: 4, ReadCapacityUnits: 4 },
    ]);
  });

  it('when two gets name one item, then the read is a ValidationException', async () => {
    const error = await refusal([
      { Get: { TableName: conversations, Key: { conversation_id: 'c1' } } },
      { Get: { TableName: conversations, Key: { conversation_id: 'c1' } } },
    ]);
    expect(error.name).to.equal('ValidationException');
    expect(error.message).to.equal(
      'Transaction request cannot include multiple operations on one item',
    );
  });

  it('when a key does not fit its table, then the read is cancelled with a ValidationError for that get', async () => {
    const error = await refusal([
      { Get: { TableName: sessions, Key: { session_id: 's1' } } },
      { Get: { TableName: conversations, Key: {} } },
    ]);
    expect(error.name).to.equal('TransactionCanceledException');
    expect(error.CancellationReasons).to.deep.equal([
      { Code: 'None' },
      { Code: 'ValidationError', Message: 'The provided key element does not match the schema' },
    ]);
  });

  it('when a table does not exist, then the read is a ResourceNotFoundException', async () => {
    const error = await refusal([{ Get: { TableName: 'no-such-table', Key: { id: 'x' } } }]);
    expect(error.name).to.equal('ResourceNotFoundException');
    expect(error.message).to.equal('Requested resource not found');
  });

  it('when 101 gets are asked, then the read is a ValidationException', async () => {
    const error = await refusal(
      Array.from({ length: 101 }, (_, i) => ({
        Get: { TableName: conversations, Key: { conversation_id: `c${i}` } },
      })),
    );
    expect(error.name).to.equal('ValidationException');
    expect(error.message).to.match(
      /^1 validation error detected: Value '\[.+\]' at 'transactItems' failed to satisfy constraint: Member must have length less than or equal to 100$/s,
    );
  });
});

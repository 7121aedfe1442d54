// ReturnValuesOnConditionCheckFailure on PutItem, UpdateItem and DeleteItem, through the real SDK:
// with ALL_OLD, a write refused by its condition answers ConditionalCheckFailedException with the
// item it was refused on (`error.Item`), so a retry can tell its own earlier write from a
// competitor's. The document client does not unmarshall an error, so `Item` is in DynamoDB's
// attribute form there too.
import { DeleteItemCommand, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { expect } from 'chai';
import { startStoreUnderTest, type StoreUnderTest } from '../support/embedded-store.js';

interface ConditionRefusal extends Error {
  Item?: Record<string, unknown>;
}

describe('ReturnValuesOnConditionCheckFailure on the embedded store', () => {
  let store: StoreUnderTest;
  let conversations: string;
  const lease = { conversation_id: 'c1', lease_id: 'lease-b', lease_seq: 4 };

  before(async () => {
    store = await startStoreUnderTest('rvf');
    conversations = store.tables.conversations;
  });
  beforeEach(() =>
    store.dynamo.doc.send(new PutCommand({ TableName: conversations, Item: lease })),
  );
  after(() => store.close());

  const refused = (send: Promise<unknown>) =>
    send.then(
      () => expect.fail('the write was accepted'),
      (error: unknown) => error as ConditionRefusal,
    );
  const heldBy = (owner: string) => ({
    ConditionExpression: 'lease_id = :mine',
    ExpressionAttributeValues: { ':mine': owner },
  });

  it('when a put, an update and a delete each fail their condition with ALL_OLD, then each refusal carries the item as it stood, and the item is unchanged', async () => {
    const errors = [
      await refused(
        store.dynamo.doc.send(
          new PutCommand({
            TableName: conversations,
            Item: { conversation_id: 'c1', lease_id: 'lease-a' },
            ...heldBy('lease-a'),
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        ),
      ),
      await refused(
        store.dynamo.doc.send(
          new UpdateCommand({
            TableName: conversations,
            Key: { conversation_id: 'c1' },
            UpdateExpression: 'REMOVE lease_id',
            ...heldBy('lease-a'),
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        ),
      ),
      await refused(
        store.dynamo.doc.send(
          new DeleteCommand({
            TableName: conversations,
            Key: { conversation_id: 'c1' },
            ...heldBy('lease-a'),
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        ),
      ),
    ];
    for (const error of errors) {
      expect(error.name).to.equal('ConditionalCheckFailedException');
      expect(error.message).to.equal('The conditional request failed');
      expect(error.Item).to.deep.equal({
        conversation_id: { S: 'c1' },
        lease_id: { S: 'lease-b' },
        lease_seq: { N: '4' },
      });
    }
    expect(await store.stored('conversations', { conversation_id: 'c1' })).to.deep.equal(lease);
  });

  it('when the condition fails without ALL_OLD, or on an item that does not exist, then the refusal carries no item', async () => {
    const client = store.dynamo.client;
    const without = await refused(
      client.send(
        new UpdateItemCommand({
          TableName: conversations,
          Key: { conversation_id: { S: 'c1' } },
          UpdateExpression: 'REMOVE lease_id',
          ConditionExpression: 'lease_id = :mine',
          ExpressionAttributeValues: { ':mine': { S: 'lease-a' } },
          ReturnValuesOnConditionCheckFailure: 'NONE',
        }),
      ),
    );
    const missing = await refused(
      client.send(
        new DeleteItemCommand({
          TableName: conversations,
          Key: { conversation_id: { S: 'c-none' } },
          ConditionExpression: 'attribute_exists(conversation_id)',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      ),
    );
    for (const error of [without, missing]) {
      expect(error.name).to.equal('ConditionalCheckFailedException');
      expect(error.Item).to.equal(undefined);
    }
  });

  it('when the condition holds, then the write lands as it would without ALL_OLD', async () => {
    const answer = await store.dynamo.doc.send(
      new UpdateCommand({
        TableName: conversations,
        Key: { conversation_id: 'c1' },
        UpdateExpression: 'SET lease_seq = lease_seq + :one',
        ...heldBy('lease-b'),
        ExpressionAttributeValues: { ':mine': 'lease-b', ':one': 1 },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    expect(answer.Attributes).to.deep.equal({ lease_seq: 5 });
    expect(await store.stored('conversations', { conversation_id: 'c1' })).to.include({
      lease_seq: 5,
    });
  });

  it('when ReturnValuesOnConditionCheckFailure is neither ALL_OLD nor NONE, then the write is a ValidationException and nothing changes', async () => {
    const error = await refused(
      store.dynamo.client.send(
        new PutItemCommand({
          TableName: conversations,
          Item: { conversation_id: { S: 'c1' } },
          ReturnValuesOnConditionCheckFailure: 'ALL_NEW' as 'ALL_OLD',
        }),
      ),
    );
    expect(error.name).to.equal('ValidationException');
    expect(error.message).to.equal(
      "1 validation error detected: Value 'ALL_NEW' at 'returnValuesOnConditionCheckFailure' failed to satisfy constraint: Member must satisfy enum value set: [ALL_OLD, NONE]",
    );
    expect(await store.stored('conversations', { conversation_id: 'c1' })).to.deep.equal(lease);
  });
});

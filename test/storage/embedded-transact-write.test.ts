// TransactWriteItems on the embedded store, through the real SDK (the document client's
// TransactWriteCommand): all or nothing across tables, with the index entries; a cancellation
// with a reason per action in request order; DynamoDB's refusals of a malformed request; and
// nothing stored after any refusal.
import { PutCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { expect } from 'chai';
import { startStoreUnderTest, type StoreUnderTest } from '../support/embedded-store.js';

type Actions = NonNullable<TransactWriteCommandInput['TransactItems']>;

interface Refusal extends Error {
  CancellationReasons?: { Code?: string; Message?: string; Item?: Record<string, unknown> }[];
}

describe('TransactWriteItems on the embedded store', () => {
  let store: StoreUnderTest;
  let conversations: string;
  let sessions: string;
  let messages: string;

  before(async () => {
    store = await startStoreUnderTest('twi');
    ({ conversations, coachingSessions: sessions, messages } = store.tables);
  });
  after(() => store.close());

  const transact = (actions: Actions, extra: Partial<TransactWriteCommandInput> = {}) =>
    store.dynamo.doc.send(new TransactWriteCommand({ TransactItems: actions, ...extra }));
  const refusal = (actions: Actions, extra: Partial<TransactWriteCommandInput> = {}) =>
    transact(actions, extra).then(
      () => expect.fail('the transaction was accepted'),
      (error: unknown) => error as Refusal,
    );
  const put = (table: string, item: Record<string, unknown>) =>
    store.dynamo.doc.send(new PutCommand({ TableName: table, Item: item }));
  const addTokens = (session: string, n: number): Actions[number] => ({
    Update: {
      TableName: sessions,
      Key: { session_id: session },
      UpdateExpression: 'SET input_tokens = input_tokens + :n',
      ExpressionAttributeValues: { ':n': n },
    },
  });
  const conversation = (id: string, extra: Record<string, unknown> = {}) => ({
    conversation_id: id,
    tenant_id: 'tenant',
    user_id: `user-${id}`,
    created_at: '2026-01-01T00:00:00Z',
    status: 'active',
    ...extra,
  });
  const summaries = async (user: string) =>
    (
      await store.dynamo.doc.send(
        new QueryCommand({
          TableName: conversations,
          IndexName: 'user_id-created_at-index',
          KeyConditionExpression: 'user_id = :u',
          ExpressionAttributeValues: { ':u': user },
        }),
      )
    ).Items;

  it('when every condition holds, then a put, an update, a delete and a condition check across three tables all land, with their index entries', async () => {
    await put(conversations, conversation('c1', { turn_count: 1 }));
    await put(sessions, { session_id: 's1', input_tokens: 10 });
    await put(messages, { conversation_id: 'c1', turn: 0, text: 'opening' });

    const answer = await transact([
      {
        ConditionCheck: {
          TableName: conversations,
          Key: { conversation_id: 'c1' },
          ConditionExpression: '#s = :active',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: { ':active': 'active' },
        },
      },
      addTokens('s1', 5),
      {
        Put: {
          TableName: messages,
          Item: { conversation_id: 'c1', turn: 1, text: 'hello' },
          ConditionExpression: 'attribute_not_exists(conversation_id)',
        },
      },
      { Delete: { TableName: messages, Key: { conversation_id: 'c1', turn: 0 } } },
      { Put: { TableName: conversations, Item: conversation('c2', { topic: 'values' }) } },
    ]);

    expect(answer.ConsumedCapacity).to.equal(undefined);
    expect(await store.stored('coachingSessions', { session_id: 's1' })).to.deep.equal({
      session_id: 's1',
      input_tokens: 15,
    });
    expect(await store.stored('messages', { conversation_id: 'c1', turn: 1 })).to.deep.equal({
      conversation_id: 'c1',
      turn: 1,
      text: 'hello',
    });
    expect(await store.stored('messages', { conversation_id: 'c1', turn: 0 })).to.equal(undefined);
    expect(await store.stored('conversations', { conversation_id: 'c1' })).to.include({
      turn_count: 1,
    });
    expect(await summaries('user-c2')).to.deep.equal([
      {
        conversation_id: 'c2',
        tenant_id: 'tenant',
        user_id: 'user-c2',
        created_at: '2026-01-01T00:00:00Z',
        status: 'active',
        topic: 'values',
      },
    ]);
  });

  it('when an update changes an indexed attribute, then the index holds the new value and no longer the old one', async () => {
    await put(conversations, conversation('c-idx'));
    await transact([
      {
        Update: {
          TableName: conversations,
          Key: { conversation_id: 'c-idx' },
          UpdateExpression: 'SET #s = :paused, created_at = :later',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: { ':paused': 'paused', ':later': '2026-02-02T00:00:00Z' },
        },
      },
    ]);
    const found = await summaries('user-c-idx');
    expect(found?.map((item) => [item.created_at, item.status])).to.deep.equal([
      ['2026-02-02T00:00:00Z', 'paused'],
    ]);
  });

  it('when one condition fails, then nothing is written, and each action has its reason in request order, the failed one with the item it asked for', async () => {
    await put(conversations, conversation('c3', { status: 'paused' }));
    await put(sessions, { session_id: 's3', input_tokens: 5 });

    const error = await refusal([
      addTokens('s3', 1),
      {
        ConditionCheck: {
          TableName: conversations,
          Key: { conversation_id: 'c3' },
          ConditionExpression: '#s = :active',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: { ':active': 'active' },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        },
      },
      {
        Put: {
          TableName: conversations,
          Item: conversation('c4'),
          ConditionExpression: 'attribute_not_exists(conversation_id)',
        },
      },
    ]);

    expect(error.name).to.equal('TransactionCanceledException');
    expect(error.message).to.equal(
      'Transaction cancelled, please refer cancellation reasons for specific reasons ' +
        '[None, ConditionalCheckFailed, None]',
    );
    // The document client does not unmarshall an error: the item is in DynamoDB's JSON form.
    expect(error.CancellationReasons).to.deep.equal([
      { Code: 'None' },
      {
        Code: 'ConditionalCheckFailed',
        Message: 'The conditional request failed',
        Item: {
          conversation_id: { S: 'c3' },
          tenant_id: { S: 'tenant' },
          user_id: { S: 'user-c3' },
          created_at: { S: '2026-01-01T00:00:00Z' },
          status: { S: 'paused' },
        },
      },
      { Code: 'None' },
    ]);
    expect(await store.stored('coachingSessions', { session_id: 's3' })).to.deep.equal({
      session_id: 's3',
      input_tokens: 5,
    });
    expect(await store.stored('conversations', { conversation_id: 'c4' })).to.equal(undefined);
    expect(await summaries('user-c4')).to.deep.equal([]);
  });

  it('when a failed condition asked for no item, or its item does not exist, then its reason carries none', async () => {
    await put(conversations, conversation('c5'));
    const error = await refusal([
      {
        ConditionCheck: {
          TableName: conversations,
          Key: { conversation_id: 'c5' },
          ConditionExpression: 'attribute_not_exists(conversation_id)',
          ReturnValuesOnConditionCheckFailure: 'NONE',
        },
      },
      {
        Update: {
          TableName: conversations,
          Key: { conversation_id: 'c-missing' },
          UpdateExpression: 'SET turn_count = :one',
          ConditionExpression: 'attribute_exists(conversation_id)',
          ExpressionAttributeValues: { ':one': 1 },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        },
      },
    ]);
    expect(error.CancellationReasons).to.deep.equal([
      { Code: 'ConditionalCheckFailed', Message: 'The conditional request failed' },
      { Code: 'ConditionalCheckFailed', Message: 'The conditional request failed' },
    ]);
    expect(await store.stored('conversations', { conversation_id: 'c-missing' })).to.equal(
      undefined,
    );
  });

  it('when an update cannot apply to the item as stored, then the transaction is cancelled with a ValidationError for it and nothing is written', async () => {
    await put(conversations, conversation('c6', { turn_count: 'seven' }));
    const error = await refusal([
      { Put: { TableName: messages, Item: { conversation_id: 'c6', turn: 1, text: 'hi' } } },
      {
        Update: {
          TableName: conversations,
          Key: { conversation_id: 'c6' },
          UpdateExpression: 'SET turn_count = turn_count + :one',
          ExpressionAttributeValues: { ':one': 1 },
        },
      },
    ]);
    expect(error.CancellationReasons).to.deep.equal([
      { Code: 'None' },
      {
        Code: 'ValidationError',
        Message: 'An operand in the update expression has an incorrect data type',
      },
    ]);
    expect(await store.stored('messages', { conversation_id: 'c6', turn: 1 })).to.equal(undefined);
  });

  it('when an update would grow its item past 400 KB, then the transaction is cancelled with DynamoDB’s update wording', async () => {
    await put(conversations, conversation('c7', { text: 'a'.repeat(300_000) }));
    const error = await refusal([
      {
        Update: {
          TableName: conversations,
          Key: { conversation_id: 'c7' },
          UpdateExpression: 'SET more = :more',
          ExpressionAttributeValues: { ':more': 'b'.repeat(150_000) },
        },
      },
    ]);
    expect(error.CancellationReasons).to.deep.equal([
      {
        Code: 'ValidationError',
        Message: 'Item size to update has exceeded the maximum allowed size',
      },
    ]);
    expect(await store.stored('conversations', { conversation_id: 'c7' })).to.not.have.property(
      'more',
    );
  });

  it('when a key has the wrong type, then the transaction is cancelled with a ValidationError for that action, as DynamoDB answers it', async () => {
    const error = await refusal([
      { Put: { TableName: conversations, Item: conversation('c8') } },
      { Put: { TableName: messages, Item: { conversation_id: 'c8', turn: 'one' } } },
      { Delete: { TableName: sessions, Key: { session_id: 8 } } },
    ]);
    expect(error.CancellationReasons).to.deep.equal([
      { Code: 'None' },
      {
        Code: 'ValidationError',
        Message:
          'One or more parameter values were invalid: Type mismatch for key turn expected: N actual: S',
      },
      { Code: 'ValidationError', Message: 'The provided key element does not match the schema' },
    ]);
    expect(await store.stored('conversations', { conversation_id: 'c8' })).to.equal(undefined);
  });

  describe('a malformed request, refused as a whole before anything is read', () => {
    const marker = (id: string): Actions[number] => ({
      Put: { TableName: conversations, Item: conversation(id) },
    });
    const cases: [
      string,
      () => [Actions, Partial<TransactWriteCommandInput>],
      string,
      string | RegExp,
    ][] = [
      [
        'no actions',
        () => [[], {}],
        'ValidationException',
        "1 validation error detected: Value '[]' at 'transactItems' failed to satisfy constraint: Member must have length greater than or equal to 1",
      ],
      [
        '101 actions',
        () => [Array.from({ length: 101 }, (_, i) => marker(`bulk-${i}`)), {}],
        'ValidationException',
        /^1 validation error detected: Value '\[.+\]' at 'transactItems' failed to satisfy constraint: Member must have length less than or equal to 100$/s,
      ],
      [
        'two actions on one item',
        () => [
          [
            marker('dup'),
            {
              ConditionCheck: {
                TableName: conversations,
                Key: { conversation_id: 'dup' },
                ConditionExpression: 'attribute_not_exists(conversation_id)',
              },
            },
          ],
          {},
        ],
        'ValidationException',
        'Transaction request cannot include multiple operations on one item',
      ],
      [
        'an action that is both a put and a delete',
        () => [
          [
            {
              Put: { TableName: conversations, Item: conversation('both') },
              Delete: { TableName: conversations, Key: { conversation_id: 'both' } },
            },
          ],
          {},
        ],
        'ValidationException',
        'TransactItems can only contain one of Check, Put, Update or Delete',
      ],
      [
        'a table that does not exist',
        () => [
          [marker('no-table'), { Put: { TableName: 'no-such-table', Item: { id: 'x' } } }],
          {},
        ],
        'ResourceNotFoundException',
        'Requested resource not found',
      ],
      [
        'a condition that does not parse',
        () => [
          [
            marker('syntax'),
            {
              ConditionCheck: {
                TableName: conversations,
                Key: { conversation_id: 'other' },
                ConditionExpression: 'attribute_not_exists(',
              },
            },
          ],
          {},
        ],
        'ValidationException',
        // dynalite's parser words the rest of a syntax error its own way.
        /^Invalid ConditionExpression: Syntax error; /,
      ],
      [
        'a value no expression uses',
        () => [
          [
            marker('unused'),
            {
              ConditionCheck: {
                TableName: conversations,
                Key: { conversation_id: 'other' },
                ConditionExpression: 'attribute_not_exists(conversation_id)',
                ExpressionAttributeValues: { ':v': 'x' },
              },
            },
          ],
          {},
        ],
        'ValidationException',
        'Value provided in ExpressionAttributeValues unused in expressions: keys: {:v}',
      ],
      [
        'an empty string as a key',
        () => [
          [marker('empty-key'), { Delete: { TableName: sessions, Key: { session_id: '' } } }],
          {},
        ],
        'ValidationException',
        'One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: session_id',
      ],
      [
        'a ClientRequestToken of 37 characters',
        () => [[marker('long-token')], { ClientRequestToken: 't'.repeat(37) }],
        'ValidationException',
        `1 validation error detected: Value '${'t'.repeat(37)}' at 'clientRequestToken' failed to satisfy constraint: Member must have length less than or equal to 36`,
      ],
      [
        'an unknown ReturnConsumedCapacity',
        () => [[marker('bogus')], { ReturnConsumedCapacity: 'BOGUS' as 'TOTAL' }],
        'ValidationException',
        "1 validation error detected: Value 'BOGUS' at 'returnConsumedCapacity' failed to satisfy constraint: Member must satisfy enum value set: [INDEXES, TOTAL, NONE]",
      ],
      [
        'a put of an item over 400 KB',
        () => [
          [marker('small'), marker('big')].map((action, i) =>
            i === 1
              ? {
                  Put: {
                    TableName: conversations,
                    Item: conversation('big', { text: 'x'.repeat(410_000) }),
                  },
                }
              : action,
          ),
          {},
        ],
        'ValidationException',
        'Item size has exceeded the maximum allowed size',
      ],
      [
        'items of more than 4 MB together',
        () => [
          Array.from({ length: 11 }, (_, i) => ({
            Put: {
              TableName: conversations,
              Item: conversation(`heavy-${i}`, { text: 'x'.repeat(390_000) }),
            },
          })),
          {},
        ],
        'ValidationException',
        'The aggregate size of the items in the transaction cannot exceed 4 MB',
      ],
    ];

    for (const [label, request, name, message] of cases) {
      it(`when a transaction holds ${label}, then it is a ${name} and nothing is stored`, async () => {
        const [actions, extra] = request();
        const error = await refusal(actions, extra);
        expect(error.name).to.equal(name);
        if (typeof message === 'string') expect(error.message).to.equal(message);
        else expect(error.message).to.match(message);
        expect(error.CancellationReasons).to.equal(undefined);
        for (const action of actions) {
          const id = action.Put?.Item?.conversation_id as string | undefined;
          if (action.Put?.TableName === conversations && id) {
            expect(await store.stored('conversations', { conversation_id: id }), id).to.equal(
              undefined,
            );
          }
        }
      });
    }
  });

  it('when consumed capacity is asked, then each table reports two write units for each item of up to 1 KB', async () => {
    await put(conversations, conversation('c9'));
    const answer = await transact(
      [
        { Put: { TableName: conversations, Item: conversation('c10') } },
        {
          ConditionCheck: {
            TableName: conversations,
            Key: { conversation_id: 'c9' },
            ConditionExpression: 'attribute_exists(conversation_id)',
          },
        },
        {
          Update: {
            TableName: sessions,
            Key: { session_id: 's9' },
            UpdateExpression: 'SET input_tokens = :n',
            ExpressionAttributeValues: { ':n': 1 },
          },
        },
      ],
      { ReturnConsumedCapacity: 'TOTAL' },
    );
    expect(answer.ConsumedCapacity).to.deep.equal([
      { TableName: conversations, CapacityUnits: 4, WriteCapacityUnits: 4 },
      { TableName: sessions, CapacityUnits: 2, WriteCapacityUnits: 2 },
    ]);
  });
});

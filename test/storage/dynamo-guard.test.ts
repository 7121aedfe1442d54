// The guard the test suite puts in front of dynalite: each case is a write dynalite accepts and
// DynamoDB refuses, sent once without the guard (dynalite takes it) and once with it (refused
// with DynamoDB's ValidationException and message), single writes and transactions alike.
import {
  GetCommand,
  PutCommand,
  TransactGetCommand,
  TransactWriteCommand,
  UpdateCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { expect } from 'chai';
import { loadConfig } from '../../app/src/config.js';
import { createDynamo, type Dynamo } from '../../app/src/storage/dynamo.js';
import {
  ensureTables,
  startEmbeddedDynamo,
  type EmbeddedDynamo,
} from '../../app/src/storage/local-dynamo.js';
import { guardLikeDynamoDb } from '../support/dynamo-guard.js';

/** A string of `n` characters, three UTF-8 bytes each: dynalite counts n, DynamoDB 3n. */
const wide = (n: number) => '€'.repeat(n);

function nested(levels: number): Record<string, unknown> {
  let value: Record<string, unknown> = { leaf: true };
  for (let i = 1; i < levels; i++) value = { next: value };
  return value;
}

describe('the DynamoDB limits guard in front of dynalite', () => {
  let embedded: EmbeddedDynamo;
  let loose: Dynamo;
  let guarded: Dynamo;
  const tables = loadConfig({ STAGE: 'test', NAME_SUFFIX: `-guard${process.pid}` }).tables;

  before(async () => {
    embedded = await startEmbeddedDynamo();
    const options = { region: 'us-east-1', endpoint: embedded.endpoint, localCredentials: true };
    loose = createDynamo(options);
    guarded = createDynamo(options);
    guardLikeDynamoDb(guarded.client);
    await ensureTables(loose.client, tables);
  });
  after(async () => {
    loose.client.destroy();
    guarded.client.destroy();
    await embedded.close();
  });

  const conversation = (id: string, extra: Record<string, unknown> = {}) =>
    new PutCommand({
      TableName: tables.conversations,
      Item: { conversation_id: id, tenant_id: 't', user_id: 'u', created_at: 'c', ...extra },
    });

  type Refusable = PutCommand | UpdateCommand | TransactWriteCommand;

  async function refusedWith(dynamo: Dynamo, command: Refusable, message: RegExp) {
    const error = await dynamo.doc.send(command as PutCommand).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error, 'refused').to.be.instanceOf(Error);
    expect(error?.name).to.equal('ValidationException');
    expect(error?.message).to.match(message);
  }

  const cases: [string, () => PutCommand, RegExp][] = [
    [
      'a map nested 32 levels deep (a value at level 33, counting the attribute as level 1)',
      () => conversation('conv_deep', { doc: nested(32) }),
      /^Nesting Levels have exceeded supported limits: Attributes in the item have nested levels beyond supported limit$/,
    ],
    [
      'a hash key of 700 three-byte characters (2,100 bytes)',
      () => conversation(`conv_${wide(700)}`),
      /Size of hashkey has exceeded the maximum size limit of2048 bytes/,
    ],
    [
      'an index range key (user_id) of 400 three-byte characters (1,200 bytes)',
      () => conversation('conv_index', { user_id: wide(400) }),
      /Aggregated size of all range keys has exceeded the size limit of 1024 bytes/,
    ],
    [
      'an item of 140,000 three-byte characters (420,000 bytes)',
      () => conversation('conv_big', { text: wide(140_000) }),
      /^Item size has exceeded the maximum allowed size$/,
    ],
  ];

  /** Each case once without the guard (dynalite takes it) and once with it (refused). */
  function refusesAsDynamoDb(subject: string, refusals: [string, () => Refusable, RegExp][]) {
    for (const [label, command, message] of refusals) {
      it(`when ${subject} holds ${label}, then dynalite takes it but the guard refuses it as DynamoDB would`, async () => {
        await loose.doc.send(command() as PutCommand);
        await refusedWith(guarded, command(), message);
      });
    }
  }

  refusesAsDynamoDb('a put', cases);

  it('when a map nested 31 levels deep is put, then the guard lets it through', async () => {
    await guarded.doc.send(conversation('conv_31', { doc: nested(31) }));
  });

  it('when an update grows an item past 400 KB, then it is refused and the item is as before', async () => {
    await guarded.doc.send(conversation('conv_grow', { text: wide(70_000) }));
    const grow = () =>
      new UpdateCommand({
        TableName: tables.conversations,
        Key: { conversation_id: 'conv_grow' },
        UpdateExpression: 'SET more = :more',
        ExpressionAttributeValues: { ':more': wide(70_000) },
      });
    await refusedWith(
      guarded,
      grow(),
      /^Item size to update has exceeded the maximum allowed size$/,
    );
    const kept = await guarded.doc.send(
      new GetCommand({ TableName: tables.conversations, Key: { conversation_id: 'conv_grow' } }),
    );
    expect(kept.Item?.more).to.equal(undefined);
    expect(kept.Item?.text).to.have.length(70_000);
    await loose.doc.send(grow());
  });

  it('when a key to read is over 2,048 bytes in UTF-8, then the guard refuses it', async () => {
    const read = new GetCommand({
      TableName: tables.conversations,
      Key: { conversation_id: `conv_${wide(700)}` },
    });
    await loose.doc.send(read);
    await refusedWith(guarded, read as unknown as PutCommand, /Size of hashkey has exceeded/);
  });

  describe('transactions', () => {
    const put = (id: string, extra: Record<string, unknown> = {}) => ({
      Put: {
        TableName: tables.conversations,
        Item: { conversation_id: id, tenant_id: 't', user_id: 'u', created_at: 'c', ...extra },
      },
    });
    const transaction = (actions: NonNullable<TransactWriteCommandInput['TransactItems']>) => () =>
      new TransactWriteCommand({ TransactItems: actions });
    const cases: [string, () => TransactWriteCommand, RegExp][] = [
      [
        'a put of 140,000 three-byte characters (420,000 bytes)',
        transaction([put('tx_big', { text: wide(140_000) })]),
        /^Item size has exceeded the maximum allowed size$/,
      ],
      [
        'a put nested 32 levels deep',
        transaction([put('tx_deep', { doc: nested(32) })]),
        /^Nesting Levels have exceeded supported limits: Attributes in the item have nested levels beyond supported limit$/,
      ],
      [
        'an update value nested 32 levels deep',
        transaction([
          {
            Update: {
              TableName: tables.conversations,
              Key: { conversation_id: 'tx_deep_value' },
              UpdateExpression: 'SET doc = :doc',
              ExpressionAttributeValues: { ':doc': nested(32) },
            },
          },
        ]),
        /^Nesting Levels have exceeded supported limits/,
      ],
      [
        'a key of 700 three-byte characters (2,100 bytes)',
        transaction([
          {
            ConditionCheck: {
              TableName: tables.conversations,
              Key: { conversation_id: `tx_${wide(700)}` },
              ConditionExpression: 'attribute_not_exists(conversation_id)',
            },
          },
        ]),
        /Size of hashkey has exceeded the maximum size limit of2048 bytes/,
      ],
      [
        'an index key (user_id) of 400 three-byte characters in a put',
        transaction([put('tx_index', { user_id: wide(400) })]),
        /Aggregated size of all range keys has exceeded the size limit of 1024 bytes/,
      ],
      [
        'eleven puts of 390,000 bytes each (4.3 MB; 1.4 M characters)',
        transaction(
          Array.from({ length: 11 }, (_, i) => put(`tx_heavy_${i}`, { text: wide(130_000) })),
        ),
        /^The aggregate size of the items in the transaction cannot exceed 4 MB$/,
      ],
    ];

    refusesAsDynamoDb('a transaction', cases);

    it('when a transaction’s update grows an item past 400 KB in UTF-8, then it is cancelled with a ValidationError for that update, and every item it wrote is as before', async () => {
      await guarded.doc.send(conversation('tx_grow', { text: wide(70_000) }));
      const error = await guarded.doc
        .send(
          new TransactWriteCommand({
            TransactItems: [
              put('tx_beside'),
              {
                Update: {
                  TableName: tables.conversations,
                  Key: { conversation_id: 'tx_grow' },
                  UpdateExpression: 'SET more = :more',
                  ExpressionAttributeValues: { ':more': wide(70_000) },
                },
              },
            ],
          }),
        )
        .then(
          () => expect.fail('the transaction was accepted'),
          (e: unknown) => e as Error & { CancellationReasons?: unknown },
        );
      expect(error.name).to.equal('TransactionCanceledException');
      expect(error.message).to.equal(
        'Transaction cancelled, please refer cancellation reasons for specific reasons [None, ValidationError]',
      );
      expect(error.CancellationReasons).to.deep.equal([
        { Code: 'None' },
        {
          Code: 'ValidationError',
          Message: 'Item size to update has exceeded the maximum allowed size',
        },
      ]);
      const read = (id: string) =>
        guarded.doc.send(
          new GetCommand({ TableName: tables.conversations, Key: { conversation_id: id } }),
        );
      expect((await read('tx_beside')).Item).to.equal(undefined);
      const kept = (await read('tx_grow')).Item;
      expect(kept?.more).to.equal(undefined);
      expect(kept?.text).to.have.length(70_000);
    });

    it('when a transactional read names a key over 2,048 bytes in UTF-8, then the guard refuses it', async () => {
      const read = () =>
        new TransactGetCommand({
          TransactItems: [
            {
              Get: { TableName: tables.conversations, Key: { conversation_id: `tx_${wide(700)}` } },
            },
          ],
        });
      await loose.doc.send(read());
      await refusedWith(guarded, read() as unknown as PutCommand, /Size of hashkey has exceeded/);
    });
  });
});

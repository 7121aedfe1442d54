// The guard the test suite puts in front of dynalite: each case is a write dynalite accepts and
// DynamoDB refuses, sent once without the guard (dynalite takes it) and once with it (refused
// with DynamoDB's ValidationException and message).
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
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

  async function refusedWith(dynamo: Dynamo, command: PutCommand | UpdateCommand, message: RegExp) {
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
      'a map nested 33 levels deep',
      () => conversation('conv_deep', { doc: nested(33) }),
      /^Nesting Levels have exceeded supported limits$/,
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

  for (const [label, command, message] of cases) {
    it(`when a put holds ${label}, then dynalite takes it but the guard refuses it as DynamoDB would`, async () => {
      await loose.doc.send(command());
      await refusedWith(guarded, command(), message);
    });
  }

  it('when a map nested 32 levels deep is put, then the guard lets it through', async () => {
    await guarded.doc.send(conversation('conv_32', { doc: nested(32) }));
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
});

// The fault proxy itself, through the real SDK: each fault reaches the client as DynamoDB's
// would, and a dropped answer leaves the write applied while the client saw a failure.
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { expect } from 'chai';
import { createDynamo, type Dynamo } from '../../app/src/storage/dynamo.js';
import {
  ensureTables,
  startEmbeddedDynamo,
  type EmbeddedDynamo,
} from '../../app/src/storage/local-dynamo.js';
import { tableList, tableName, type TableId } from '../../app/src/storage/tables.js';
import { startDynamoFaultProxy, type DynamoFaultProxy } from '../support/dynamo-fault-proxy.js';

describe('the DynamoDB fault proxy', () => {
  let store: EmbeddedDynamo;
  let proxy: DynamoFaultProxy;
  let direct: Dynamo;
  let proxied: Dynamo;
  const names = Object.fromEntries(
    tableList.map((t) => [t.id, tableName(t, 'test', '-faultproxy')]),
  ) as Record<TableId, string>;
  const table = names.conversations;

  before(async () => {
    store = await startEmbeddedDynamo();
    direct = createDynamo({
      region: 'us-east-1',
      endpoint: store.endpoint,
      localCredentials: true,
    });
    await ensureTables(direct.client, names);
  });

  beforeEach(async () => {
    proxy = await startDynamoFaultProxy(store.endpoint, { seed: 7 });
    proxied = createDynamo({
      region: 'us-east-1',
      endpoint: proxy.endpoint,
      localCredentials: true,
    });
  });

  afterEach(async () => {
    proxied.client.destroy();
    await proxy.close();
  });

  after(async () => {
    direct.client.destroy();
    await store.close();
  });

  const put = (id: string) =>
    proxied.doc.send(new PutCommand({ TableName: table, Item: { conversation_id: id, n: 1 } }));
  const stored = async (id: string) =>
    (await direct.doc.send(new GetCommand({ TableName: table, Key: { conversation_id: id } })))
      .Item;

  it('when no rule is set, then requests pass through untouched and are logged', async () => {
    await put('conv_plain');
    expect(await stored('conv_plain')).to.deep.equal({ conversation_id: 'conv_plain', n: 1 });
    expect(proxy.log).to.deep.equal([
      { operation: 'PutItem', tables: [table], fault: undefined, forwarded: true },
    ]);
  });

  it('when a throttle meets every write, then the SDK sees ThrottlingException and nothing is stored', async () => {
    proxy.add({ fault: 'throttle', operations: ['PutItem'] });
    const error = await put('conv_throttled').catch((e: Error) => e);
    expect((error as Error).name).to.equal('ThrottlingException');
    expect(await stored('conv_throttled')).to.equal(undefined);
    // The SDK retried as it does for throttling (maxAttempts 3).
    expect(proxy.faults()).to.deep.equal({ throttle: 3 });
  });

  it('when one 500 meets a write, then the SDK retries it and the write lands once', async () => {
    proxy.add({ fault: 'server-error', operations: ['PutItem'], times: 1 });
    await put('conv_retried');
    expect(await stored('conv_retried')).to.not.equal(undefined);
    expect(proxy.log.map((e) => e.fault ?? 'ok')).to.deep.equal(['server-error', 'ok']);
  });

  it('when an answer is dropped after the store applied the write, then the client saw a failure but the item is there', async () => {
    // One attempt only, so the client's view is the dropped answer itself.
    const once = new DynamoDBClient({
      region: 'us-east-1',
      endpoint: proxy.endpoint,
      maxAttempts: 1,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    proxy.add({ fault: 'drop-after-apply', operations: ['PutItem'] });
    const error = await once
      .send(
        new PutItemCommand({
          TableName: table,
          Item: { conversation_id: { S: 'conv_dropped' } },
        }),
      )
      .catch((e: Error) => e);
    once.destroy();
    expect(error).to.be.instanceOf(Error);
    expect(await stored('conv_dropped')).to.deep.equal({ conversation_id: 'conv_dropped' });
    expect(proxy.log[0]).to.include({ fault: 'drop-after-apply', forwarded: true });
  });

  it('when a reset meets a request, then it never reached the store', async () => {
    proxy.add({ fault: 'reset', operations: ['PutItem'] });
    const error = await put('conv_reset').catch((e: Error) => e);
    expect(error).to.be.instanceOf(Error);
    expect(await stored('conv_reset')).to.equal(undefined);
    expect(proxy.log.every((e) => e.fault === 'reset' && !e.forwarded)).to.equal(true);
  });

  it('when a request hangs, then a client with an enforced deadline fails it as a timeout', async () => {
    const impatient = new DynamoDBClient({
      region: 'us-east-1',
      endpoint: proxy.endpoint,
      maxAttempts: 1,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      requestHandler: new NodeHttpHandler({ requestTimeout: 200, throwOnRequestTimeout: true }),
    });
    proxy.add({ fault: 'hang', operations: ['GetItem'] });
    const started = Date.now();
    const error = await impatient
      .send(new GetItemCommand({ TableName: table, Key: { conversation_id: { S: 'conv_x' } } }))
      .catch((e: Error) => e);
    impatient.destroy();
    expect(error).to.be.instanceOf(Error);
    expect(Date.now() - started).to.be.below(5000);
  });

  it('when a rule has a probability and a seed, then the same seed faults the same requests', async () => {
    const pattern = async (seed: number) => {
      const p = await startDynamoFaultProxy(store.endpoint, { seed });
      const c = createDynamo({ region: 'us-east-1', endpoint: p.endpoint, localCredentials: true });
      p.add({ fault: 'server-error', operations: ['GetItem'], probability: 0.5 });
      for (let i = 0; i < 12; i++) {
        await c.doc
          .send(new GetCommand({ TableName: table, Key: { conversation_id: `conv_${i}` } }))
          .catch(() => undefined);
      }
      c.client.destroy();
      await p.close();
      return p.log.map((e) => e.fault ?? 'ok').join(',');
    };
    const first = await pattern(42);
    expect(await pattern(42)).to.equal(first);
    expect(first).to.include('server-error').and.to.include('ok');
  });
});

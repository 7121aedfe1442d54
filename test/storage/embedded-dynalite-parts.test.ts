// The dynalite internals the embedded store composes (app/src/storage/embedded/dynalite-parts.ts),
// held to what the store relies on, so that a dynalite that changes them fails here by name
// rather than somewhere as a lost write: the pinned version, the functions, the capture of its
// store, the layout of its keys (what the embedded writes store, dynalite's own reads find, and
// the other way round), and its per-item locks (dynalite's own write waits for one the embedded
// store holds).
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import {
  BatchWriteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  TransactGetCommand,
} from '@aws-sdk/lib-dynamodb';
import { expect } from 'chai';
import { createDynamo } from '../../app/src/storage/dynamo.js';
import {
  actions,
  dynaliteDb,
  operationValidations,
  startDynalite,
  validations,
} from '../../app/src/storage/embedded/dynalite-parts.js';
import { lockItems } from '../../app/src/storage/embedded/item-locks.js';
import { tableOf } from '../../app/src/storage/embedded/transact-items.js';
import { ensureTables } from '../../app/src/storage/local-dynamo.js';
import { tableList, tableName, type TableId } from '../../app/src/storage/tables.js';
import { startStoreUnderTest, type StoreUnderTest } from '../support/embedded-store.js';

const root = path.resolve(__dirname, '..', '..');
const versionOf = (file: string) =>
  (JSON.parse(readFileSync(path.join(root, file), 'utf8')) as { version: string }).version;

describe('the dynalite internals the embedded store composes', () => {
  it('when the installed dynalite is checked, then it is 4.0.0, the version package.json pins exactly', () => {
    const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    expect(manifest.dependencies.dynalite).to.equal('4.0.0');
    expect(versionOf('node_modules/dynalite/package.json')).to.equal('4.0.0');
  });

  it('when its modules are loaded, then every function the embedded store calls is there', () => {
    const functions = {
      'db.create': dynaliteDb.create,
      'db.createKey': dynaliteDb.createKey,
      'db.validateKey': dynaliteDb.validateKey,
      'db.validationError': dynaliteDb.validationError,
      'db.itemSize': dynaliteDb.itemSize,
      'db.capacityUnits': dynaliteDb.capacityUnits,
      'validations.checkTypes': validations.checkTypes,
      'validations.checkValidations': validations.checkValidations,
      ...Object.fromEntries(Object.entries(actions).map(([name, action]) => [name, action])),
      ...Object.fromEntries(
        Object.entries(operationValidations).map(([name, v]) => [`${name}.custom`, v.custom]),
      ),
    };
    for (const [name, fn] of Object.entries(functions)) expect(fn, name).to.be.a('function');
    for (const [name, v] of Object.entries(operationValidations)) {
      expect(v.types, `${name}.types`).to.have.property('TableName');
    }
  });

  describe('its key layout', () => {
    let store: StoreUnderTest;
    before(async () => {
      store = await startStoreUnderTest('parts');
    });
    after(() => store.close());

    it('when the embedded store writes an item with index attributes, then dynalite’s own GetItem, index Query and Scan find it; when dynalite’s BatchWriteItem writes one, then TransactGetItems finds it', async () => {
      const { conversations } = store.tables;
      const item = {
        conversation_id: 'layout',
        tenant_id: 't',
        user_id: 'u-layout',
        created_at: '2026-01-01',
        status: 'active',
      };
      await store.dynamo.doc.send(new PutCommand({ TableName: conversations, Item: item }));
      const got = await store.dynamo.doc.send(
        new GetCommand({ TableName: conversations, Key: { conversation_id: 'layout' } }),
      );
      expect(got.Item).to.deep.equal(item);
      const indexed = await store.dynamo.doc.send(
        new QueryCommand({
          TableName: conversations,
          IndexName: 'tenant_id-user_id-index',
          KeyConditionExpression: 'tenant_id = :t AND user_id = :u',
          ExpressionAttributeValues: { ':t': 't', ':u': 'u-layout' },
        }),
      );
      expect(indexed.Items).to.deep.equal([
        { conversation_id: 'layout', tenant_id: 't', user_id: 'u-layout', status: 'active' },
      ]);
      const scanned = await store.dynamo.doc.send(new ScanCommand({ TableName: conversations }));
      expect(scanned.Items).to.deep.include(item);

      await store.dynamo.doc.send(
        new BatchWriteCommand({
          RequestItems: {
            [conversations]: [{ PutRequest: { Item: { conversation_id: 'batch', n: 1 } } }],
          },
        }),
      );
      const read = await store.dynamo.doc.send(
        new TransactGetCommand({
          TransactItems: [{ Get: { TableName: conversations, Key: { conversation_id: 'batch' } } }],
        }),
      );
      expect(read.Responses).to.deep.equal([{ Item: { conversation_id: 'batch', n: 1 } }]);
    });
  });

  it('when the embedded store holds an item’s lock, then dynalite’s own PutItem of that item waits until it is released', async () => {
    const { server, store } = startDynalite({ createTableMs: 0 });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const dynamo = createDynamo({ region: 'us-east-1', endpoint, localCredentials: true });
    try {
      const names = Object.fromEntries(
        tableList.map((t) => [t.id, tableName(t, 'test', `-lock${process.pid}`)]),
      ) as Record<TableId, string>;
      await ensureTables(dynamo.client, names);
      const table = await tableOf(store, names.coachingSessions);
      const key = dynaliteDb.createKey({ session_id: { S: 'held' } }, table);
      const release = await lockItems(store, [{ table: names.coachingSessions, key }]);

      let landed = false;
      const put = dynamo.doc
        .send(new PutCommand({ TableName: names.coachingSessions, Item: { session_id: 'held' } }))
        .then(() => (landed = true));
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(landed, 'the put landed while the lock was held').to.equal(false);
      release();
      await put;
      const stored = await dynamo.doc.send(
        new GetCommand({ TableName: names.coachingSessions, Key: { session_id: 'held' } }),
      );
      expect(stored.Item).to.deep.equal({ session_id: 'held' });
    } finally {
      dynamo.client.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

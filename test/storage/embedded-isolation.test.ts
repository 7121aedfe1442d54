// The embedded store's isolation, with many writers at once: two child processes race
// transactions (naming the same items in both orders, across two tables) and plain UpdateItems
// on the same items through one embedded store, while this process reads snapshots with
// TransactGetItems. No acknowledged update is lost, no snapshot shows half a transfer, nothing
// deadlocks. And a Query over one partition reads a transaction whole or not at all.
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  PutCommand,
  QueryCommand,
  TransactGetCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import { expect } from 'chai';
import { runChild } from '../support/child-processes.js';
import { startStoreUnderTest, type StoreUnderTest } from '../support/embedded-store.js';
import { quietEnv } from '../support/server-process.js';
import type { RaceReport, RaceSetup } from '../support/transaction-race-worker.js';

const tsx = pathToFileURL(require.resolve('tsx')).href;
const worker = path.join(__dirname, '..', 'support', 'transaction-race-worker.ts');

describe('the embedded store under racing writers', function () {
  this.timeout(90_000);
  let store: StoreUnderTest;

  before(async () => {
    store = await startStoreUnderTest('iso');
  });
  after(() => store.close());

  it('when two processes race transactions and single writes on the same items, then no acknowledged update is lost, no snapshot shows half a transfer, and all finish', async () => {
    const { conversations, coachingSessions, messages } = store.tables;
    const setup: RaceSetup = {
      endpoint: store.embedded.endpoint,
      a: { table: conversations, key: { conversation_id: 'race-a' } },
      b: { table: coachingSessions, key: { session_id: 'race-b' } },
      ledger: { table: messages, key: { conversation_id: 'race-ledger', turn: 0 } as never },
      operations: 240,
      inFlight: 8,
    };
    const seed = (item: RaceSetup['a'], extra: Record<string, unknown>) =>
      store.dynamo.doc.send(
        new PutCommand({ TableName: item.table, Item: { ...item.key, ...extra } }),
      );
    await seed(setup.a, { balance: 1000, touches: 0 });
    await seed(setup.b, { balance: 1000, touches: 0 });
    await seed(setup.ledger, { transfers: 0 });

    const snapshot = async () => {
      const { Responses = [] } = await store.dynamo.doc.send(
        new TransactGetCommand({
          TransactItems: [setup.a, setup.b, setup.ledger].map(({ table, key }) => ({
            Get: { TableName: table, Key: key },
          })),
        }),
      );
      const [a, b, ledger] = Responses.map((response) => response.Item ?? {});
      return {
        a: a?.balance as number,
        b: b?.balance as number,
        transfers: ledger?.transfers as number,
      };
    };

    const racers = [1, 2].map(() =>
      runChild(process.execPath, ['--import', tsx, worker, JSON.stringify(setup)], {
        env: { ...process.env, ...quietEnv },
        timeoutMs: 60_000,
      }),
    );
    let racing = true;
    const snapshots: Awaited<ReturnType<typeof snapshot>>[] = [];
    const reader = (async () => {
      while (racing) snapshots.push(await snapshot());
    })();
    const outcomes = await Promise.all(racers).finally(() => (racing = false));
    await reader;

    const reports = outcomes.map((outcome) => {
      expect(outcome.code, outcome.stderr).to.equal(0);
      return JSON.parse(outcome.stdout) as RaceReport;
    });
    const total = (field: keyof Omit<RaceReport, 'errors'>) =>
      reports.reduce((sum, report) => sum + report[field], 0);
    expect(reports.flatMap((report) => report.errors)).to.deep.equal([]);
    // Every operation was acknowledged: 60 of each kind in each process.
    expect([total('aToB'), total('bToA'), total('touchedA'), total('touchedB')]).to.deep.equal([
      120, 120, 120, 120,
    ]);

    expect(snapshots.length, 'snapshots read during the race').to.be.above(5);
    for (const { a, b } of snapshots) expect(a + b, `${a} + ${b}`).to.equal(2000);

    const [a, b, ledger] = await Promise.all(
      [setup.a, setup.b, setup.ledger].map(({ table, key }) =>
        store.dynamo.doc
          .send(
            new TransactGetCommand({ TransactItems: [{ Get: { TableName: table, Key: key } }] }),
          )
          .then(({ Responses }) => Responses?.[0]?.Item ?? {}),
      ),
    );
    expect(a).to.include({
      balance: 1000 - total('aToB') + total('bToA'),
      touches: total('touchedA'),
    });
    expect(b).to.include({
      balance: 1000 + total('aToB') - total('bToA'),
      touches: total('touchedB'),
    });
    expect(ledger).to.include({ transfers: total('aToB') + total('bToA') });
  });

  it('when transactions rewrite several items of one partition while it is queried, then every query sees all of one transaction or none of it', async () => {
    const { messages } = store.tables;
    const turns = [1, 2, 3];
    const rewrite = (version: number) =>
      store.dynamo.doc.send(
        new TransactWriteCommand({
          TransactItems: turns.map((turn) => ({
            Put: { TableName: messages, Item: { conversation_id: 'q', turn, version } },
          })),
        }),
      );
    await rewrite(0);
    let writing = true;
    const versionsSeen: number[][] = [];
    const reader = (async () => {
      while (writing) {
        const { Items = [] } = await store.dynamo.doc.send(
          new QueryCommand({
            TableName: messages,
            KeyConditionExpression: 'conversation_id = :q',
            ExpressionAttributeValues: { ':q': 'q' },
          }),
        );
        versionsSeen.push(Items.map((item) => item.version as number));
      }
    })();
    await Promise.all(Array.from({ length: 60 }, (_, i) => rewrite(i + 1))).finally(
      () => (writing = false),
    );
    await reader;
    expect(versionsSeen.length).to.be.above(1);
    for (const versions of versionsSeen) {
      expect(versions).to.have.length(3);
      expect(new Set(versions).size, String(versions)).to.equal(1);
    }
  });
});

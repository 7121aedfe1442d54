// Child process of embedded-isolation.test.ts: one of the processes racing on a shared embedded
// store. It moves one unit at a time between two balances in two tables (in both directions, so
// its transactions name the same items in both orders) while counting each transfer on a ledger
// item, and touches the two balance items with plain UpdateItems in between, many at once. It
// prints what was acknowledged, for the test to hold the stored items to.
import { TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { createDynamo } from '../../app/src/storage/dynamo.js';

export interface RaceSetup {
  readonly endpoint: string;
  /** Where each item lives: table and key. */
  readonly a: { table: string; key: Record<string, string> };
  readonly b: { table: string; key: Record<string, string> };
  readonly ledger: { table: string; key: Record<string, string> };
  readonly operations: number;
  readonly inFlight: number;
}

export interface RaceReport {
  readonly aToB: number;
  readonly bToA: number;
  readonly touchedA: number;
  readonly touchedB: number;
  readonly errors: readonly string[];
}

async function race(setup: RaceSetup): Promise<RaceReport> {
  const dynamo = createDynamo({
    region: 'us-east-1',
    endpoint: setup.endpoint,
    localCredentials: true,
  });
  const counts = { aToB: 0, bToA: 0, touchedA: 0, touchedB: 0 };
  const errors: string[] = [];
  const take = (from: RaceSetup['a']) => ({
    Update: {
      TableName: from.table,
      Key: from.key,
      UpdateExpression: 'SET balance = balance - :one',
      ConditionExpression: 'balance >= :one',
      ExpressionAttributeValues: { ':one': 1 },
    },
  });
  const give = (to: RaceSetup['a']) => ({
    Update: {
      TableName: to.table,
      Key: to.key,
      UpdateExpression: 'SET balance = balance + :one',
      ExpressionAttributeValues: { ':one': 1 },
    },
  });
  const count = {
    Update: {
      TableName: setup.ledger.table,
      Key: setup.ledger.key,
      UpdateExpression: 'ADD transfers :one',
      ExpressionAttributeValues: { ':one': 1 },
    },
  };
  const touch = (item: RaceSetup['a']) =>
    dynamo.doc.send(
      new UpdateCommand({
        TableName: item.table,
        Key: item.key,
        UpdateExpression: 'ADD touches :one',
        ExpressionAttributeValues: { ':one': 1 },
      }),
    );

  async function operation(i: number): Promise<void> {
    switch (i % 4) {
      case 0:
        await dynamo.doc.send(
          new TransactWriteCommand({ TransactItems: [take(setup.a), give(setup.b), count] }),
        );
        counts.aToB++;
        return;
      case 1:
        await dynamo.doc.send(
          new TransactWriteCommand({ TransactItems: [count, give(setup.a), take(setup.b)] }),
        );
        counts.bToA++;
        return;
      case 2:
        await touch(setup.a);
        counts.touchedA++;
        return;
      default:
        await touch(setup.b);
        counts.touchedB++;
    }
  }

  let next = 0;
  const lane = async () => {
    while (next < setup.operations) {
      const i = next++;
      await operation(i).catch((error: Error) => errors.push(`${error.name}: ${error.message}`));
    }
  };
  await Promise.all(Array.from({ length: setup.inFlight }, lane));
  dynamo.client.destroy();
  return { ...counts, errors };
}

const setup = JSON.parse(process.argv[2] ?? '{}') as RaceSetup;
void race(setup).then((report) => process.stdout.write(JSON.stringify(report)));

// An embedded DynamoDB with the service's tables, for tests of the store itself through the
// real SDK: the client the app builds (createDynamo: its retries, its document client) on an
// endpoint of its own.
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { createDynamo, type Dynamo } from '../../app/src/storage/dynamo.js';
import {
  ensureTables,
  startEmbeddedDynamo,
  type EmbeddedDynamo,
  type EmbeddedDynamoOptions,
} from '../../app/src/storage/local-dynamo.js';
import { tableList, tableName, type TableId } from '../../app/src/storage/tables.js';

export interface StoreUnderTest {
  readonly embedded: EmbeddedDynamo;
  readonly tables: Readonly<Record<TableId, string>>;
  readonly dynamo: Dynamo;
  /** The item as a consistent read finds it now (document form). */
  stored(
    table: TableId,
    key: Record<string, unknown>,
  ): Promise<Record<string, unknown> | undefined>;
  close(): Promise<void>;
}

/** The app's client (createDynamo) to a local store, with `tables` made there if missing. */
export async function dynamoWithTables(
  endpoint: string,
  tables: Readonly<Record<TableId, string>>,
  region = 'us-east-1',
): Promise<Dynamo> {
  const dynamo = createDynamo({ region, endpoint, localCredentials: true });
  await ensureTables(dynamo.client, tables);
  return dynamo;
}

export async function startStoreUnderTest(
  suffix: string,
  options: EmbeddedDynamoOptions = {},
): Promise<StoreUnderTest> {
  const embedded = await startEmbeddedDynamo(options);
  const tables = Object.fromEntries(
    tableList.map((table) => [table.id, tableName(table, 'test', `-${suffix}${process.pid}`)]),
  ) as Record<TableId, string>;
  const dynamo = await dynamoWithTables(embedded.endpoint, tables);
  return {
    embedded,
    tables,
    dynamo,
    stored: async (table, key) =>
      (
        await dynamo.doc.send(
          new GetCommand({ TableName: tables[table], Key: key, ConsistentRead: true }),
        )
      ).Item,
    close: async () => {
      dynamo.client.destroy();
      await embedded.close();
    },
  };
}

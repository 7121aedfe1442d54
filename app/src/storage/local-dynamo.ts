// The embedded DynamoDB of the local stack: dynalite in this process, on an ephemeral port,
// in memory or on disk, with the tables created from the shared definitions.
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import {
  CreateTableCommand,
  UpdateTimeToLiveCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { tables, type TableDefinition, type TableId } from './tables.js';

export interface EmbeddedDynamo {
  readonly endpoint: string;
  readonly port: number;
  close(): Promise<void>;
}

/** Starts dynalite; `path` keeps the data on disk, otherwise it lives in memory. */
export async function startEmbeddedDynamo(
  options: { path?: string; port?: number } = {},
): Promise<EmbeddedDynamo> {
  const server = dynalite({
    path: options.path,
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
  });
  server.listen(options.port ?? 0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections?.();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

function createTableInput(def: TableDefinition, name: string) {
  const attributes = new Map<string, 'S' | 'N'>();
  for (const key of [
    def.hashKey,
    def.rangeKey,
    ...def.indexes.flatMap((i) => [i.hashKey, i.rangeKey]),
  ]) {
    if (key) attributes.set(key.name, key.type);
  }
  const keySchema = (hash: { name: string }, range?: { name: string }) => [
    { AttributeName: hash.name, KeyType: 'HASH' as const },
    ...(range ? [{ AttributeName: range.name, KeyType: 'RANGE' as const }] : []),
  ];
  return {
    TableName: name,
    BillingMode: 'PAY_PER_REQUEST' as const,
    AttributeDefinitions: [...attributes].map(([AttributeName, AttributeType]) => ({
      AttributeName,
      AttributeType,
    })),
    KeySchema: keySchema(def.hashKey, def.rangeKey),
    ...(def.indexes.length > 0
      ? {
          GlobalSecondaryIndexes: def.indexes.map((index) => ({
            IndexName: index.name,
            KeySchema: keySchema(index.hashKey, index.rangeKey),
            Projection:
              index.projection.type === 'ALL'
                ? { ProjectionType: 'ALL' as const }
                : {
                    ProjectionType: 'INCLUDE' as const,
                    NonKeyAttributes: [...index.projection.attributes],
                  },
          })),
        }
      : {}),
  };
}

/** Creates every table that does not exist yet (dynalite ignores TTL, real DynamoDB honours it). */
export async function ensureTables(
  client: DynamoDBClient,
  names: Readonly<Record<TableId, string>>,
): Promise<void> {
  for (const def of Object.values(tables)) {
    try {
      await client.send(new CreateTableCommand(createTableInput(def, names[def.id])));
      if (def.ttlAttribute) {
        await client
          .send(
            new UpdateTimeToLiveCommand({
              TableName: names[def.id],
              TimeToLiveSpecification: { AttributeName: def.ttlAttribute, Enabled: true },
            }),
          )
          .catch(() => undefined); // dynalite has no TTL API; real DynamoDB gets TTL from Pulumi
      }
    } catch (error) {
      if ((error as Error).name !== 'ResourceInUseException') throw error;
    }
  }
}

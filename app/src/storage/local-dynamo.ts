// The embedded DynamoDB of the local stack: dynalite in this process, on an ephemeral port,
// in memory or on disk, with the tables created from the shared definitions.
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  CreateTableCommand,
  DescribeTableCommand,
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

/** How long a new table may stay CREATING before the start is given up. */
const ACTIVE_WITHIN_MS = 5 * 60_000;

/**
 * Until the table and its indexes are ACTIVE: DynamoDB (and dynalite, unless told otherwise)
 * creates a table asynchronously, and refuses every item call on it while it is CREATING.
 */
async function untilActive(client: DynamoDBClient, name: string): Promise<void> {
  const deadline = Date.now() + ACTIVE_WITHIN_MS;
  for (let wait = 100; ; wait = Math.min(wait * 2, 2000)) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: name }));
    const indexes = Table?.GlobalSecondaryIndexes ?? [];
    const status = Table?.TableStatus;
    if (status === 'ACTIVE' && indexes.every((index) => index.IndexStatus === 'ACTIVE')) return;
    if (Date.now() > deadline) {
      throw new Error(
        `table ${name} is still ${status ?? 'not there'} after ${ACTIVE_WITHIN_MS / 1000} s`,
      );
    }
    await sleep(wait);
  }
}

export interface EnsureOptions {
  /** Called once with the tables just created, before their creation is waited for. */
  readonly onCreated?: (names: readonly string[]) => void;
}

/**
 * Creates every table that does not exist yet, and returns once each is ACTIVE (dynalite ignores
 * TTL, real DynamoDB honours it).
 */
export async function ensureTables(
  client: DynamoDBClient,
  names: Readonly<Record<TableId, string>>,
  options: EnsureOptions = {},
): Promise<void> {
  const created: TableDefinition[] = [];
  for (const def of Object.values(tables)) {
    try {
      await client.send(new CreateTableCommand(createTableInput(def, names[def.id])));
      created.push(def);
    } catch (error) {
      if ((error as Error).name !== 'ResourceInUseException') throw error;
    }
  }
  if (created.length > 0) options.onCreated?.(created.map((def) => names[def.id]));
  // A table found existing may be one another process has just created, still CREATING.
  for (const def of Object.values(tables)) await untilActive(client, names[def.id]);
  for (const def of created) {
    if (!def.ttlAttribute) continue;
    await client
      .send(
        new UpdateTimeToLiveCommand({
          TableName: names[def.id],
          TimeToLiveSpecification: { AttributeName: def.ttlAttribute, Enabled: true },
        }),
      )
      .catch(() => undefined); // dynalite has no TTL API; real DynamoDB gets TTL from Pulumi
  }
}

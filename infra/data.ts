// The DynamoDB tables, one for each definition the app shares in app/src/storage/tables.ts.
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import {
  tableList,
  tableName,
  type KeyAttribute,
  type TableDefinition,
  type TableId,
} from '../app/src/storage/tables';

export interface DataTablesArgs {
  readonly stage: string;
  readonly nameSuffix: string;
  /** Deletion protection on the tables and `protect` on the resources. */
  readonly protect: boolean;
}

export interface DeployedTable {
  readonly definition: TableDefinition;
  readonly name: pulumi.Output<string>;
  readonly arn: pulumi.Output<string>;
}

export class DataTables extends pulumi.ComponentResource {
  readonly tables: Readonly<Record<TableId, DeployedTable>>;

  constructor(name: string, args: DataTablesArgs, opts?: pulumi.ComponentResourceOptions) {
    super('purposepath:platform:DataTables', name, {}, opts);

    const deployed = {} as Record<TableId, DeployedTable>;
    for (const definition of tableList) {
      const table = new aws.dynamodb.Table(
        `${name}-${definition.id}`,
        tableArgs(definition, args),
        { parent: this, protect: args.protect },
      );
      deployed[definition.id] = { definition, name: table.name, arn: table.arn };
    }
    this.tables = deployed;
    this.registerOutputs({});
  }
}

function tableArgs(definition: TableDefinition, args: DataTablesArgs): aws.dynamodb.TableArgs {
  return {
    name: tableName(definition, args.stage, args.nameSuffix),
    billingMode: 'PAY_PER_REQUEST',
    hashKey: definition.hashKey.name,
    rangeKey: definition.rangeKey?.name,
    attributes: keyAttributes(definition).map((key) => ({ name: key.name, type: key.type })),
    globalSecondaryIndexes: definition.indexes.map((index) => ({
      name: index.name,
      keySchemas: [
        { attributeName: index.hashKey.name, keyType: 'HASH' },
        ...(index.rangeKey ? [{ attributeName: index.rangeKey.name, keyType: 'RANGE' }] : []),
      ],
      projectionType: index.projection.type,
      nonKeyAttributes:
        index.projection.type === 'INCLUDE' ? [...index.projection.attributes] : undefined,
    })),
    ttl: definition.ttlAttribute
      ? { enabled: true, attributeName: definition.ttlAttribute }
      : undefined,
    serverSideEncryption: { enabled: true },
    pointInTimeRecovery: { enabled: true },
    deletionProtectionEnabled: args.protect,
  };
}

/** DynamoDB wants each key attribute declared once, whether the table or an index uses it. */
function keyAttributes(definition: TableDefinition): KeyAttribute[] {
  const keys = [definition.hashKey, definition.rangeKey].concat(
    definition.indexes.flatMap((index) => [index.hashKey, index.rangeKey]),
  );
  const byName = new Map<string, KeyAttribute>();
  for (const key of keys) {
    if (key && !byName.has(key.name)) byName.set(key.name, key);
  }
  return [...byName.values()];
}

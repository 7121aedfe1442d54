// The DynamoDB tables, one for each definition the app shares in app/src/storage/tables.ts. The
// original SAM stack's two tables can be served instead of new ones (`useOriginalTables`): found
// by name, checked against the definitions, and never created, changed or deleted by this stack.
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import {
  tableList,
  tableName,
  type KeyAttribute,
  type TableDefinition,
  type TableId,
} from '../app/src/storage/tables';
import { originalTableProblems } from './original-tables';

/** The tables the original SAM stack created, under the same base names and keys. */
export const originalTableIds: readonly TableId[] = ['conversations', 'coachingSessions'];

export interface DataTablesArgs {
  readonly stage: string;
  readonly nameSuffix: string;
  /** Deletion protection on the tables and `protect` on the resources. */
  readonly protect: boolean;
  /** Serve the original's tables, named with its own suffix, instead of creating them. */
  readonly originalTables?: { readonly nameSuffix: string };
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
      const original = args.originalTables && originalTableIds.includes(definition.id);
      deployed[definition.id] = original
        ? this.originalTable(
            definition,
            tableName(definition, args.stage, args.originalTables?.nameSuffix ?? ''),
          )
        : this.ownTable(`${name}-${definition.id}`, definition, args);
    }
    this.tables = deployed;
    this.registerOutputs({});
  }

  private ownTable(name: string, definition: TableDefinition, args: DataTablesArgs) {
    const table = new aws.dynamodb.Table(name, tableArgs(definition, args), {
      parent: this,
      protect: args.protect,
    });
    return { definition, name: table.name, arn: table.arn };
  }

  /** Looked up, so a missing table, or one the app cannot use, stops the preview. */
  private originalTable(definition: TableDefinition, name: string): DeployedTable {
    const found = aws.dynamodb.getTableOutput({ name }, { parent: this }).apply((table) => {
      const problems = originalTableProblems(definition, table);
      if (problems.length > 0) {
        throw new Error(
          `The original table ${name} cannot serve ${definition.id}:\n  ${problems.join('\n  ')}`,
        );
      }
      return table;
    });
    return { definition, name: found.name, arn: found.arn };
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

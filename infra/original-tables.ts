// Whether a table the original SAM stack created can serve one of the app's definitions: the
// same keys of the same types, and every index the app queries, with the attributes it reads.
// The original's items themselves are read through the same repositories (docs/storage.md).
import type { KeyAttribute, TableDefinition } from '../app/src/storage/tables';

/** The part of DynamoDB's description of a table (aws.dynamodb.getTable) this check reads. */
export interface DescribedTable {
  readonly hashKey: string;
  readonly rangeKey?: string;
  readonly attributes: readonly { readonly name: string; readonly type: string }[];
  readonly globalSecondaryIndexes: readonly DescribedIndex[];
}

export interface DescribedIndex {
  readonly name: string;
  readonly hashKey: string;
  readonly rangeKey?: string;
  /** Newer descriptions list the keys here, with hashKey and rangeKey also set. */
  readonly keySchemas?: readonly { readonly attributeName: string; readonly keyType: string }[];
  readonly projectionType: string;
  readonly nonKeyAttributes?: readonly string[];
}

/** One line for each way the table differs from what the app needs of it; none when it fits. */
export function originalTableProblems(
  definition: TableDefinition,
  table: DescribedTable,
): string[] {
  const problems = [
    ...keyProblems('the table', definition.hashKey, definition.rangeKey, table, {
      hashKey: table.hashKey,
      rangeKey: table.rangeKey,
    }),
  ];
  for (const index of definition.indexes) {
    const found = table.globalSecondaryIndexes.find((gsi) => gsi.name === index.name);
    if (!found) {
      problems.push(`index ${index.name} is missing (the app queries it)`);
      continue;
    }
    problems.push(
      ...keyProblems(`index ${index.name}`, index.hashKey, index.rangeKey, table, keysOf(found)),
    );
    problems.push(...projectionProblems(index.name, index.projection, found));
  }
  return problems;
}

function keysOf(index: DescribedIndex): { hashKey?: string; rangeKey?: string } {
  const schema = index.keySchemas ?? [];
  if (schema.length === 0) return { hashKey: index.hashKey, rangeKey: index.rangeKey || undefined };
  return {
    hashKey: schema.find((key) => key.keyType === 'HASH')?.attributeName,
    rangeKey: schema.find((key) => key.keyType === 'RANGE')?.attributeName,
  };
}

function keyProblems(
  where: string,
  hashKey: KeyAttribute,
  rangeKey: KeyAttribute | undefined,
  table: DescribedTable,
  found: { hashKey?: string; rangeKey?: string },
): string[] {
  const problems: string[] = [];
  const typeOf = (name: string) => table.attributes.find((a) => a.name === name)?.type;
  const expect = (role: string, wanted: KeyAttribute | undefined, actual: string | undefined) => {
    if ((wanted?.name ?? '') !== (actual || '')) {
      problems.push(
        `${where} has ${role} key ${actual || 'none'}, the app needs ${wanted?.name ?? 'none'}`,
      );
    } else if (wanted && typeOf(wanted.name) !== wanted.type) {
      problems.push(
        `${where}: key ${wanted.name} is of type ${typeOf(wanted.name) ?? 'unknown'}, the app needs ${wanted.type}`,
      );
    }
  };
  expect('hash', hashKey, found.hashKey);
  expect('range', rangeKey, found.rangeKey);
  return problems;
}

function projectionProblems(
  name: string,
  wanted: TableDefinition['indexes'][number]['projection'],
  found: DescribedIndex,
): string[] {
  const covered =
    found.projectionType === 'ALL' ||
    (wanted.type === 'INCLUDE' &&
      found.projectionType === 'INCLUDE' &&
      wanted.attributes.every((attribute) => found.nonKeyAttributes?.includes(attribute)));
  if (covered) return [];
  const needed = wanted.type === 'ALL' ? 'every attribute (ALL)' : wanted.attributes.join(', ');
  return [`index ${name} projects ${found.projectionType}; the app reads ${needed} through it`];
}

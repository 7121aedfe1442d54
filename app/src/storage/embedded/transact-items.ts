// What TransactWriteItems and TransactGetItems check of their items before they lock any: that
// every table exists, that no key holds an empty value, that no two actions name one item; and
// the capacity a transaction reports. Refusals here are the whole request's (a ValidationException
// or ResourceNotFoundException), as DynamoDB answers them before the transaction runs.
import { dynaliteDb, type Item, type Store, type TableDescription } from './dynalite-parts.js';
import type { LockedItem } from './item-locks.js';

/** The table's description; dynalite's ResourceNotFoundException when there is none. */
export function tableOf(store: Store, name: string): Promise<TableDescription> {
  return new Promise((resolve, reject) =>
    store.getTable(name, (error, table) => (error || !table ? reject(error) : resolve(table))),
  );
}

/** DynamoDB refuses an empty string or binary key value before a transaction runs. */
export function refuseEmptyKeyValues(keySource: Item, table: TableDescription): void {
  for (const { AttributeName } of table.KeySchema) {
    const value = keySource[AttributeName];
    const empty = value?.S === '' ? 'string' : value?.B === '' ? 'binary' : undefined;
    if (empty) {
      throw dynaliteDb.validationError(
        'One or more parameter values are not valid. The AttributeValue for a key attribute ' +
          `cannot contain an empty ${empty} value. Key: ${AttributeName}`,
      );
    }
  }
}

export function refuseDuplicates(items: readonly LockedItem[]): void {
  const seen = new Set(items.map((item) => JSON.stringify([item.table, item.key])));
  if (seen.size < items.length) {
    throw dynaliteDb.validationError(
      'Transaction request cannot include multiple operations on one item',
    );
  }
}

/** A transactional action's capacity, per table: DynamoDB reads or writes each item twice. */
export class TransactionCapacity {
  readonly units = new Map<string, number>();

  add(table: string, units: number): void {
    this.units.set(table, (this.units.get(table) ?? 0) + 2 * units);
  }
}

/** The answer's `ConsumedCapacity`, when the request asked for it. */
export function consumedCapacity(
  mode: string | undefined,
  units: ReadonlyMap<string, number>,
  kind: 'ReadCapacityUnits' | 'WriteCapacityUnits',
): { ConsumedCapacity?: object[] } {
  if (mode !== 'TOTAL' && mode !== 'INDEXES') return {};
  return {
    ConsumedCapacity: [...units].map(([TableName, CapacityUnits]) => ({
      TableName,
      CapacityUnits,
      [kind]: CapacityUnits,
      ...(mode === 'INDEXES' ? { Table: { CapacityUnits, [kind]: CapacityUnits } } : {}),
    })),
  };
}

// TransactGetItems: up to 100 Gets across tables, read as one snapshot. Every item is locked, in
// the same fixed order TransactWriteItems uses, before any is read, so no write to any of them
// lands between two of the reads. Each Get is dynalite's own GetItem (projection, key checks).
import { cancellationReason, transactionCanceled } from './answers.js';
import {
  actions,
  dynaliteDb,
  type DynaliteError,
  type Item,
  type Store,
} from './dynalite-parts.js';
import { lockItems, type LockedItem } from './item-locks.js';
import {
  TransactionCapacity,
  consumedCapacity,
  refuseDuplicates,
  refuseEmptyKeyValues,
  tableOf,
} from './transact-items.js';
import { parseTransactGet } from './transact-requests.js';

interface GetAnswer {
  readonly Item?: Item;
  readonly ConsumedCapacity?: { CapacityUnits: number };
}

function getItem(store: Store, data: Record<string, unknown>): Promise<GetAnswer> {
  return new Promise((resolve, reject) =>
    actions.getItem(
      store,
      { ...data, ConsistentRead: true, ReturnConsumedCapacity: 'TOTAL' },
      (error, answer) => (error ? reject(error) : resolve(answer as GetAnswer)),
    ),
  );
}

export async function transactGetItems(
  store: Store,
  raw: Record<string, unknown>,
): Promise<object> {
  const request = parseTransactGet(raw, store);
  const targets: (LockedItem | DynaliteError)[] = [];
  for (const { data } of request.actions) {
    const table = await tableOf(store, String(data.TableName));
    const key = data.Key as Item;
    refuseEmptyKeyValues(key, table);
    targets.push(
      dynaliteDb.validateKey(key, table) ?? {
        table: table.TableName,
        key: dynaliteDb.createKey(key, table),
      },
    );
  }
  const items = targets.filter((target): target is LockedItem => 'key' in target);
  refuseDuplicates(items);
  if (items.length < targets.length) {
    throw transactionCanceled(
      targets.map((target) => cancellationReason('key' in target ? undefined : target, undefined)),
    );
  }
  const release = await lockItems(store, items);
  try {
    const answers = await Promise.all(request.actions.map(({ data }) => getItem(store, data)));
    const capacity = new TransactionCapacity();
    answers.forEach((answer, i) =>
      capacity.add(
        String(request.actions[i]?.data.TableName),
        answer.ConsumedCapacity?.CapacityUnits ?? 0,
      ),
    );
    return {
      Responses: answers.map(({ Item }) => (Item ? { Item } : {})),
      ...consumedCapacity(request.returnConsumedCapacity, capacity.units, 'ReadCapacityUnits'),
    };
  } finally {
    release();
  }
}

// The guard's rules for TransactWriteItems and TransactGetItems, counted in UTF-8 bytes as
// DynamoDB counts them where dynalite counts UTF-16 code units (the embedded store itself checks
// the rest: 1 to 100 actions, the token's 1 to 36 characters, one action per item). Refused up
// front, as DynamoDB refuses them before the transaction runs: a put's item (nesting, key sizes,
// 400 KB), any key over its size, any value nested too deep, and more than 4 MB of items in
// all. Judged after it ran: an update that leaves an item DynamoDB would refuse; the
// transaction's items are put back as they were and it answers as DynamoDB does, cancelled with
// a ValidationError for that update.
import {
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  TransactionCanceledException,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import {
  itemBytes,
  itemRefusal,
  keyOf,
  keyRefusal,
  nestingRefusalOf,
  putTooBig,
  refusal,
  updateTooBig,
  type Item,
  type TableKeys,
} from './dynamo-limits.js';

export interface GuardContext {
  keysOf(table: string): Promise<TableKeys>;
  /** A client of the same store without the guard. */
  store(): Promise<DynamoDBClient>;
}

interface TransactAction {
  readonly TableName?: string;
  readonly Item?: Item;
  readonly Key?: Item;
  readonly ExpressionAttributeValues?: Item;
}

type Kind = 'Put' | 'Update' | 'Delete' | 'ConditionCheck' | 'Get';

export interface TransactInput {
  readonly TransactItems?: Partial<Record<Kind, TransactAction>>[];
}

const MAX_TRANSACTION_BYTES = 4 * 1024 * 1024;

/** Each entry's kind and action (the embedded store refuses an entry with two). */
function actionsOf(input: TransactInput): { kind: Kind; action: TransactAction }[] {
  return (input.TransactItems ?? []).flatMap((entry) =>
    Object.entries(entry).map(([kind, action]) => ({ kind: kind as Kind, action })),
  );
}

/** The table's keys; none when there is no such table, which the command itself answers. */
const keysIfAny = (context: GuardContext, table: string | undefined) =>
  context.keysOf(table ?? '').catch(() => undefined);

export async function checkTransaction(input: TransactInput, context: GuardContext) {
  let bytes = 0;
  for (const { kind, action } of actionsOf(input)) {
    const nested = nestingRefusalOf(action.ExpressionAttributeValues);
    if (nested) throw refusal(nested);
    const keys = await keysIfAny(context, action.TableName);
    if (kind === 'Put') {
      const item = action.Item ?? {};
      const refused = keys && itemRefusal(item, keys, putTooBig);
      if (refused) throw refusal(refused);
      bytes += itemBytes(item);
    } else {
      const key = action.Key ?? {};
      const refused = keys && keyRefusal(key, keys.table);
      if (refused) throw refusal(refused);
      bytes +=
        itemBytes(key) +
        (kind === 'Update' ? itemBytes(action.ExpressionAttributeValues ?? {}) : 0);
    }
  }
  if (bytes > MAX_TRANSACTION_BYTES) {
    throw refusal('The aggregate size of the items in the transaction cannot exceed 4 MB');
  }
}

interface Written {
  readonly position: number;
  readonly kind: Kind;
  readonly table: string;
  readonly key: Item;
  readonly keys: TableKeys;
}

/**
 * Runs the transaction and judges the items its updates leave; when one is over DynamoDB's
 * limits, every item the transaction wrote is put back as it was read before (by a client
 * without the guard). A test-only approximation, as the guard's single-update check is: a write
 * by someone else in between would be undone too, and the store keeps the transaction's
 * ClientRequestToken as used (an identical repeat would succeed without writing).
 */
export async function guardedTransaction<T>(
  input: TransactInput,
  context: GuardContext,
  run: () => Promise<T>,
): Promise<T> {
  const written: Written[] = [];
  for (const [position, { kind, action }] of actionsOf(input).entries()) {
    if (kind === 'ConditionCheck' || kind === 'Get') continue;
    const keys = await keysIfAny(context, action.TableName);
    if (!keys) return run();
    const key = kind === 'Put' ? keyOf(action.Item ?? {}, keys.table) : (action.Key ?? {});
    written.push({ position, kind, table: action.TableName ?? '', key, keys });
  }
  if (!written.some((write) => write.kind === 'Update')) return run();

  const store = await context.store();
  const read = (write: Written) =>
    store
      .send(new GetItemCommand({ TableName: write.table, Key: write.key, ConsistentRead: true }))
      .then((answer) => answer.Item);
  const before = await Promise.all(written.map(read));
  const result = await run();
  for (const write of written.filter((w) => w.kind === 'Update')) {
    const after = await read(write);
    const refused = after && itemRefusal(after, write.keys, updateTooBig);
    if (!refused) continue;
    await Promise.all(
      written.map((w, i) => {
        const item = before[i];
        return item
          ? store.send(new PutItemCommand({ TableName: w.table, Item: item }))
          : store.send(new DeleteItemCommand({ TableName: w.table, Key: w.key }));
      }),
    );
    const reasons = (input.TransactItems ?? []).map((_, i) =>
      i === write.position ? { Code: 'ValidationError', Message: refused } : { Code: 'None' },
    );
    const message =
      'Transaction cancelled, please refer cancellation reasons for specific reasons ' +
      `[${reasons.map((reason) => reason.Code).join(', ')}]`;
    throw new TransactionCanceledException({
      message,
      Message: message,
      CancellationReasons: reasons,
      $metadata: { httpStatusCode: 400 },
    });
  }
  return result;
}

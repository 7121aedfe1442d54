// TransactWriteItems: up to 100 Put, Update, Delete and ConditionCheck actions across tables,
// all or nothing. Each action is dynalite's own single-item action (see staged-write.ts); every
// item is locked, in a fixed order, before any is read, and their writes land in one batch, so
// no other write interleaves and no reader sees half of it. Any action refused (a condition, an
// item its update leaves invalid) cancels all, with a reason per action in request order.
import {
  cancellationReason,
  errorType,
  transactionCanceled,
  type CancellationReason,
} from './answers.js';
import {
  actions,
  dynaliteDb,
  type DynaliteError,
  type Item,
  type Store,
} from './dynalite-parts.js';
import { lockItems } from './item-locks.js';
import { parametersDigest, type RequestTokens } from './request-tokens.js';
import { commit, prepareWrite, type PreparedWrite, type WriteOutcome } from './staged-write.js';
import {
  TransactionCapacity,
  consumedCapacity,
  refuseDuplicates,
  refuseEmptyKeyValues,
  tableOf,
} from './transact-items.js';
import { operationOf, parseTransactWrite, type TransactAction } from './transact-requests.js';

/** Prepares an action; an action refused before it reads its item keeps its refusal. */
async function stage(store: Store, { kind, data }: TransactAction) {
  if (kind === 'Get') throw new Error('a Get is not a write');
  const action = actions[operationOf[kind]];
  try {
    return await prepareWrite(store, action, data, { readOnly: kind === 'ConditionCheck' });
  } catch (error) {
    if (errorType(error as DynaliteError) === 'ValidationException') return error as DynaliteError;
    throw error;
  }
}

const isPrepared = (staged: PreparedWrite | DynaliteError): staged is PreparedWrite =>
  'complete' in staged;

export async function transactWriteItems(
  store: Store,
  tokens: RequestTokens,
  raw: Record<string, unknown>,
): Promise<object> {
  const fingerprint = parametersDigest(raw);
  const request = parseTransactWrite(raw, store);
  const token =
    request.clientRequestToken === undefined
      ? undefined
      : tokens.use(request.clientRequestToken, fingerprint);
  if (token?.repeat) {
    return consumedCapacity(request.returnConsumedCapacity, token.readUnits, 'ReadCapacityUnits');
  }
  try {
    for (const { kind, data } of request.actions) {
      const table = await tableOf(store, String(data.TableName));
      refuseEmptyKeyValues((kind === 'Put' ? data.Item : data.Key) as Item, table);
    }
    const staged = await Promise.all(request.actions.map((action) => stage(store, action)));
    const prepared = staged.filter(isPrepared);
    refuseDuplicates(prepared);
    const release = await lockItems(store, prepared);
    try {
      const outcomes: WriteOutcome[] = await Promise.all(
        staged.map((write) => (isPrepared(write) ? write.complete() : { error: write, batch: [] })),
      );
      const reasons: CancellationReason[] = outcomes.map(({ error, before }, i) =>
        cancellationReason(
          error,
          request.actions[i]?.data.ReturnValuesOnConditionCheckFailure === 'ALL_OLD'
            ? before
            : undefined,
        ),
      );
      if (reasons.some((reason) => reason.Code !== 'None')) throw transactionCanceled(reasons);
      await commit(
        store,
        outcomes.flatMap((outcome) => outcome.batch),
      );
      const written = new TransactionCapacity();
      const read = new TransactionCapacity();
      outcomes.forEach(({ before, after }, i) => {
        const table = String(request.actions[i]?.data.TableName);
        written.add(
          table,
          Math.max(
            dynaliteDb.capacityUnits(before, false, true),
            dynaliteDb.capacityUnits(after, false, true),
          ),
        );
        read.add(table, dynaliteDb.capacityUnits(after ?? before, true, true));
      });
      if (token && !token.repeat) token.succeeded(read.units);
      return consumedCapacity(request.returnConsumedCapacity, written.units, 'WriteCapacityUnits');
    } finally {
      release();
    }
  } finally {
    if (token && !token.repeat) token.end();
  }
}

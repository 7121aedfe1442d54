// PutItem, UpdateItem and DeleteItem, as dynalite runs them, plus what dynalite drops:
// `ReturnValuesOnConditionCheckFailure`. With `ALL_OLD`, a write whose condition fails answers
// ConditionalCheckFailedException with the item as it stood (`Item`), read under the item's
// lock, so it is the very item the condition was refused on. The write itself lands in one
// batch with its index entries (dynalite's own path writes the entries first, then the item).
import { errorType } from './answers.js';
import { actions, operationValidations, type DynaliteError, type Store } from './dynalite-parts.js';
import { lockItems } from './item-locks.js';
import { commit, prepareWrite } from './staged-write.js';
import { validateRequest } from './transact-requests.js';

export type SingleWrite = 'putItem' | 'updateItem' | 'deleteItem';

const returnValuesOnConditionCheckFailure = { type: 'String', enum: ['ALL_OLD', 'NONE'] };

export async function singleWrite(
  operation: SingleWrite,
  store: Store,
  raw: Record<string, unknown>,
): Promise<object> {
  const validation = operationValidations[operation];
  const data = validateRequest(
    raw,
    {
      ...validation.types,
      ReturnValuesOnConditionCheckFailure: returnValuesOnConditionCheckFailure,
    },
    validation.custom,
    store,
  );
  const write = await prepareWrite(store, actions[operation], data);
  const release = await lockItems(store, [write]);
  try {
    const outcome = await write.complete();
    if (outcome.error) {
      throw withItem(
        outcome.error,
        data.ReturnValuesOnConditionCheckFailure === 'ALL_OLD' ? outcome.before : undefined,
      );
    }
    await commit(store, outcome.batch);
    return outcome.answer ?? {};
  } finally {
    release();
  }
}

function withItem(error: DynaliteError, item: object | undefined): DynaliteError {
  if (!item || !error.body || errorType(error) !== 'ConditionalCheckFailedException') return error;
  error.body = { ...error.body, Item: item } as typeof error.body;
  return error;
}

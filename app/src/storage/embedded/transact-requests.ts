// What a TransactWriteItems or TransactGetItems request may hold, described as dynalite describes
// its own operations, so that dynalite's validation checks it and words the refusal as DynamoDB
// does ("1 validation error detected: Value '…' at 'transactItems' failed to satisfy constraint:
// Member must have length less than or equal to 100"). Each action is then checked as dynalite
// checks the single operation it stands for (its expressions parsed, unused names and values
// refused, a put's item size), in request order, before any table is read.
import {
  dynaliteDb,
  operationValidations,
  validations,
  type Item,
  type MemberRules,
  type OperationValidation,
  type Store,
} from './dynalite-parts.js';

const tableName = {
  type: 'String',
  notNull: true,
  regex: '[a-zA-Z0-9_.-]+',
  lengthGreaterThanOrEqual: 3,
  lengthLessThanOrEqual: 255,
};
const attributes = { type: 'Map<AttributeValue>', children: 'AttrStruct<ValueStruct>' };
const requiredAttributes = { ...attributes, notNull: true };
const expressionNames = { type: 'Map<java.lang.String>', children: 'String' };
const returnConsumedCapacity = { type: 'String', enum: ['INDEXES', 'TOTAL', 'NONE'] };

/** The members every write action shares. */
const writeAction = (shape: string, members: MemberRules) => ({
  type: `FieldStruct<${shape}>`,
  children: {
    TableName: tableName,
    ConditionExpression: { type: 'String' },
    ExpressionAttributeNames: expressionNames,
    ExpressionAttributeValues: attributes,
    ReturnValuesOnConditionCheckFailure: { type: 'String', enum: ['ALL_OLD', 'NONE'] },
    ...members,
  },
});

/** A transaction's list of actions: 1 to 100 of them. */
const actionList = (shape: string, members: MemberRules) => ({
  type: 'List',
  notNull: true,
  lengthGreaterThanOrEqual: 1,
  lengthLessThanOrEqual: 100,
  children: { type: `ValueStruct<${shape}>`, children: members },
});

const transactWriteRules: MemberRules = {
  ClientRequestToken: { type: 'String', lengthGreaterThanOrEqual: 1, lengthLessThanOrEqual: 36 },
  ReturnConsumedCapacity: returnConsumedCapacity,
  ReturnItemCollectionMetrics: { type: 'String', enum: ['SIZE', 'NONE'] },
  TransactItems: actionList('TransactWriteItem', {
    ConditionCheck: writeAction('ConditionCheck', {
      Key: requiredAttributes,
      ConditionExpression: { type: 'String', notNull: true },
    }),
    Put: writeAction('Put', { Item: requiredAttributes }),
    Delete: writeAction('Delete', { Key: requiredAttributes }),
    Update: writeAction('Update', {
      Key: requiredAttributes,
      UpdateExpression: { type: 'String', notNull: true },
    }),
  }),
};

const transactGetRules: MemberRules = {
  ReturnConsumedCapacity: returnConsumedCapacity,
  TransactItems: actionList('TransactGetItem', {
    Get: {
      type: 'FieldStruct<Get>',
      notNull: true,
      children: {
        Key: requiredAttributes,
        TableName: tableName,
        ProjectionExpression: { type: 'String' },
        ExpressionAttributeNames: expressionNames,
      },
    },
  }),
};

export type WriteKind = 'ConditionCheck' | 'Put' | 'Delete' | 'Update';
const writeKinds: readonly WriteKind[] = ['ConditionCheck', 'Put', 'Delete', 'Update'];

/** The single operation whose checks (and, for the writes, whose action) each kind reuses. */
export const operationOf = {
  ConditionCheck: 'deleteItem',
  Put: 'putItem',
  Delete: 'deleteItem',
  Update: 'updateItem',
  Get: 'getItem',
} as const;

export interface TransactAction {
  readonly kind: WriteKind | 'Get';
  /** The action's members, as the single operation's own request would hold them. */
  readonly data: Record<string, unknown>;
}

export interface TransactRequest {
  readonly actions: readonly TransactAction[];
  readonly returnConsumedCapacity?: string;
  readonly clientRequestToken?: string;
}

const MAX_TRANSACTION_BYTES = 4 * 1024 * 1024;

/** Checks `raw` against `rules` and `custom` as dynalite checks its own operations. */
export function validateRequest(
  raw: unknown,
  rules: MemberRules,
  custom: OperationValidation['custom'] | undefined,
  store: Store,
): Record<string, unknown> {
  const data = validations.checkTypes(raw, rules);
  validations.checkValidations(data, rules, custom, store);
  return data;
}

/** Runs each action's own operation's checks in request order; the first refusal is the answer. */
function checkEachAction(actions: readonly TransactAction[], store: Store): void {
  for (const { kind, data } of actions) {
    const validation: OperationValidation = operationValidations[operationOf[kind]];
    const refused = validation.custom(data, store);
    if (refused) throw dynaliteDb.validationError(refused);
  }
}

/** What an action adds to a transaction's size: a put's item, the key and values of the rest. */
function actionBytes({ kind, data }: TransactAction): number {
  if (kind === 'Put') return dynaliteDb.itemSize(data.Item as Item);
  const values = (data.ExpressionAttributeValues ?? {}) as Item;
  return (
    dynaliteDb.itemSize(data.Key as Item) + (kind === 'Update' ? dynaliteDb.itemSize(values) : 0)
  );
}

export function parseTransactWrite(raw: unknown, store: Store): TransactRequest {
  const data = validateRequest(raw, transactWriteRules, undefined, store);
  const listed = data.TransactItems as Record<string, Record<string, unknown> | undefined>[];
  const actions = listed.map((entry) => {
    const present = writeKinds.filter((kind) => entry[kind] !== undefined);
    const [kind] = present;
    if (!kind || present.length > 1) {
      throw dynaliteDb.validationError(
        'TransactItems can only contain one of Check, Put, Update or Delete',
      );
    }
    return { kind, data: entry[kind] as Record<string, unknown> };
  });
  checkEachAction(actions, store);
  if (actions.reduce((sum, action) => sum + actionBytes(action), 0) > MAX_TRANSACTION_BYTES) {
    throw dynaliteDb.validationError(
      'The aggregate size of the items in the transaction cannot exceed 4 MB',
    );
  }
  return {
    actions,
    returnConsumedCapacity: data.ReturnConsumedCapacity as string | undefined,
    clientRequestToken: data.ClientRequestToken as string | undefined,
  };
}

export function parseTransactGet(raw: unknown, store: Store): TransactRequest {
  const data = validateRequest(raw, transactGetRules, undefined, store);
  const listed = data.TransactItems as { Get: Record<string, unknown> }[];
  const actions = listed.map((entry) => ({ kind: 'Get' as const, data: entry.Get }));
  checkEachAction(actions, store);
  return { actions, returnConsumedCapacity: data.ReturnConsumedCapacity as string | undefined };
}

// The usage counters in DynamoDB (docs/storage.md, "Usage counters"). A tenant's month is one
// partition: an item of the tenant's totals with its breakdowns by template key and by model,
// and one item a user with the user's month and each of its days. A model call adds to both
// items, each with one conditional UpdateItem; a budget check reads both (and the tenant's own
// budget) in one BatchGetItem. Every item stays a few kilobytes whatever the tenant's size.
//
// An add is counted once however often it is sent: each item keeps the ids of the adds of the
// last few minutes, one string set a minute in a ring of four, and an add whose id is already
// in its minute's set is not added again. So a write retried after a lost answer (the SDK
// retries a timed-out or 5xx call, which may have landed) never counts twice, while adds from
// any number of instances, racing on one item, each count exactly once: ADD is atomic.
import { createHash } from 'node:crypto';
import {
  BatchGetCommand,
  DeleteCommand,
  GetCommand,
  PutCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import {
  noSpend,
  type SpendAdd,
  type SpendCounters,
  type SpendTotals,
  type TenantMonthSpend,
} from '../budgets/spend-records.js';
import { dayOf, monthOf } from '../domain/kernel.js';
import { ServiceUnavailableError } from '../errors.js';
import { ifCondition, queryAll, storageCall, type Dynamo, type TransactItem } from './dynamo.js';

type Item = Record<string, unknown>;
type Key = { readonly pk: string; readonly sk: string };

/** Each total's attribute. */
const fields: Readonly<Record<keyof SpendTotals, string>> = {
  costNanos: 'cost_nanos',
  inputTokens: 'input_tokens',
  outputTokens: 'output_tokens',
  cacheReadTokens: 'cache_read_tokens',
  cacheWriteTokens: 'cache_write_tokens',
  calls: 'calls',
  turns: 'turns',
  analyses: 'analyses',
};
const totalNames = Object.keys(fields) as (keyof SpendTotals)[];
/** A day carries what GET /usage shows of it. */
const dayNames = totalNames.filter((name) => name !== 'turns' && name !== 'analyses');

const monthPartition = (tenantId: string, month: string) => `tenant#${tenantId}#${month}`;
const TENANT_ITEM = 'tenant';
/** A user id may be 256 four-byte characters, past a sort key's 1024 bytes: the item names its digest. */
const userItem = (userId: string) =>
  `user#${createHash('sha256').update(userId).digest('base64url')}`;
const budgetKey = (tenantId: string): Key => ({ pk: `tenant#${tenantId}`, sk: 'budget' });
const SUBJECT = 'subject#';
const MODEL = 'model#';
const DAY = 'day#';

/** Minutes of add ids each item keeps: a retry later than 3 minutes is no longer recognised. */
const ADD_SLOTS = 4;
/** BatchGetItem rounds for keys DynamoDB leaves unprocessed (only under throttling here). */
const UNPROCESSED_ROUNDS = 4;

/** The totals under `prefix` (`` for the item's own, `day#07#` for a day's). */
function totalsOf(item: Item | undefined, prefix = ''): SpendTotals {
  if (!item) return noSpend;
  const read = (name: keyof SpendTotals) => Number(item[`${prefix}${fields[name]}`] ?? 0);
  return Object.fromEntries(totalNames.map((name) => [name, read(name)])) as unknown as SpendTotals;
}

/** Every breakdown under `prefix` (`subject#`, `model#`): its key → its totals. */
function breakdown(item: Item | undefined, prefix: string): Map<string, SpendTotals> {
  const keys = new Set<string>();
  for (const attribute of Object.keys(item ?? {})) {
    // `{prefix}{key}#{field}`: fields hold no `#`, keys may.
    if (attribute.startsWith(prefix))
      keys.add(attribute.slice(prefix.length, attribute.lastIndexOf('#')));
  }
  return new Map([...keys].map((key) => [key, totalsOf(item, `${prefix}${key}#`)]));
}

/** The counters an add puts on an item: `names` of `spend`, each under `prefix`, zeros left out. */
function counters(
  spend: SpendTotals,
  prefix: string,
  names: readonly (keyof SpendTotals)[] = totalNames,
): Record<string, number> {
  return Object.fromEntries(
    names
      .filter((name) => spend[name] > 0)
      .map((name) => [`${prefix}${fields[name]}`, spend[name]]),
  );
}

/** What an add puts on each of its two items: the tenant's month and the user's. */
function itemAdds(add: SpendAdd) {
  const month = monthOf(add.at);
  const day = dayOf(add.at).slice(8);
  const pk = monthPartition(add.tenantId, month);
  const identity = { tenant_id: add.tenantId, month };
  return [
    {
      key: { pk, sk: TENANT_ITEM },
      identity,
      values: {
        ...counters(add.spend, ''),
        ...counters(add.spend, `${SUBJECT}${add.subject}#`),
        ...counters(add.spend, `${MODEL}${add.model}#`),
      },
    },
    {
      key: { pk, sk: userItem(add.userId) },
      identity: { ...identity, user_id: add.userId },
      values: { ...counters(add.spend, ''), ...counters(add.spend, `${DAY}${day}#`, dayNames) },
    },
  ];
}

/** The parts of an update that sets an item's identity and adds to its counters. */
function addExpression(identity: Item, values: Record<string, number>) {
  const names: Record<string, string> = {};
  const attributeValues: Record<string, unknown> = {};
  const sets: string[] = [];
  for (const [i, [name, value]] of Object.entries(identity).entries()) {
    names[`#i${i}`] = name;
    attributeValues[`:i${i}`] = value;
    sets.push(`#i${i} = :i${i}`);
  }
  const adds: string[] = [];
  for (const [i, [name, value]] of Object.entries(values).entries()) {
    names[`#c${i}`] = name;
    attributeValues[`:c${i}`] = value;
    adds.push(`#c${i} :c${i}`);
  }
  return { names, values: attributeValues, sets, adds };
}

/**
 * An add as actions of a transaction that carries what the spend bought (a turn's commit): the
 * transaction's own token, not the items' add ids, makes a repeat write nothing, so the adds
 * are plain (and leave the ids of single adds alone).
 */
export function spendUpdates(table: string, add: SpendAdd): TransactItem[] {
  return itemAdds(add).map(({ key, identity, values }) => {
    const expression = addExpression(identity, values);
    return {
      Update: {
        TableName: table,
        Key: key,
        UpdateExpression: `SET ${expression.sets.join(', ')} ADD ${expression.adds.join(', ')}`,
        ExpressionAttributeNames: expression.names,
        ExpressionAttributeValues: expression.values,
      },
    };
  });
}

export function createUsageCounters(dynamo: Dynamo, table: string): SpendCounters {
  const { doc } = dynamo;
  return {
    async add(add) {
      const minute = Math.floor(add.at.getTime() / 60_000);
      const outcomes = await Promise.all(
        itemAdds(add).map(({ key, identity, values }) =>
          addOnce(doc, table, key, identity, add.id, minute, values),
        ),
      );
      if (outcomes.includes('too late')) {
        throw new Error(`add ${add.id} of minute ${minute} came after its minute's ids were gone`);
      }
    },

    async snapshot(tenantId, userId, at, options) {
      const pk = monthPartition(tenantId, monthOf(at));
      const tenantKey = { pk, sk: TENANT_ITEM };
      const userKey = { pk, sk: userItem(userId) };
      const keys = [tenantKey, userKey, ...(options.tenantBudget ? [budgetKey(tenantId)] : [])];
      const items = await batchGet(doc, table, keys);
      const find = (key: Key) => items.find((i) => i.pk === key.pk && i.sk === key.sk);
      const user = find(userKey);
      return {
        tenantMonth: totalsOf(find(tenantKey)),
        userMonth: totalsOf(user),
        userDay: totalsOf(user, `${DAY}${dayOf(at).slice(8)}#`),
        ...(options.tenantBudget ? { tenantBudgetUsd: budgetOf(find(budgetKey(tenantId))) } : {}),
      };
    },

    async tenantMonth(tenantId, month): Promise<TenantMonthSpend> {
      const items = await queryAll(doc, {
        TableName: table,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': monthPartition(tenantId, month) },
        ConsistentRead: true,
      });
      const tenant = items.find((i) => i.sk === TENANT_ITEM);
      const users = items.filter((i) => typeof i.user_id === 'string');
      return {
        totals: totalsOf(tenant),
        byUser: new Map(users.map((u) => [String(u.user_id), totalsOf(u)])),
        bySubject: breakdown(tenant, SUBJECT),
        byModel: breakdown(tenant, MODEL),
      };
    },

    async tenantBudget(tenantId) {
      const found = await storageCall(() =>
        doc.send(
          new GetCommand({ TableName: table, Key: budgetKey(tenantId), ConsistentRead: true }),
        ),
      );
      return budgetOf(found.Item);
    },

    async setTenantBudget(tenantId, monthlyUsd, by, at) {
      const key = budgetKey(tenantId);
      if (monthlyUsd === null) {
        await storageCall(() => doc.send(new DeleteCommand({ TableName: table, Key: key })));
        return;
      }
      const item = {
        ...key,
        tenant_id: tenantId,
        monthly_usd: String(monthlyUsd),
        updated_by: by,
        updated_at: at.toISOString(),
      };
      await storageCall(() => doc.send(new PutCommand({ TableName: table, Item: item })));
    },
  };
}

/** Kept as the number's own text: any amount the API takes, down to 1e-300, stores exactly. */
const budgetOf = (item: Item | undefined): number | null =>
  typeof item?.monthly_usd === 'string' ? Number(item.monthly_usd) : null;

async function batchGet(
  doc: DynamoDBDocumentClient,
  table: string,
  keys: readonly Key[],
): Promise<Item[]> {
  const items: Item[] = [];
  let request: Record<string, { Keys: Item[]; ConsistentRead: boolean }> = {
    [table]: { Keys: keys.map((k) => ({ pk: k.pk, sk: k.sk })), ConsistentRead: true },
  };
  for (let round = 1; ; round++) {
    const result = await storageCall(() =>
      doc.send(new BatchGetCommand({ RequestItems: request })),
    );
    items.push(...(result.Responses?.[table] ?? []));
    const unprocessed = result.UnprocessedKeys ?? {};
    if (Object.keys(unprocessed).length === 0) return items;
    if (round === UNPROCESSED_ROUNDS) {
      throw new ServiceUnavailableError('dynamodb', 2, 'usage counters left unread (throttled)');
    }
    await new Promise((resolve) => setTimeout(resolve, 25 * 2 ** round));
    request = unprocessed as typeof request;
  }
}

type AddOutcome = 'added' | 'repeated' | 'too late';

/**
 * Adds `values` to the item unless its minute's set already holds `id`. Two forms: the minute's
 * slot holds this minute's ids (or none) and gains the id; or it holds an older minute's, and is
 * replaced by this one (a slot only moves forward, so a late add never clears newer ids).
 */
async function addOnce(
  doc: DynamoDBDocumentClient,
  table: string,
  key: Key,
  identity: Item,
  id: string,
  minute: number,
  values: Record<string, number>,
): Promise<AddOutcome> {
  const slot = minute % ADD_SLOTS;
  const expression = addExpression(identity, values);
  const names = { ...expression.names, '#ids': `adds#${slot}`, '#at': `adds#${slot}#at` };
  const attributeValues = { ...expression.values, ':ids': new Set([id]), ':minute': minute };
  const sets = ['#at = :minute', ...expression.sets];
  const adds = expression.adds;
  const forms = {
    sameMinute: {
      update: `SET ${sets.join(', ')} ADD ${[...adds, '#ids :ids'].join(', ')}`,
      condition: '(attribute_not_exists(#at) OR #at = :minute) AND NOT contains(#ids, :id)',
      // DynamoDB refuses a value the expressions do not use: only this form names the id alone.
      values: { ...attributeValues, ':id': id },
    },
    newMinute: {
      update: `SET ${[...sets, '#ids = :ids'].join(', ')} ADD ${adds.join(', ')}`,
      condition: '#at < :minute',
      values: attributeValues,
    },
  };
  // A slot another add moves on in between is tried again in the first form.
  for (const form of [forms.sameMinute, forms.newMinute, forms.sameMinute]) {
    const written = await ifCondition(() =>
      doc.send(
        new UpdateCommand({
          TableName: table,
          Key: key,
          UpdateExpression: form.update,
          ConditionExpression: form.condition,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: form.values,
        }),
      ),
    );
    if (written) return 'added';
  }
  const found = await storageCall(() =>
    doc.send(new GetCommand({ TableName: table, Key: key, ConsistentRead: true })),
  );
  const ids = found.Item?.[`adds#${slot}`];
  return ids instanceof Set && ids.has(id) ? 'repeated' : 'too late';
}

// DynamoDB's own limits in front of dynalite, which is looser: it measures strings in UTF-16 code
// units where DynamoDB counts UTF-8 bytes, and accepts any nesting depth. Installed as SDK
// middleware on every DynamoDB client the tests build (the app's through compose's `instrument`
// hook), it refuses what DynamoDB would with the ValidationException DynamoDB sends, so a write
// that fails in AWS fails in the test suite first. The limits are in dynamo-limits.ts; what it
// adds for transactions is in dynamo-guard-transactions.ts.
import {
  DeleteItemCommand,
  DescribeTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import {
  checkTransaction,
  guardedTransaction,
  type GuardContext,
  type TransactInput,
} from './dynamo-guard-transactions.js';
import {
  itemRefusal,
  keyRefusal,
  nestingRefusalOf,
  putTooBig,
  refusal,
  tableKeys,
  updateTooBig,
  type Item,
  type TableKeys,
} from './dynamo-limits.js';

interface CommandInput {
  readonly TableName?: string;
  readonly Key?: Item;
  readonly Item?: Item;
  readonly ExpressionAttributeValues?: Item;
  /** BatchWriteItem's lists of requests, or BatchGetItem's `{ Keys }` a table. */
  readonly RequestItems?: Record<
    string,
    { PutRequest?: { Item?: Item }; DeleteRequest?: { Key?: Item } }[] | { Keys?: Item[] }
  >;
}

const fail = (refused: string | undefined) => {
  if (refused) throw refusal(refused);
};

/**
 * Installs the guard on a DynamoDB client (the aggregated client and the document client's
 * underlying one alike). It asks the store for each table's keys once, over its own client.
 */
export function guardLikeDynamoDb<C extends object>(client: C): C {
  if (!(client instanceof DynamoDBClient)) return client;
  let raw: Promise<DynamoDBClient> | undefined;
  const rawClient = () =>
    (raw ??= (async () => {
      const endpoint = await client.config.endpoint?.();
      const url = endpoint
        ? `${endpoint.protocol}//${endpoint.hostname}:${endpoint.port ?? ''}${endpoint.path}`
        : undefined;
      return new DynamoDBClient({
        region: await client.config.region(),
        endpoint: url,
        credentials: await client.config.credentials(),
        maxAttempts: 1,
        // A store that never answers (a fault test's) fails the guard's own reads too.
        requestHandler: new NodeHttpHandler({ requestTimeout: 5000, throwOnRequestTimeout: true }),
      });
    })());
  const described = new Map<string, Promise<TableKeys>>();
  const keysOf = (table: string) => {
    let keys = described.get(table);
    if (!keys) {
      keys = rawClient()
        .then((c) => c.send(new DescribeTableCommand({ TableName: table })))
        .then((d) => tableKeys(d.Table));
      // A missing table is DynamoDB's own error to give, on the command itself.
      keys.catch(() => described.delete(table));
      described.set(table, keys);
    }
    return keys;
  };
  const context: GuardContext = { keysOf, store: rawClient };

  async function checkWrite(commandName: string, input: CommandInput): Promise<void> {
    const table = input.TableName ?? '';
    const checks: Promise<void>[] = [];
    const key = input.Key;
    if (key) {
      checks.push(keysOf(table).then((keys) => fail(keyRefusal(key, keys.table))));
    }
    const item = input.Item;
    if (item && commandName === 'PutItemCommand') {
      checks.push(keysOf(table).then((keys) => fail(itemRefusal(item, keys, putTooBig))));
    }
    fail(nestingRefusalOf(input.ExpressionAttributeValues));
    const batch = Object.entries(input.RequestItems ?? {});
    const gets = batch.flatMap(([, r]) => (Array.isArray(r) ? [] : (r.Keys ?? [])));
    if (gets.length > 100) fail('Too many items requested for the BatchGetItem call');
    for (const [name, listed] of batch) {
      const requests = Array.isArray(listed) ? listed : [listed];
      for (const request of requests) {
        const put = 'PutRequest' in request ? request.PutRequest?.Item : undefined;
        const keysToCheck = [
          ...('DeleteRequest' in request && request.DeleteRequest?.Key
            ? [request.DeleteRequest.Key]
            : []),
          ...('Keys' in request ? (request.Keys ?? []) : []),
        ];
        checks.push(
          keysOf(name).then((keys) => {
            if (put) fail(itemRefusal(put, keys, putTooBig));
            for (const k of keysToCheck) fail(keyRefusal(k, keys.table));
          }),
        );
      }
    }
    await Promise.all(checks);
  }

  /** An update is judged on the item it leaves; one DynamoDB would refuse is put back. */
  async function guardedUpdate<T>(input: CommandInput, run: () => Promise<T>): Promise<T> {
    const table = input.TableName ?? '';
    const key = input.Key ?? {};
    const store = await rawClient();
    const keys = await keysOf(table);
    const read = () =>
      store.send(new GetItemCommand({ TableName: table, Key: key, ConsistentRead: true }));
    const before = (await read()).Item;
    const result = await run();
    const after = (await read()).Item;
    const refused = after && itemRefusal(after, keys, updateTooBig);
    if (refused) {
      if (before) await store.send(new PutItemCommand({ TableName: table, Item: before }));
      else await store.send(new DeleteItemCommand({ TableName: table, Key: key }));
      throw refusal(refused);
    }
    return result;
  }

  client.middlewareStack.add(
    (next, handlerContext) => async (args) => {
      const input = args.input as CommandInput;
      const commandName = handlerContext.commandName ?? '';
      await checkWrite(commandName, input);
      if (commandName === 'UpdateItemCommand') return guardedUpdate(input, () => next(args));
      if (commandName === 'TransactGetItemsCommand') {
        await checkTransaction(args.input as TransactInput, context);
      }
      if (commandName === 'TransactWriteItemsCommand') {
        const transaction = args.input as TransactInput;
        await checkTransaction(transaction, context);
        return guardedTransaction(transaction, context, () => next(args));
      }
      return next(args);
    },
    // After the document client's marshalling, so the input is in DynamoDB's attribute format.
    { step: 'build', name: 'dynamoDbLimitsGuard', override: true },
  );
  return client;
}

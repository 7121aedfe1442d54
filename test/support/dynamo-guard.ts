// DynamoDB's own limits in front of dynalite, which is looser: it measures strings in UTF-16 code
// units where DynamoDB counts UTF-8 bytes, and accepts any nesting depth. Installed as SDK
// middleware on every DynamoDB client the tests build (the app's through compose's `instrument`
// hook), it refuses what DynamoDB would with the ValidationException DynamoDB sends, so a write
// that fails in AWS fails in the test suite first.
import {
  DeleteItemCommand,
  DescribeTableCommand,
  DynamoDBClient,
  DynamoDBServiceException,
  GetItemCommand,
  PutItemCommand,
  type AttributeValue,
  type TableDescription,
} from '@aws-sdk/client-dynamodb';

const MAX_ITEM_BYTES = 400 * 1024;
const MAX_HASH_KEY_BYTES = 2048;
const MAX_RANGE_KEY_BYTES = 1024;
const MAX_NESTING = 32;

type Item = Record<string, AttributeValue>;

const utf8 = (s: string) => Buffer.byteLength(s, 'utf8');

/** DynamoDB's documented size of a number: about one byte per two significant digits, plus one. */
function numberBytes(text: string): number {
  const digits = text.replace(/^[-+]/, '').replace(/e.*$/i, '').replace('.', '');
  const significant = digits.replace(/^0+/, '').replace(/0+$/, '');
  return Math.ceil(Math.max(significant.length, 1) / 2) + 1;
}

/** A value's size as DynamoDB counts it ("Item sizes and formats"). */
export function valueBytes(value: AttributeValue): number {
  if (value.S !== undefined) return utf8(value.S);
  if (value.N !== undefined) return numberBytes(value.N);
  if (value.B !== undefined) return value.B.length;
  if (value.BOOL !== undefined || value.NULL !== undefined) return 1;
  if (value.SS) return value.SS.reduce((sum, s) => sum + utf8(s), 0);
  if (value.NS) return value.NS.reduce((sum, n) => sum + numberBytes(n), 0);
  if (value.BS) return value.BS.reduce((sum, b) => sum + b.length, 0);
  if (value.L) return 3 + value.L.reduce((sum, v) => sum + 1 + valueBytes(v), 0);
  if (value.M) return 3 + Object.values(value.M).length + itemBytes(value.M);
  return 0;
}

/** An item's size: every attribute's name and value. */
export function itemBytes(item: Item): number {
  return Object.entries(item).reduce(
    (sum, [name, value]) => sum + utf8(name) + valueBytes(value),
    0,
  );
}

function depth(value: AttributeValue): number {
  const children = value.M ? Object.values(value.M) : value.L;
  return children ? 1 + Math.max(0, ...children.map(depth)) : 0;
}

function refusal(message: string): DynamoDBServiceException {
  return new DynamoDBServiceException({
    name: 'ValidationException',
    $fault: 'client',
    message,
    $metadata: { httpStatusCode: 400 },
  });
}

const invalid = 'One or more parameter values were invalid: ';
const hashKeyTooLong = `${invalid}Size of hashkey has exceeded the maximum size limit of2048 bytes`;
const rangeKeyTooLong = `${invalid}Aggregated size of all range keys has exceeded the size limit of 1024 bytes`;

interface KeySchema {
  readonly hash: string;
  readonly range?: string;
}

interface TableKeys {
  readonly table: KeySchema;
  readonly indexes: readonly KeySchema[];
}

function keySchema(elements: { AttributeName?: string; KeyType?: string }[] = []): KeySchema {
  const named = (type: string) => elements.find((e) => e.KeyType === type)?.AttributeName;
  return { hash: named('HASH') ?? '', range: named('RANGE') };
}

function tableKeys(description: TableDescription | undefined): TableKeys {
  return {
    table: keySchema(description?.KeySchema),
    indexes: [
      ...(description?.GlobalSecondaryIndexes ?? []),
      ...(description?.LocalSecondaryIndexes ?? []),
    ].map((index) => keySchema(index.KeySchema)),
  };
}

function keyBytes(value: AttributeValue | undefined): number {
  if (value?.S !== undefined) return utf8(value.S);
  if (value?.B !== undefined) return value.B.length;
  return 0; // numbers are always short enough
}

/** The refusal a key (of the table, or of an index the item is written to) earns, if any. */
function keyRefusal(item: Item, schema: KeySchema): string | undefined {
  if (keyBytes(item[schema.hash]) > MAX_HASH_KEY_BYTES) return hashKeyTooLong;
  if (schema.range && keyBytes(item[schema.range]) > MAX_RANGE_KEY_BYTES) return rangeKeyTooLong;
  return undefined;
}

/** What DynamoDB refuses in an item to be written: nesting, key sizes, the item's size. */
function itemRefusal(item: Item, keys: TableKeys, tooBig: string): string | undefined {
  if (Object.values(item).some((value) => depth(value) > MAX_NESTING)) {
    return 'Nesting Levels have exceeded supported limits';
  }
  for (const schema of [keys.table, ...keys.indexes]) {
    const refused = keyRefusal(item, schema);
    if (refused) return refused;
  }
  return itemBytes(item) > MAX_ITEM_BYTES ? tooBig : undefined;
}

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

  const fail = (refused: string | undefined) => {
    if (refused) throw refusal(refused);
  };

  async function checkWrite(commandName: string, input: CommandInput): Promise<void> {
    const table = input.TableName ?? '';
    const checks: Promise<void>[] = [];
    const key = input.Key;
    if (key) {
      checks.push(keysOf(table).then((keys) => fail(keyRefusal(key, keys.table))));
    }
    const item = input.Item;
    if (item && commandName === 'PutItemCommand') {
      const tooBig = 'Item size has exceeded the maximum allowed size';
      checks.push(keysOf(table).then((keys) => fail(itemRefusal(item, keys, tooBig))));
    }
    for (const value of Object.values(input.ExpressionAttributeValues ?? {})) {
      if (depth(value) > MAX_NESTING) fail('Nesting Levels have exceeded supported limits');
    }
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
            if (put) {
              fail(itemRefusal(put, keys, 'Item size has exceeded the maximum allowed size'));
            }
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
    const refused =
      after &&
      itemRefusal(after, keys, 'Item size to update has exceeded the maximum allowed size');
    if (refused) {
      if (before) await store.send(new PutItemCommand({ TableName: table, Item: before }));
      else await store.send(new DeleteItemCommand({ TableName: table, Key: key }));
      throw refusal(refused);
    }
    return result;
  }

  client.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as CommandInput;
      const commandName = context.commandName ?? '';
      await checkWrite(commandName, input);
      if (commandName === 'UpdateItemCommand') return guardedUpdate(input, () => next(args));
      return next(args);
    },
    // After the document client's marshalling, so the input is in DynamoDB's attribute format.
    { step: 'build', name: 'dynamoDbLimitsGuard', override: true },
  );
  return client;
}

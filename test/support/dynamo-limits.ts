// DynamoDB's limits on what it stores, counted as DynamoDB counts them (UTF-8 bytes, nesting
// levels), with the refusal each earns: what the guard (dynamo-guard.ts) holds every write to.
import {
  DynamoDBServiceException,
  type AttributeValue,
  type TableDescription,
} from '@aws-sdk/client-dynamodb';

export type Item = Record<string, AttributeValue>;

export const MAX_ITEM_BYTES = 400 * 1024;
const MAX_HASH_KEY_BYTES = 2048;
const MAX_RANGE_KEY_BYTES = 1024;
/**
 * A value may hold containers 31 deep: DynamoDB counts the attribute as level 1 and refuses a
 * leaf at level 33 (32 nested maps), as captured against DynamoDB in paritysuite's
 * dynamodb-conformance (tests/tier3/limits/nestingDepth.test.ts).
 */
const MAX_CONTAINER_DEPTH = 31;

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

/** How many containers (maps, lists) a value nests. */
function depth(value: AttributeValue): number {
  const children = value.M ? Object.values(value.M) : value.L;
  return children ? 1 + Math.max(0, ...children.map(depth)) : 0;
}

export const nestingRefusal =
  'Nesting Levels have exceeded supported limits: Attributes in the item have nested levels beyond supported limit';

/** The refusal a map of values (an item, expression values) earns for its nesting, if any. */
export function nestingRefusalOf(values: Item | undefined): string | undefined {
  return Object.values(values ?? {}).some((value) => depth(value) > MAX_CONTAINER_DEPTH)
    ? nestingRefusal
    : undefined;
}

export function refusal(message: string): DynamoDBServiceException {
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

export interface KeySchema {
  readonly hash: string;
  readonly range?: string;
}

export interface TableKeys {
  readonly table: KeySchema;
  readonly indexes: readonly KeySchema[];
}

function keySchema(elements: { AttributeName?: string; KeyType?: string }[] = []): KeySchema {
  const named = (type: string) => elements.find((e) => e.KeyType === type)?.AttributeName;
  return { hash: named('HASH') ?? '', range: named('RANGE') };
}

export function tableKeys(description: TableDescription | undefined): TableKeys {
  return {
    table: keySchema(description?.KeySchema),
    indexes: [
      ...(description?.GlobalSecondaryIndexes ?? []),
      ...(description?.LocalSecondaryIndexes ?? []),
    ].map((index) => keySchema(index.KeySchema)),
  };
}

/** The table key of an item: its key attributes alone. */
export function keyOf(item: Item, schema: KeySchema): Item {
  return Object.fromEntries(
    [schema.hash, schema.range]
      .filter((name): name is string => name !== undefined && item[name] !== undefined)
      .map((name) => [name, item[name] as AttributeValue]),
  );
}

function keyBytes(value: AttributeValue | undefined): number {
  if (value?.S !== undefined) return utf8(value.S);
  if (value?.B !== undefined) return value.B.length;
  return 0; // numbers are always short enough
}

/** The refusal a key (of the table, or of an index the item is written to) earns, if any. */
export function keyRefusal(item: Item, schema: KeySchema): string | undefined {
  if (keyBytes(item[schema.hash]) > MAX_HASH_KEY_BYTES) return hashKeyTooLong;
  if (schema.range && keyBytes(item[schema.range]) > MAX_RANGE_KEY_BYTES) return rangeKeyTooLong;
  return undefined;
}

/** What DynamoDB refuses in an item to be written: nesting, key sizes, the item's size. */
export function itemRefusal(item: Item, keys: TableKeys, tooBig: string): string | undefined {
  const nested = nestingRefusalOf(item);
  if (nested) return nested;
  for (const schema of [keys.table, ...keys.indexes]) {
    const refused = keyRefusal(item, schema);
    if (refused) return refused;
  }
  return itemBytes(item) > MAX_ITEM_BYTES ? tooBig : undefined;
}

export const putTooBig = 'Item size has exceeded the maximum allowed size';
export const updateTooBig = 'Item size to update has exceeded the maximum allowed size';

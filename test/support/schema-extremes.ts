// fast-check generators of a JSON Schema's documented extremes, read from the served OpenAPI
// document: strings at, just under and just past each length the schema names (minLength,
// maxLength, the bounds inside a pattern's quantifiers) in 4-byte emoji, combining marks and
// CJK as well as ASCII, padded with whitespace or not; enums in and out of case; arrays at and
// past their item limits; numbers of extreme magnitude; client JSON nested to the contract's
// depth and one past it. Values are JSON trees (JsonNode), so a number JavaScript cannot hold
// (9007199254740993) and keys such as `__proto__` reach the wire exactly as written.
import fc from 'fast-check';

export type JsonNode =
  | null
  | boolean
  | string
  | { readonly raw: string }
  | readonly JsonNode[]
  | { readonly entries: readonly (readonly [string, JsonNode])[] };

const isRaw = (node: JsonNode): node is { raw: string } =>
  typeof node === 'object' && node !== null && 'raw' in node;
const isObject = (node: JsonNode): node is { entries: readonly (readonly [string, JsonNode])[] } =>
  typeof node === 'object' && node !== null && !Array.isArray(node) && 'entries' in node;

/** The JSON text of a tree, numbers as their literals. */
export function jsonText(node: JsonNode): string {
  if (node === null || typeof node === 'boolean') return String(node);
  if (typeof node === 'string') return JSON.stringify(node);
  if (isRaw(node)) return node.raw;
  if (isObject(node)) {
    return `{${node.entries.map(([k, v]) => `${JSON.stringify(k)}:${jsonText(v)}`).join(',')}}`;
  }
  return `[${(node as readonly JsonNode[]).map(jsonText).join(',')}]`;
}

/**
 * How deep the tree nests objects and arrays (a scalar is 0), as a JSON parser reads it: of a
 * key written twice in one object, the last value is the one that counts.
 */
export function depthOf(node: JsonNode): number {
  if (isObject(node)) {
    const read = new Map(node.entries);
    return 1 + Math.max(0, ...[...read.values()].map(depthOf));
  }
  if (Array.isArray(node)) return 1 + Math.max(0, ...node.map(depthOf));
  return 0;
}

type Schema = Readonly<Record<string, unknown>>;

/** Numbers at the edges of what JSON and JavaScript can say. */
export const extremeNumbers = [
  '1e308',
  '-1e308',
  '-0',
  '0',
  '1e-300',
  '5e-324',
  '9007199254740993',
  '-9007199254740993',
  '1e16',
  '0.1',
  '123456789012345678901234567890',
] as const;

/** One code point each, of one to four UTF-8 bytes; and a letter with its combining accent. */
const units = ['a', 'é', '漢', '😀', '\u{10FFFF}'] as const;
const spaces = fc.constantFrom('', ' ', '  ', '\t', '\n ', '\u00a0', '\u3000');

/** Exactly `n` code points (what zod and JSON Schema count), in one kind of character. */
function codePoints(n: number): fc.Arbitrary<string> {
  if (n <= 0) return fc.constant('');
  return fc.oneof(
    fc.constantFrom(...units).map((u) => u.repeat(n)),
    // e + U+0301 is two code points; an odd n ends on a plain letter.
    fc.constant('e\u0301'.repeat(Math.floor(n / 2)) + (n % 2 ? 'x' : '')),
    // Mixed, with spaces inside but a letter at each end, so trimming keeps all n.
    fc
      .array(fc.constantFrom(...units, ' ', '.'), { minLength: n, maxLength: n })
      .map((chars) => ['x', ...chars.slice(1, -1), ...(n > 1 ? ['y'] : [])].join('')),
  );
}

/**
 * The lengths worth trying for a string schema: each bound it names (minLength, maxLength, the
 * bounds inside a pattern's quantifiers, which is where a trimmed field keeps its limits), and
 * one either side of it. Most land inside, so most requests get past validation.
 */
function lengthsOf(schema: Schema): { inside: number[]; outside: number[] } {
  const bounds = new Set<number>();
  if (typeof schema.minLength === 'number') bounds.add(schema.minLength);
  if (typeof schema.maxLength === 'number') bounds.add(schema.maxLength);
  // `[\s\S]{8,9998}` between two non-spaces: the trimmed text is 10 to 10000 long.
  const pattern = typeof schema.pattern === 'string' ? schema.pattern : '';
  for (const match of pattern.matchAll(/\{(\d+)(?:,(\d+))?\}/g)) {
    for (const n of [match[1], match[2]]) if (n !== undefined) bounds.add(Number(n) + 2);
  }
  if (bounds.size === 0) bounds.add(1);
  const sorted = [...bounds].sort((x, y) => x - y);
  const low = sorted[0] ?? 1;
  const high = sorted.at(-1) ?? 1;
  return {
    inside: [low, high, Math.ceil((low + high) / 2), ...sorted].filter((n) => n >= 0),
    outside: [low - 1, high + 1, 0].filter((n) => n >= 0 && (n < low || n > high)),
  };
}

function sizedString(lengths: readonly number[]): fc.Arbitrary<string> {
  return fc
    .constantFrom(...lengths)
    .chain((n) => fc.tuple(spaces, codePoints(n), spaces))
    .map(([before, text, after]) => before + text + after);
}

function stringOf(schema: Schema): fc.Arbitrary<string> {
  const choices = Array.isArray(schema.enum) ? (schema.enum as string[]) : undefined;
  if (choices) {
    return fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom(...choices) },
      fc.constantFrom(...choices).map((c) => ` ${c.toUpperCase()} `),
      fc.constantFrom(...choices).map((c) => `${c}x`),
    );
  }
  const { inside, outside } = lengthsOf(schema);
  return fc.oneof(
    { weight: 6, arbitrary: sizedString(inside) },
    ...(outside.length > 0 ? [{ weight: 2, arbitrary: sizedString(outside) }] : []),
    { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
  );
}

function numberOf(schema: Schema): fc.Arbitrary<JsonNode> {
  const min = typeof schema.minimum === 'number' ? schema.minimum : undefined;
  const max = typeof schema.maximum === 'number' ? schema.maximum : undefined;
  const inside = [
    min,
    max,
    min !== undefined && max !== undefined ? Math.floor((min + max) / 2) : undefined,
  ]
    .filter((v): v is number => v !== undefined)
    .map(String);
  const outside = [min, max]
    .filter((v): v is number => v !== undefined)
    .flatMap((v) => [v - 1, v + 1, v + 0.5].map(String));
  return fc
    .oneof(...(inside.length > 0 ? [{ weight: 3, arbitrary: fc.constantFrom(...inside) }] : []), {
      weight: 2,
      arbitrary: fc.constantFrom(...outside, ...extremeNumbers),
    })
    .map((raw) => ({ raw }));
}

/** Keys a client may use: unicode, empty, and the ones object prototypes are made of. */
const clientKey = fc.oneof(
  fc.constantFrom('__proto__', 'constructor', 'toString', '', 'ключ', '😀', 'a.b', '$ref'),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }),
);

/** A leaf of client JSON: extreme numbers, long multibyte strings, the JSON constants. */
const clientLeaf: fc.Arbitrary<JsonNode> = fc.oneof(
  fc.constantFrom(...extremeNumbers).map((raw) => ({ raw })),
  fc.constantFrom<JsonNode>(null, true, false, ''),
  fc.integer({ min: 1, max: 3000 }).chain((n) => codePoints(n)),
);

/** Client JSON (context, metadata) nested exactly `depth` levels, with extremes at each level. */
function clientJsonOfDepth(depth: number): fc.Arbitrary<JsonNode> {
  if (depth === 0) return clientLeaf;
  const inner = clientJsonOfDepth(depth - 1);
  return fc.oneof(
    fc
      .tuple(clientKey, inner, fc.array(fc.tuple(clientKey, clientLeaf), { maxLength: 3 }))
      .map(([key, deep, rest]) => ({ entries: [[key, deep] as const, ...rest] })),
    fc.tuple(inner, fc.array(clientLeaf, { maxLength: 3 })).map(([deep, rest]) => [deep, ...rest]),
  );
}

/** The deepest nesting the contract promises to store ("Client data": 20 levels). */
export const CLIENT_JSON_DEPTH = 20;

/** A client JSON object: wide or deep, up to one level past what the contract allows. */
export const clientObject: fc.Arbitrary<JsonNode> = fc.oneof(
  fc.array(fc.tuple(clientKey, clientLeaf), { maxLength: 8 }).map((entries) => ({ entries })),
  fc
    .constantFrom(2, 10, CLIENT_JSON_DEPTH - 1, CLIENT_JSON_DEPTH, CLIENT_JSON_DEPTH + 1)
    .chain((depth) => clientJsonOfDepth(depth - 1))
    .map((deep) => ({ entries: [['deep', deep] as const] })),
  // Many numbers in one object: what a marshaller must carry without loss.
  fc
    .array(fc.constantFrom(...extremeNumbers), { minLength: 20, maxLength: 200 })
    .map((raws) => ({ entries: raws.map((raw, i) => [`n${i}`, { raw }] as const) })),
);

/** Resolves `$ref`s against the document. */
export type Resolve = (schema: Schema) => Schema;

/** Values for a schema, mostly inside its limits and often just outside them. */
export function extremesOf(schema: Schema, resolve: Resolve): fc.Arbitrary<JsonNode> {
  const s = resolve(schema);
  const branches = (s.anyOf ?? s.oneOf) as Schema[] | undefined;
  if (branches) return fc.oneof(...branches.map((b) => extremesOf(b, resolve)));
  const type = Array.isArray(s.type) ? (s.type[0] as string) : (s.type as string | undefined);
  switch (type) {
    case 'string':
      return stringOf(s);
    case 'integer':
    case 'number':
      return numberOf(s);
    case 'boolean':
      return fc.boolean();
    case 'array':
      return arrayOf(s, resolve);
    case 'object':
      return objectOf(s, resolve);
    default:
      return clientLeaf;
  }
}

function arrayOf(schema: Schema, resolve: Resolve): fc.Arbitrary<JsonNode> {
  const min = typeof schema.minItems === 'number' ? schema.minItems : 0;
  const max = typeof schema.maxItems === 'number' ? schema.maxItems : 20;
  const item = extremesOf((schema.items ?? {}) as Schema, resolve);
  const counts = [...new Set([min - 1, min, max, max + 1])].filter((n) => n >= 0);
  return fc.oneof(
    // A full array of one extreme item: the largest body the schema allows.
    fc.tuple(fc.constantFrom(...counts), item).map(([n, one]) => Array<JsonNode>(n).fill(one)),
    fc.constantFrom(...counts).chain((n) => fc.array(item, { minLength: n, maxLength: n })),
  );
}

function objectOf(schema: Schema, resolve: Resolve): fc.Arbitrary<JsonNode> {
  const properties = schema.properties as Readonly<Record<string, Schema>> | undefined;
  if (!properties || Object.keys(properties).length === 0) {
    // Client JSON (`additionalProperties: {}`) or an object with no fields of its own.
    return schema.additionalProperties === undefined ? fc.constant({ entries: [] }) : clientObject;
  }
  const required = new Set((schema.required as string[] | undefined) ?? []);
  const fields = Object.entries(properties).map(([name, inner]) =>
    fc
      .tuple(
        // A required field is nearly always sent; an optional one about half the time.
        fc.integer({ min: 0, max: 9 }).map((roll) => (required.has(name) ? roll > 0 : roll > 4)),
        extremesOf(inner, resolve),
      )
      .map(([present, value]) => (present ? [[name, value] as const] : [])),
  );
  return fc.tuple(...fields).map((parts) => ({ entries: parts.flat() }));
}

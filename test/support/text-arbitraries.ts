// fast-check generators for the text a client may send: words and sentences in several
// scripts, 4-byte emoji, combining marks and odd whitespace, from a few characters up to a
// field's limit, and JSON business contexts built from them. Property tests of the offline
// answers and the boundary fuzzer share them.
import fc from 'fast-check';

/** Single code points and clusters that stress length counting and slicing. */
export const trickyUnits = [
  'é',
  'e\u0301',
  'ß',
  '漢',
  'ع',
  '😀',
  '👩‍👩‍👧',
  '🇩🇪',
  '\u200b',
  '\u00a0',
  '\t',
  '\n',
  '.',
  '!',
  '?',
  '"',
  ',',
  '%',
  '7',
] as const;

const plainWords = [
  'customer',
  'customers',
  'revenue',
  'team',
  'support',
  'late',
  'overloaded',
  'strong',
  'loyal',
  'competitors',
  'grow',
  'by',
  '20%',
  'every',
  'quarter',
  'honest',
  'family',
  'integrity',
  'and',
  'the',
  'not',
  'because',
  'Monday',
  'price',
  'partners',
  'demand',
  'new',
];

/** A word: a plain one, a run of tricky units, or a very long token with no space in it. */
export const word = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...plainWords) },
  { weight: 2, arbitrary: fc.string({ unit: fc.constantFrom(...trickyUnits), maxLength: 12 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 }) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom('x', 'é', '😀', 'e\u0301', '漢'), fc.integer({ min: 30, max: 900 }))
      .map(([unit, n]) => unit.repeat(n)),
  },
);

/** At most `max` code points: what the schemas (zod and JSON Schema alike) count as length. */
export const firstCodePoints = (text: string, max: number) => [...text].slice(0, max).join('');

/** Prose of words and sentence ends, clipped to at most `max` code points. */
export function prose(max: number, minWords = 1): fc.Arbitrary<string> {
  const separator = fc.constantFrom(' ', ' ', ' ', '. ', '! ', '? ', ', ', '\n', '  ');
  return fc
    .array(fc.tuple(word, separator), { minLength: minWords, maxLength: Math.min(400, max) })
    .map((parts) => parts.map(([w, s]) => w + s).join(''))
    .map((text) => firstCodePoints(text, max));
}

/** Text of a length chosen across the whole range, with weight near the limit. */
export function textUpTo(max: number, min = 0): fc.Arbitrary<string> {
  const filled = fc
    .tuple(prose(max), fc.constantFrom(...trickyUnits, 'a', ' '))
    .map(([text, pad]) => firstCodePoints(text + pad.repeat(max), max));
  return fc
    .oneof(prose(max), filled, fc.string({ unit: 'grapheme', maxLength: max }))
    .filter((text) => [...text.trim()].length >= min);
}

/** A business context as clients send it: the keys the analyses read, with any JSON values. */
export const businessContext = fc.dictionary(
  fc.constantFrom(
    'purpose',
    'mission',
    'purpose_statement',
    'core_values',
    'values',
    'goals',
    'goal',
    'opportunities',
    'market',
    'owner',
    'role',
  ),
  fc.oneof(
    textUpTo(2000),
    fc.array(textUpTo(300), { maxLength: 60 }),
    fc.array(word, { maxLength: 60 }),
    fc.jsonValue({ maxDepth: 2 }),
  ),
  { maxKeys: 6 },
);

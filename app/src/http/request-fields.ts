// Request fields whose accepted input a plain JSON Schema reading would misstate: text that is
// trimmed before its length is judged, choices accepted in any case, boolean spellings in a
// query. Each validates as the service always has, and carries the JSON Schema that accepts
// exactly the same raw values, so a client validating with the OpenAPI document never rejects
// what the service accepts, nor accepts what it rejects.
import { z } from 'zod';

/**
 * Raw text whose trimmed part is `min`–`max` code points long (zod and JSON Schema both count
 * code points; `\s` is the whitespace `trim` removes): everything before the first and after
 * the last non-space is whitespace, and what lies between has the right length.
 */
export function trimmedLengthPattern(min: number, max: number): string {
  const inner = (low: number) => `[\\s\\S]{${low},${max - 2}}`;
  if (max === 1) return min === 1 ? '^\\s*\\S\\s*$' : '^\\s*\\S?\\s*$';
  if (min >= 2) return `^\\s*\\S${inner(min - 2)}\\S\\s*$`;
  const core = `\\S(?:${inner(0)}\\S)?`;
  return min === 1 ? `^\\s*${core}\\s*$` : `^\\s*(?:${core})?\\s*$`;
}

/** Text trimmed before its length is judged; the document says so and matches it exactly. */
export function trimmedText(
  min: number,
  max: number,
  options: { readonly what?: string; readonly tooShort?: string } = {},
) {
  const { what, tooShort } = options;
  const limits =
    min > 0
      ? `${min}–${max} characters once leading and trailing whitespace is trimmed`
      : `At most ${max} characters once leading and trailing whitespace is trimmed`;
  return z
    .string()
    .trim()
    .min(min, tooShort)
    .max(max)
    .meta({
      // A `type` replaces the generated schema, whose maxLength would refuse a raw value that
      // passes `max` only by its surrounding whitespace: the pattern judges the length.
      type: 'string',
      ...(min > 0 ? { minLength: min } : {}),
      pattern: trimmedLengthPattern(min, max),
      description: what ? `${what}. ${limits}.` : `${limits}.`,
    });
}

/** `swot` as `[Ss][Ww][Oo][Tt]`: the same choice in any case, with surrounding spaces. */
function anyCasePattern(choices: readonly string[]): string {
  const anyCase = (choice: string) =>
    [...choice]
      .map((c) => (c.toLowerCase() === c.toUpperCase() ? c : `[${c.toUpperCase()}${c}]`))
      .join('');
  return `^\\s*(?:${choices.map(anyCase).join('|')})\\s*$`;
}

/**
 * One of `choices`, in any case and trimmed; the document lists them (`enum`) and also admits
 * their other spellings, as the service does.
 */
export function anyCaseChoice<const T extends readonly [string, ...string[]]>(
  choices: T,
  what: string,
) {
  return z
    .string()
    .trim()
    .toLowerCase()
    .pipe(z.enum(choices))
    .meta({
      anyOf: [
        { type: 'string', enum: [...choices] },
        { type: 'string', pattern: anyCasePattern(choices) },
      ],
      description: `${what}: ${choices.join(', ')}, in any case (surrounding spaces are ignored).`,
    });
}

// The spellings the original (FastAPI) accepted for a boolean query value, in any case.
const truthy = ['true', '1', 'yes', 'on'] as const;
const falsy = ['false', '0', 'no', 'off'] as const;

/** A boolean query value: `true`/`false` or the other spellings FastAPI took, in any case. */
export function booleanQuery(what: string, byDefault: boolean) {
  return z
    .string()
    .trim()
    .toLowerCase()
    .pipe(z.enum([...truthy, ...falsy], { message: 'expected true or false' }))
    .transform((v) => (truthy as readonly string[]).includes(v))
    .default(byDefault)
    .meta({
      // On the wire a query value is a string, so the document says so: one type, no
      // alternatives of other types (Redoc cannot merge those), the spellings as a pattern.
      type: 'string',
      default: String(byDefault),
      pattern: anyCasePattern([...truthy, ...falsy]),
      description:
        `${what}. \`true\` or \`false\`; also \`1\`/\`0\`, \`yes\`/\`no\` and \`on\`/\`off\`, ` +
        'in any case.',
    });
}

/** How deep the client's own JSON may nest; the object itself is level 1. */
export const MAX_CLIENT_JSON_DEPTH = 20;

interface Break {
  readonly path: (string | number)[];
  readonly message: string;
}

/** Where a value first breaks the rule (too deep, or a number past a double), if it does. */
function firstBreak(value: unknown, level: number, path: (string | number)[]): Break | undefined {
  if (typeof value === 'number' && !Number.isFinite(value)) {
    return { path, message: 'Number is out of range' };
  }
  if (value === null || typeof value !== 'object') return undefined;
  if (level > MAX_CLIENT_JSON_DEPTH) {
    return { path, message: `Nested deeper than ${MAX_CLIENT_JSON_DEPTH} levels` };
  }
  const members: [string | number, unknown][] = Array.isArray(value)
    ? value.map((member, i) => [i, member])
    : Object.entries(value);
  for (const [key, member] of members) {
    const broken = firstBreak(member, level + 1, [...path, key]);
    if (broken) return broken;
  }
  return undefined;
}

/**
 * The client's own JSON object (`context`, `metadata`), handed on exactly as parsed: a record
 * schema would rebuild it and silently drop a key such as `__proto__`, which is the client's
 * as much as any other. Deeper nesting than storage is built for, or a number too large for a
 * double (`1e400`), is a 422 at the place it happens (storage/item-values.ts keeps the rest).
 */
export function clientJson(description: string) {
  return z
    .custom<Record<string, unknown>>(
      (value) => typeof value === 'object' && value !== null && !Array.isArray(value),
      { message: 'Invalid input: expected object', params: { type: 'type' } },
    )
    .superRefine((value, ctx) => {
      const broken = firstBreak(value, 1, []);
      if (broken) ctx.addIssue({ code: 'custom', path: broken.path, message: broken.message });
    })
    .default({})
    .meta({
      type: 'object',
      additionalProperties: {},
      default: {},
      description: `${description}. Up to ${MAX_CLIENT_JSON_DEPTH} levels of nesting (the object itself is the first)`,
    });
}

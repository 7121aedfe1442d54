// The schema of the client's own JSON objects (`context`, `metadata`): any JSON object, up to 20
// levels deep, its numbers finite. Deeper nesting, or a number too large for a double (`1e400`),
// is a 422 at the place it happens; storage keeps the rest as sent (storage/client-json.ts).
import { z } from 'zod';

export const MAX_CLIENT_JSON_DEPTH = 20;

interface Break {
  readonly path: (string | number)[];
  readonly message: string;
}

/** Where a value first breaks the rule (the object itself is level 1), if it does. */
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

export const clientJsonObject = z
  .record(z.string(), z.unknown())
  .superRefine((value, ctx) => {
    const broken = firstBreak(value, 1, []);
    if (broken) ctx.addIssue({ code: 'custom', path: broken.path, message: broken.message });
  })
  .describe(`A JSON object of the client's own, up to ${MAX_CLIENT_JSON_DEPTH} levels deep`);

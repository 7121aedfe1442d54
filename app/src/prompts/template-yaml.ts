// A template's YAML text to its validated form. Apart from template.ts so the YAML parser loads
// with the first template read (a coaching turn, an analysis), not with the app.
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { InvalidTemplateError } from './template.js';

/** Parses and validates one template's YAML text; throws InvalidTemplateError naming the key. */
export function parseTemplate<T>(key: string, yamlText: string, schema: z.ZodType<T>): T {
  let data: unknown;
  try {
    data = parseYaml(yamlText);
  } catch (error) {
    throw new InvalidTemplateError(key, `not YAML (${(error as Error).message.split('\n')[0]})`);
  }
  const result = schema.safeParse(data);
  if (!result.success) {
    const first = result.error.issues[0];
    const where = first?.path.join('.') || '(root)';
    throw new InvalidTemplateError(key, `${where}: ${first?.message ?? 'does not match the schema'}`);
  }
  return result.data;
}

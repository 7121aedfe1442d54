// The stack's configuration as the Pulumi CLI hands it to the program: Pulumi.yaml's declared
// defaults under Pulumi.<stack>.yaml's values, with the CLI's own checks applied first. The
// offline plan has no CLI, so without these a stack the CLI would refuse planned without a word.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';

/** A key declared in Pulumi.yaml's `config:` block. */
interface Declaration {
  readonly type?: string;
  readonly items?: ItemsType;
  readonly default?: unknown;
  readonly value?: unknown;
}

interface ItemsType {
  readonly type: string;
  readonly items?: ItemsType;
}

export interface StackConfigFiles {
  readonly project: string;
  /** Every value by its qualified key (`project:key`, `aws:region`). */
  readonly config: Record<string, unknown>;
}

/**
 * Pulumi.yaml's defaults under the stack file's values under `overrides`, keys qualified. Throws
 * what `pulumi preview` answers when a declared key without a default is not set by the stack,
 * or when a value does not have its declared type.
 */
export function readStackConfigFiles(
  root: string,
  stack: string,
  overrides: Record<string, unknown>,
): StackConfigFiles {
  const projectFile = parseYaml(readFileSync(path.join(root, 'Pulumi.yaml'), 'utf8')) as {
    name: string;
    config?: Record<string, unknown>;
  };
  const project = projectFile.name;
  const qualify = (key: string) => (key.includes(':') ? key : `${project}:${key}`);
  const stackFile = parseYaml(readFileSync(path.join(root, `Pulumi.${stack}.yaml`), 'utf8')) as {
    config?: Record<string, unknown>;
  } | null;
  const set: Record<string, unknown> = {};
  for (const [key, value] of Object.entries({ ...(stackFile?.config ?? {}), ...overrides })) {
    set[qualify(key)] = value;
  }

  const declarations = Object.entries(projectFile.config ?? {}).map(
    ([key, declared]) => [key, asDeclaration(declared)] as const,
  );
  // The CLI's order: every missing key in one message, then the first value of a wrong type.
  const missing = declarations
    .filter(([, d]) => d.default === undefined && d.value === undefined)
    .filter(([key]) => !(qualify(key) in set) && qualify(key).startsWith(`${project}:`))
    .map(([key]) => key);
  if (missing.length > 0) throw new Error(missingKeysMessage(stack, missing));

  const config: Record<string, unknown> = {};
  for (const [key, d] of declarations) {
    const value = d.value ?? d.default;
    if (value !== undefined) config[qualify(key)] = value;
  }
  Object.assign(config, set);

  for (const [key, d] of [...declarations].sort(([a], [b]) => a.localeCompare(b))) {
    const value = config[qualify(key)];
    if (d.type && value !== undefined && !isSecure(value) && !hasType(d.type, d.items, value)) {
      throw new Error(
        `Stack '${stack}' with configuration key '${key}' must be of type '${typeName(d.type, d.items)}'`,
      );
    }
  }
  return { project, config };
}

/** The CLI's wording: `'a'`, `'a' and 'b'`, `'a', 'b' and 'c'`, sorted. */
export function missingKeysMessage(stack: string, keys: readonly string[]): string {
  const quoted = [...keys].sort().map((key) => `'${key}'`);
  const listed =
    quoted.length === 1 ? quoted[0] : `${quoted.slice(0, -1).join(', ')} and ${quoted.at(-1)}`;
  return `Stack '${stack}' is missing configuration value${quoted.length > 1 ? 's' : ''} ${listed}`;
}

/** A shorthand declaration (`key: value`) is a value; a typed one is an object with `type`. */
function asDeclaration(declared: unknown): Declaration {
  const isObject = typeof declared === 'object' && declared !== null && !Array.isArray(declared);
  return isObject && ('type' in declared || 'default' in declared || 'value' in declared)
    ? (declared as Declaration)
    : { value: declared };
}

function isSecure(value: unknown): boolean {
  return typeof value === 'object' && value !== null && 'secure' in value;
}

function typeName(type: string, items?: ItemsType): string {
  return items ? `array<${typeName(items.type, items.items)}>` : type;
}

/**
 * The CLI keeps a scalar config value as text and a structured one as JSON, and checks types on
 * that: a scalar passes as a string, an integer is text that parses as one, a boolean is the text
 * true or false; array items are checked as the JSON values they are.
 */
function hasType(type: string, items: ItemsType | undefined, value: unknown): boolean {
  const structured = typeof value === 'object' && value !== null;
  if (structured) return type === 'array' && arrayHasItems(items, value);
  const text = String(value);
  if (type === 'string') return true;
  if (type === 'integer') return /^[+-]?\d+$/.test(text);
  if (type === 'boolean') return text === 'true' || text === 'false';
  return false;
}

function arrayHasItems(items: ItemsType | undefined, value: unknown): boolean {
  if (!Array.isArray(value) || !items) return false;
  return value.every((item: unknown) => {
    if (items.type === 'string') return typeof item === 'string';
    if (items.type === 'integer') {
      return Number.isInteger(item) || (typeof item === 'string' && /^[+-]?\d+$/.test(item));
    }
    if (items.type === 'boolean')
      return typeof item === 'boolean' || item === 'true' || item === 'false';
    return items.type === 'array' && arrayHasItems(items.items, item);
  });
}

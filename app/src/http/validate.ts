// Request validation: a zod schema applied to one part of the request, its failures turned into
// the contract's 422 `detail` list of {loc, msg, type}.
import type { z } from 'zod';
import { ValidationError, type ValidationIssue } from '../errors.js';

type Part = 'body' | 'query' | 'path' | 'header';

function issueType(issue: z.core.$ZodIssue, input: unknown): string {
  switch (issue.code) {
    case 'invalid_type':
      return input === undefined ? 'missing' : 'type';
    case 'invalid_value':
      return input === undefined ? 'missing' : 'enum';
    case 'too_small':
      return issue.origin === 'string'
        ? 'string_too_short'
        : issue.origin === 'array'
          ? 'too_few_items'
          : 'too_small';
    case 'too_big':
      return issue.origin === 'string'
        ? 'string_too_long'
        : issue.origin === 'array'
          ? 'too_many_items'
          : 'too_big';
    case 'invalid_format':
      return 'format';
    case 'custom':
      // A custom check may name its type (client JSON that is not an object is a `type`).
      return typeof issue.params?.type === 'string' ? issue.params.type : 'value_error';
    default:
      return 'value_error';
  }
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

export function toIssues(
  part: Part,
  error: z.ZodError,
  input: unknown,
  field?: string,
): ValidationIssue[] {
  return error.issues.map((issue) => {
    const loc = [
      part,
      ...(field === undefined ? [] : [field]),
      ...issue.path.map((p) => (typeof p === 'number' ? p : String(p))),
    ];
    const value = valueAt(input, issue.path);
    const missing =
      (issue.code === 'invalid_type' || issue.code === 'invalid_value') && value === undefined;
    return { loc, msg: missing ? 'Field required' : issue.message, type: issueType(issue, value) };
  });
}

/** Validates one part of the request; `field` names a single value (e.g. one header). */
export function validate<S extends z.ZodType>(
  part: Part,
  schema: S,
  input: unknown,
  field?: string,
): z.output<S> {
  const result = schema.safeParse(input);
  if (!result.success) throw new ValidationError(toIssues(part, result.error, input, field));
  return result.data;
}

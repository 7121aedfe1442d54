// A template's content to its validated form, exactly as the service reads it before serving:
// UTF-8 within a size limit, YAML without alias bombs or deep nesting, the schema of its kind,
// the key it is stored under, an allowed model, and only placeholders the service fills.
// Loaded with the first template read (and by the admin use cases), never with the app.
import { isMap, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import { InvalidTemplateError, type ValidationIssue } from '../errors.js';
import { filledFields } from './placeholders.js';
import { kindOf, type PromptKey } from './prompt-keys.js';
import {
  analysisTemplateSchema,
  coachingTemplateSchema,
  suggestionTemplateSchema,
  type AnalysisTemplate,
  type CoachingTemplate,
  type SuggestionTemplate,
} from './template.js';

/** Over three times the largest template shipped in prompts/. */
export const MAX_TEMPLATE_BYTES = 32 * 1024;
/** Collections inside collections; the templates use at most five. */
const MAX_DEPTH = 10;
/** Anchors and aliases are allowed, a few: a handful cannot blow up. */
const MAX_ALIASES = 20;

export interface TemplateRules {
  /** Model ids a template may name; unset, any. */
  readonly allowedModels?: readonly string[];
}

export type TemplateOf<K extends PromptKey> = K extends `coaching/${string}`
  ? CoachingTemplate
  : K extends `analysis/${string}`
    ? AnalysisTemplate
    : SuggestionTemplate;

const schemas = {
  coaching: coachingTemplateSchema,
  analysis: analysisTemplateSchema,
  suggestion: suggestionTemplateSchema,
};

const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** False for text with a lone surrogate, which has no UTF-8 form. */
export function wellFormed(text: string): boolean {
  return !loneSurrogate.test(text);
}

/** Checks one template's content; throws InvalidTemplateError listing what is wrong. */
export function checkTemplate<K extends PromptKey>(
  key: K,
  content: string | Uint8Array,
  rules: TemplateRules = {},
): TemplateOf<K> {
  const fail = (issues: ValidationIssue[]): never => {
    throw new InvalidTemplateError(key, issues);
  };
  const text = decoded(content) ?? fail([issue([], 'not UTF-8 text', 'encoding')]);
  // U+FFFD is what a lenient reader (a JSON body's) makes of bytes that were not UTF-8.
  if (text.includes('\uFFFD')) {
    fail([issue([], 'not UTF-8 text: it holds U+FFFD, the mark of undecodable bytes', 'encoding')]);
  }
  const bytes = typeof content === 'string' ? Buffer.byteLength(content) : content.byteLength;
  if (bytes > MAX_TEMPLATE_BYTES) {
    fail([issue([], `${bytes} bytes, over the limit of ${MAX_TEMPLATE_BYTES}`, 'too_large')]);
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
  const yamlIssues = [...doc.errors, ...doc.warnings].map((problem) =>
    issue([], `${at(lines, problem.pos[0])}${problem.message.split('\n')[0]}`, 'yaml'),
  );
  if (yamlIssues.length > 0) fail(yamlIssues);
  if (depthOf(doc) > MAX_DEPTH) {
    fail([issue([], `nested more than ${MAX_DEPTH} levels deep`, 'too_deep')]);
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIASES });
  } catch (error) {
    fail([issue([], `aliases expand too far (${(error as Error).message})`, 'yaml')]);
  }

  const schema = schemas[kindOf(key)] as unknown as z.ZodType<TemplateOf<K>>;
  const parsed = schema.safeParse(data);
  if (!parsed.success) {
    fail(
      parsed.error.issues.map((problem) => {
        const loc = problem.path.map((part) => (typeof part === 'number' ? part : String(part)));
        return issue(loc, `${problem.message}${lineOf(doc, lines, loc)}`, problem.code);
      }),
    );
  }
  const template = (parsed as { data: TemplateOf<K> }).data;
  const issues = [
    ...keyMismatch(key, template),
    ...escapedSurrogates(template),
    ...modelIssues(template, rules),
    ...placeholderIssues(key, template),
  ].map((found) => ({ ...found, msg: `${found.msg}${lineOf(doc, lines, found.loc)}` }));
  if (issues.length > 0) fail(issues);
  return template;
}

function issue(loc: (string | number)[], msg: string, type: string): ValidationIssue {
  return { loc, msg, type };
}

function decoded(content: string | Uint8Array): string | undefined {
  if (typeof content === 'string') return wellFormed(content) ? content : undefined;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(content);
  } catch {
    return undefined;
  }
}

function at(lines: LineCounter, offset: number | undefined): string {
  if (offset === undefined) return '';
  const { line, col } = lines.linePos(offset);
  return `line ${line}, column ${col}: `;
}

/** " (line N)" for the node at a path, or the nearest parent that exists. */
function lineOf(doc: Document, lines: LineCounter, loc: readonly (string | number)[]): string {
  for (let length = loc.length; length > 0; length--) {
    const node = doc.getIn(loc.slice(0, length), true) as { range?: [number, number] } | undefined;
    if (node?.range) return ` (line ${lines.linePos(node.range[0]).line})`;
  }
  return '';
}

/** How deep collections nest, walked without recursion (the document may be hostile). */
function depthOf(doc: Document): number {
  let deepest = 0;
  const stack: { node: unknown; depth: number }[] = [{ node: doc.contents, depth: 0 }];
  for (let next = stack.pop(); next; next = stack.pop()) {
    const { node, depth } = next;
    if (isMap(node)) {
      deepest = Math.max(deepest, depth + 1);
      for (const pair of node.items) {
        stack.push({ node: pair.key, depth: depth + 1 }, { node: pair.value, depth: depth + 1 });
      }
    } else if (isSeq(node)) {
      deepest = Math.max(deepest, depth + 1);
      for (const item of node.items) stack.push({ node: item, depth: depth + 1 });
    }
  }
  return deepest;
}

/** A template stored under another template's key would serve the wrong conversation. */
function keyMismatch(key: PromptKey, template: TemplateOf<PromptKey>): ValidationIssue[] {
  const expected = key.split('/')[1];
  if ('topic' in template && template.topic !== expected) {
    return [issue(['topic'], `must be ${expected}, the topic of ${key}`, 'key_mismatch')];
  }
  if ('analysis_type' in template && template.analysis_type !== expected) {
    return [issue(['analysis_type'], `must be ${expected}, the type of ${key}`, 'key_mismatch')];
  }
  return [];
}

function modelIssues(template: TemplateOf<PromptKey>, rules: TemplateRules): ValidationIssue[] {
  const modelId = template.model.model_id;
  if (!modelId || !rules.allowedModels || rules.allowedModels.includes(modelId)) return [];
  return [
    issue(
      ['model', 'model_id'],
      `model ${modelId} is not one of the allowed models`,
      'model_not_allowed',
    ),
  ];
}

/** Every string of the template with its path. */
function* textsOf(value: unknown, path: string[] = []): Generator<[string[], string]> {
  if (typeof value === 'string') yield [path, value];
  else if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) yield* textsOf(item, [...path, String(index)]);
  } else if (value && typeof value === 'object') {
    for (const [name, item] of Object.entries(value)) yield* textsOf(item, [...path, name]);
  }
}

/** A YAML escape (`"\ud800"`) can write a lone surrogate into well-formed text; no model takes it. */
function escapedSurrogates(template: TemplateOf<PromptKey>): ValidationIssue[] {
  return [...textsOf(template)]
    .filter(([, text]) => !wellFormed(text))
    .map(([path]) => issue(path, 'an escape makes text that is not well-formed Unicode', 'encoding'));
}

/** Anything written as `{{…}}`, well-formed or not, since none of it may reach the model. */
const anySlot = /\{\{(.*?)\}\}/g;

function placeholderIssues(key: PromptKey, template: TemplateOf<PromptKey>): ValidationIssue[] {
  const fields = filledFields(key);
  const issues: ValidationIssue[] = [];
  for (const [path, text] of textsOf(template)) {
    const field = fields.find((f) => f.path.join('.') === path.join('.'));
    const used = [...text.matchAll(anySlot)].map((match) => (match[1] ?? '').trim());
    for (const name of used) {
      if (!field) {
        issues.push(issue(path, `{{${name}}} is never filled in this field`, 'unknown_placeholder'));
      } else if (!field.names.includes(name)) {
        issues.push(
          issue(
            path,
            `{{${name}}} is not filled here; the service fills ${field.names.map((n) => `{{${n}}}`).join(', ')}`,
            'unknown_placeholder',
          ),
        );
      }
    }
    for (const name of field?.required ?? []) {
      if (!used.includes(name)) {
        issues.push(
          issue(
            path,
            `must contain {{${name}}}, where the service puts the user's input`,
            'missing_placeholder',
          ),
        );
      }
    }
  }
  return issues;
}

// Validation exactly as the service reads a template: what a template may contain, where each
// refusal points (the field, the line), and that the placeholders the check allows are exactly
// the ones the service fills.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import {
  alignmentRequest,
  kpiRequest,
  operationsRequest,
  strategyRequest,
} from '../../app/src/analysis/model-requests';
import { InvalidTemplateError } from '../../app/src/errors';
import { filledFields } from '../../app/src/prompts/placeholders';
import { fileOf, type PromptKey } from '../../app/src/prompts/prompt-keys';
import {
  checkTemplate,
  MAX_TEMPLATE_BYTES,
  type TemplateRules,
} from '../../app/src/prompts/template-check';
import { onboardingSuggestionRequest } from '../../app/src/suggestions/suggest-onboarding';

const promptsDir = path.resolve(__dirname, '..', '..', 'prompts');
const shipped = (key: PromptKey) => readFileSync(path.join(promptsDir, fileOf(key)), 'utf8');

function refusal(key: PromptKey, content: string | Uint8Array, rules?: TemplateRules) {
  try {
    checkTemplate(key, content, rules);
  } catch (error) {
    expect(error).to.be.instanceOf(InvalidTemplateError);
    const invalid = error as InvalidTemplateError;
    expect(invalid.status).to.equal(422);
    expect(invalid.code).to.equal('invalid_template');
    expect(invalid.key).to.equal(key);
    return invalid;
  }
  throw new Error(`expected ${key} to be refused`);
}

/** A shipped template with one change made to its data. */
function edited(key: PromptKey, change: (data: Record<string, unknown>) => void): string {
  const data = parseYaml(shipped(key)) as Record<string, unknown>;
  change(data);
  return stringifyYaml(data);
}

/** The 1-based line of the first line of `text` that starts with `prefix`. */
const lineOf = (text: string, prefix: string) =>
  text.split('\n').findIndex((line) => line.startsWith(prefix)) + 1;

describe('template validation', () => {
  const coaching: PromptKey = 'coaching/core_values';

  it('when a coaching template has no system_prompt, then the issue names the field', () => {
    const error = refusal(coaching, edited(coaching, (d) => delete d.system_prompt));
    expect(error.issues[0]).to.deep.include({ loc: ['system_prompt'] });
    expect(error.firstProblem).to.match(/^system_prompt: /);
    expect(error.message).to.include(coaching);
  });

  it('when a field has the wrong type, then the issue names the field and its line', () => {
    const text = shipped(coaching).replace(/^ {2}temperature: .*$/m, '  temperature: "hot"');
    const error = refusal(coaching, text);
    expect(error.issues[0]?.loc).to.deep.equal(['model', 'temperature']);
    expect(error.issues[0]?.msg).to.include(`(line ${lineOf(text, '  temperature:')})`);
  });

  it('when the YAML does not parse, then the issue names the line and column', () => {
    const error = refusal(coaching, 'kind: coaching\ntopic: [core_values\n  title: "unterminated');
    expect(error.issues[0]).to.deep.include({ loc: [], type: 'yaml' });
    expect(error.issues[0]?.msg).to.match(/^line 2, column \d+: /);
  });

  it('when a key appears twice, then it is refused naming the line of the second', () => {
    const text = `${shipped(coaching)}\nsystem_prompt: again\n`;
    const error = refusal(coaching, text);
    expect(error.issues[0]?.msg).to.match(new RegExp(`^line ${lineOf(text, 'system_prompt: again')}, `));
  });

  it('when aliases expand exponentially (a YAML bomb), then it is refused at once', () => {
    const bomb = [
      'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
      'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]',
      'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]',
      'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]',
      'e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]',
      'f: [*e,*e,*e,*e,*e,*e,*e,*e,*e]',
    ].join('\n');
    const started = Date.now();
    const error = refusal(coaching, bomb);
    expect(error.issues[0]?.msg).to.include('aliases');
    expect(Date.now() - started).to.be.below(1000);
  });

  it('when collections nest deeper than ten levels, or thousands deep, then it is refused without a crash', () => {
    expect(refusal(coaching, `a: ${'['.repeat(11)}${']'.repeat(11)}`).issues[0]?.type).to.equal(
      'too_deep',
    );
    const hostile = `a: ${'['.repeat(30_000)}${']'.repeat(1)}`.slice(0, MAX_TEMPLATE_BYTES);
    expect(refusal(coaching, hostile).issues[0]?.type).to.be.oneOf(['yaml', 'too_deep']);
  });

  it('when the content is over the size limit, then it is refused before it is parsed', () => {
    const text = `${shipped(coaching)}\n# ${'x'.repeat(MAX_TEMPLATE_BYTES)}\n`;
    expect(refusal(coaching, text).issues[0]?.type).to.equal('too_large');
  });

  it('when the bytes are not UTF-8, or the text has a lone surrogate, then it is refused as not UTF-8', () => {
    const bytes = Buffer.concat([Buffer.from(shipped(coaching)), Buffer.from([0xc3, 0x28])]);
    expect(refusal(coaching, bytes).issues[0]).to.deep.include({ type: 'encoding' });
    expect(refusal(coaching, `${shipped(coaching)}# \ud800\n`).issues[0]?.type).to.equal(
      'encoding',
    );
    expect(() => checkTemplate(coaching, Buffer.from(shipped(coaching)))).to.not.throw();
  });

  it('when a tag asks for a type YAML does not know (!!js/function), then it is refused', () => {
    const text = shipped(coaching).replace(/^title: /m, 'title: !!js/function ');
    expect(refusal(coaching, text).issues[0]?.type).to.equal('yaml');
  });

  it('when another kind of template, or another topic’s, is stored under a key, then it is refused naming the field', () => {
    expect(refusal(coaching, shipped('analysis/kpi')).issues[0]?.loc).to.deep.equal(['kind']);
    const goals = refusal(coaching, shipped('coaching/goals'));
    expect(goals.issues[0]).to.deep.include({ loc: ['topic'], type: 'key_mismatch' });
  });

  it('when a template names a model outside the allowed ones, then it is refused naming model.model_id; an allowed one passes', () => {
    const text = shipped(coaching).replace(/^model:\n/m, 'model:\n  model_id: other.model-v1\n');
    const error = refusal(coaching, text, { allowedModels: ['allowed.model-v1'] });
    expect(error.issues[0]).to.deep.include({
      loc: ['model', 'model_id'],
      type: 'model_not_allowed',
    });
    expect(() => checkTemplate(coaching, text, { allowedModels: ['other.model-v1'] })).to.not.throw();
  });

  it('when a template uses a placeholder the service does not fill there, then it is refused naming the field', () => {
    const kpi: PromptKey = 'analysis/kpi';
    const unknown = refusal(
      kpi,
      edited(kpi, (d) => (d.instructions = `${String(d.instructions)} For {{ user_name }}.`)),
    );
    expect(unknown.issues[0]).to.deep.include({ loc: ['instructions'], type: 'unknown_placeholder' });
    expect(unknown.issues[0]?.msg).to.include('{{current_kpis}}');

    const inCoaching = refusal(
      coaching,
      edited(coaching, (d) => (d.initial_message = 'Hello {{current}}, what matters?')),
    );
    expect(inCoaching.issues[0]?.loc).to.deep.equal(['initial_message']);

    const malformed = refusal(kpi, edited(kpi, (d) => (d.system_prompt = 'Use {{ bad-name }}.')));
    expect(malformed.issues[0]?.loc).to.deep.equal(['system_prompt']);
  });

  it("when a template drops the placeholder that carries the user's input, then it is refused", () => {
    const key: PromptKey = 'suggestions/onboarding';
    const error = refusal(
      key,
      edited(key, (d) => ((d.instructions as Record<string, string>).ica = 'Suggest a client.')),
    );
    expect(error.issues[0]).to.deep.include({
      loc: ['instructions', 'ica'],
      type: 'missing_placeholder',
    });
  });

  it('when every placeholder the check allows is used, then the service fills every one of them', () => {
    const context = { purpose: 'Help bakers' };
    const requests: [PromptKey, (instructions: string) => string][] = [
      ['analysis/alignment', (i) => text(alignmentRequest(analysis('analysis/alignment', i), { type: 'alignment', textToAnalyze: 'T', context }))],
      ['analysis/strategy', (i) => text(strategyRequest(analysis('analysis/strategy', i), { type: 'strategy', currentStrategy: 'S', context }))],
      ['analysis/kpi', (i) => text(kpiRequest(analysis('analysis/kpi', i), { type: 'kpi', currentKpis: ['K'], context }))],
      ['analysis/operations', (i) => text(operationsRequest(analysis('analysis/operations', i), { type: 'operations', specificType: 'swot', description: 'D', context }))],
    ];
    for (const [key, render] of requests) {
      const [field] = filledFields(key);
      const slots = field!.names.map((name) => `{{${name}}}`).join(' ');
      expect(render(slots), key).to.not.include('{{');
    }
    const suggestion = checkTemplate('suggestions/onboarding', shipped('suggestions/onboarding'));
    for (const field of filledFields('suggestions/onboarding')) {
      const kind = field.path[1] as 'niche';
      const slots = field.names.map((name) => `{{${name}}}`).join(' ');
      const request = onboardingSuggestionRequest(
        { ...suggestion, instructions: { ...suggestion.instructions, [kind]: slots } },
        { kind, current: 'bakeries' },
      );
      expect(request.messages[0]?.content, kind).to.equal('bakeries');
    }
  });
});

function analysis(key: PromptKey, instructions: string) {
  const template = checkTemplate(key as 'analysis/kpi', shipped(key));
  return { ...template, instructions };
}

function text(request: { messages: readonly { content: string }[] }): string {
  return request.messages.map((m) => m.content).join('\n');
}

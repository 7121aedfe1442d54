// The incremental JSON reader: however a model's JSON text is cut into pieces, and however it
// is written (key order, nested objects before the field, escapes, \uXXXX split anywhere,
// surrogate pairs split between pieces), the pieces it reads join to the field's value exactly
// as JSON.parse reads it.
import { expect } from 'chai';
import fc from 'fast-check';
import { JsonFieldReader } from '../../app/src/llm/streamed-field.js';

/** Feeds `text` in the given pieces; returns the pieces read out, in order. */
function read(field: string, pieces: readonly string[]): string[] {
  const out: string[] = [];
  const reader = new JsonFieldReader(field, (text) => out.push(text));
  for (const piece of pieces) reader.write(piece);
  return out;
}

/** `text` cut at the given positions (any code unit, a surrogate pair's middle included). */
function cut(text: string, positions: readonly number[]): string[] {
  const at = [...new Set(positions.map((p) => p % (text.length + 1)))].sort((a, b) => a - b);
  const pieces: string[] = [];
  let from = 0;
  for (const position of at) {
    pieces.push(text.slice(from, position));
    from = position;
  }
  pieces.push(text.slice(from));
  return pieces;
}

/** JSON text with every string character written as a \uXXXX escape: valid, and the hardest. */
function escapedEverywhere(value: unknown): string {
  const escapeUnits = (text: string) => {
    let out = '';
    for (let i = 0; i < text.length; i++) {
      out += `\\u${text.charCodeAt(i).toString(16).padStart(4, '0')}`;
    }
    return out;
  };
  return JSON.stringify(value).replace(
    /"((?:[^"\\]|\\.)*)"/g,
    (_whole, inner: string) => `"${escapeUnits(JSON.parse(`"${inner}"`) as string)}"`,
  );
}

/** No lone surrogate (String.prototype.isWellFormed, which this TypeScript lib lacks). */
const wellFormed = (text: string) =>
  !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(text);

const anyText = fc.string({ unit: 'binary', maxLength: 80 });
const nested = fc.dictionary(
  fc.oneof(fc.constant('ai_response'), fc.string({ maxLength: 8 })),
  fc.oneof(
    anyText,
    fc.integer(),
    fc.constant(null),
    fc.boolean(),
    fc.array(anyText, { maxLength: 3 }),
    fc.dictionary(fc.constant('ai_response'), anyText),
  ),
  { maxKeys: 4 },
);

const answers = fc
  .record({
    before: nested,
    after: nested,
    value: anyText,
    spacing: fc.constantFrom(undefined, 2, '\t'),
  })
  .map(({ before, after, value, spacing }) => {
    const { ai_response: _a, ...head } = before;
    const { ai_response: _b, ...tail } = after;
    return { object: { ...head, ai_response: value, ...tail }, value, spacing };
  });

describe('the incremental JSON field reader', () => {
  it('when the JSON is cut anywhere, then the pieces join to the value JSON.parse reads', () => {
    fc.assert(
      fc.property(answers, fc.array(fc.nat(), { maxLength: 12 }), (answer, positions) => {
        const text = JSON.stringify(answer.object, null, answer.spacing);
        const pieces = read('ai_response', cut(text, positions));
        expect(pieces.join('')).to.equal(answer.value);
        expect(pieces).to.not.include('');
        if (wellFormed(answer.value)) {
          for (const piece of pieces) expect(wellFormed(piece), piece).to.equal(true);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('when every character is a \\uXXXX escape cut anywhere, then the value still reads whole', () => {
    fc.assert(
      fc.property(answers, fc.array(fc.nat(), { maxLength: 20 }), (answer, positions) => {
        const text = escapedEverywhere(answer.object);
        expect(JSON.parse(text)).to.deep.equal(answer.object);
        expect(read('ai_response', cut(text, positions)).join('')).to.equal(answer.value);
      }),
      { numRuns: 300 },
    );
  });

  it('when a surrogate pair is split between pieces, then no piece holds half of it', () => {
    const text = JSON.stringify({ ai_response: 'a😀b' });
    const raw = read('ai_response', cut(text, [text.indexOf('😀') + 1]));
    expect(raw).to.deep.equal(['a', '😀b']);
    const escaped = '{"ai_response":"a\\ud83d\\ude00b"}';
    for (let at = 1; at < escaped.length; at++) {
      const pieces = read('ai_response', [escaped.slice(0, at), escaped.slice(at)]);
      expect(pieces.join('')).to.equal('a😀b');
      for (const piece of pieces) expect(wellFormed(piece), piece).to.equal(true);
    }
  });

  it('when the field comes after nested objects that hold the same key, then only the outer value is read', () => {
    const text = JSON.stringify({
      meta: { ai_response: 'inner', note: 'a "quoted" {brace}' },
      list: [{ ai_response: 'in a list' }, '"ai_response":"fake"'],
      ai_response: 'the real one',
      follow_up_question: null,
    });
    expect(read('ai_response', [text]).join('')).to.equal('the real one');
  });

  it('when the text arrives one character at a time, then each character is read once it is whole', () => {
    const text = '{"insights":[],"ai_response":"Line one\\nLine \\"two\\" \\u00e9\\\\"}';
    const pieces = read('ai_response', [...text]);
    expect(pieces.join('')).to.equal('Line one\nLine "two" é\\');
    expect(pieces.length).to.be.greaterThan(10);
  });

  it('when a text answer wraps the object in a Markdown fence, then the value is still read', () => {
    const text = '```json\n{"ai_response": "fenced"}\n```';
    expect(read('ai_response', cut(text, [3, 9, 25])).join('')).to.equal('fenced');
  });

  it('when the field is missing, not a string, or only in a nested object, then nothing is read', () => {
    expect(read('ai_response', ['{"a":"x","b":{"ai_response":"no"}}'])).to.deep.equal([]);
    expect(read('ai_response', ['{"ai_response":5,"b":"x"}'])).to.deep.equal([]);
    expect(read('ai_response', ['{"ai_response":["x"],"c":"y"}'])).to.deep.equal([]);
    expect(read('ai_response', ['not json at all'])).to.deep.equal([]);
  });

  it('when the object has ended, then text after it is not read', () => {
    expect(
      read('ai_response', ['{"ai_response":"one"}', ' {"ai_response":"two"}']).join(''),
    ).to.equal('one');
  });
});

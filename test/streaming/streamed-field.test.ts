// A streamed field's deltas, as the client gets them: trimmed the way the schema trims the final
// value, however the model pads it and wherever its JSON is cut; and when what was streamed is
// not the validated value after all, a reset and the whole value.
import { expect } from 'chai';
import fc from 'fast-check';
import type { StreamSink } from '../../app/src/llm/port.js';
import { StreamedField } from '../../app/src/llm/streamed-field.js';

function recordingSink() {
  const events: (string | { reset: true })[] = [];
  const sink: StreamSink = {
    delta: (text) => events.push(text),
    reset: () => events.push({ reset: true }),
  };
  /** The text since the last reset, as a client joins it. */
  const shown = () => {
    const last = events.map((e) => typeof e !== 'string').lastIndexOf(true);
    return events.slice(last + 1).join('');
  };
  return { sink, events, shown };
}

const space = fc.constantFrom(' ', '\n', '\t', '\u00a0', '\u2028', '\ufeff', '\r\n');
const padding = fc.array(space, { maxLength: 4 }).map((parts) => parts.join(''));
const words = fc.array(fc.string({ minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 6 });

describe('a streamed field', () => {
  it('when the value is padded with whitespace and its JSON is cut anywhere, then the deltas join to the trimmed value', () => {
    fc.assert(
      fc.property(
        padding,
        words,
        fc.array(padding, { maxLength: 6 }),
        padding,
        fc.array(fc.nat(), { maxLength: 10 }),
        (before, parts, gaps, after, cuts) => {
          const inner = parts.map((p, i) => p + (gaps[i] ?? ' ')).join('');
          const value = before + inner + after;
          const text = JSON.stringify({ insights: [], ai_response: value, next_steps: null });
          const { sink, events, shown } = recordingSink();
          const field = new StreamedField('ai_response', sink);
          let from = 0;
          for (const at of [...cuts.map((c) => c % text.length)].sort((a, b) => a - b)) {
            field.json(text.slice(from, at));
            from = at;
          }
          field.json(text.slice(from));
          field.settle({ ai_response: value.trim() });
          expect(events.some((e) => typeof e !== 'string')).to.equal(false);
          expect(shown()).to.equal(value.trim());
          expect(events).to.not.include('');
        },
      ),
      { numRuns: 300 },
    );
  });

  it('when the model wrote the field twice, then the client is reset and gets the value JSON.parse kept', () => {
    const { sink, events, shown } = recordingSink();
    const field = new StreamedField('ai_response', sink);
    const text = '{"ai_response":"first","ai_response":"second"}';
    field.json(text);
    field.settle(JSON.parse(text));
    expect(events).to.deep.equal(['first', { reset: true }, 'second']);
    expect(shown()).to.equal('second');
  });

  it('when nothing was streamed (the value came some other way), then the whole value is one delta', () => {
    const { sink, events } = recordingSink();
    new StreamedField('ai_response', sink).settle({ ai_response: 'All at once.' });
    expect(events).to.deep.equal(['All at once.']);
  });
});

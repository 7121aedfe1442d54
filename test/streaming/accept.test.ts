// Which answer a message asks for by its Accept header: the event stream or JSON. The service
// ranks the two types itself (RFC 9110 §12.5.1) so that a parameter on a range
// (`text/event-stream; charset=utf-8`) does not keep it from matching; without parameters it
// must choose exactly as Koa's negotiator does, which is what it used before.
import type { IncomingMessage } from 'node:http';
import accepts from 'accepts';
import { expect } from 'chai';
import fc from 'fast-check';
import { prefersEventStream } from '../../app/src/http/routing.js';
import { initiate, startApi, type TestApi } from '../support/harness.js';

const negotiated = (accept: string) =>
  accepts({ headers: { accept } } as IncomingMessage).type([
    'application/json',
    'text/event-stream',
  ]) === 'text/event-stream';

const range = fc
  .tuple(
    fc.constantFrom('text', 'application', '*', 'TEXT', 'image'),
    fc.constantFrom('event-stream', 'json', '*', 'html', 'Event-Stream'),
    fc.option(fc.constantFrom('0', '0.1', '0.5', '0.9', '1', '0.500'), { nil: undefined }),
  )
  .map(([type, subtype, q]) => `${type}/${subtype}${q === undefined ? '' : `;q=${q}`}`);

describe('the Accept header of a turn', () => {
  it('when a header has no parameters but weights, then the choice is the negotiator’s', () => {
    fc.assert(
      fc.property(fc.array(range, { minLength: 1, maxLength: 5 }), (ranges) => {
        const accept = ranges.join(', ');
        expect(prefersEventStream(accept), accept).to.equal(negotiated(accept));
      }),
      { numRuns: 2000 },
    );
  });

  it('when a range carries a parameter, then it still matches its type', () => {
    expect(prefersEventStream('text/event-stream; charset=utf-8')).to.equal(true);
    expect(
      prefersEventStream('text/event-stream;charset=UTF-8;q=0.9, application/json;q=0.5'),
    ).to.equal(true);
    expect(prefersEventStream('application/json; charset=utf-8, text/event-stream;q=0.5')).to.equal(
      false,
    );
    expect(prefersEventStream('text/event-stream; charset=utf-8; q=0')).to.equal(false);
    expect(prefersEventStream(undefined)).to.equal(false);
    // A comma or semicolon inside a quoted parameter value separates nothing.
    expect(prefersEventStream('application/json;q=0.1;ext=",text/event-stream,"')).to.equal(false);
    expect(
      prefersEventStream('text/event-stream;ext="a;q=0";q=1, application/json;q=0.5'),
    ).to.equal(true);
    // A malformed weight says nothing: that range is left out.
    for (const q of ['2', '0x1', '0.0001', '1.5', '', '-0.5']) {
      expect(prefersEventStream(`text/event-stream;q=${q}`), q).to.equal(false);
      expect(prefersEventStream(`text/event-stream;q=${q}, text/*;q=0.5`), q).to.equal(true);
    }
    expect(prefersEventStream('')).to.equal(false);
  });

  describe('over HTTP', function () {
    this.timeout(30_000);
    let api: TestApi;
    let token: string;
    before(async () => {
      api = await startApi();
      token = await api.token('accept-user', 'accept-co');
    });
    after(() => api.close());

    it('when a message asks for text/event-stream with a charset, then it is streamed', async () => {
      const id = await initiate(api, token);
      const response = await api.request('POST', `/api/v1/conversations/${id}/message`, {
        token,
        body: { user_message: 'Streams with a charset, please.' },
        headers: { Accept: 'text/event-stream; charset=utf-8' },
      });
      expect(response.status).to.equal(200);
      expect(response.headers.get('content-type')).to.equal('text/event-stream');
      expect(response.text).to.match(/^event: (delta|turn)$/m);
    });
  });
});

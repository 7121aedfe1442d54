import { expect } from 'chai';
import { startApi, type TestApi } from '../support/harness.js';

// An absolute URL in a place a browser would fetch it from: markup attributes, CSS url() and
// @import, or a string handed to an img/script/link src.
const FETCHING = [
  /\b(?:src|href|action|poster|data)\s*=\s*["']?(?:https?:)?\/\/[^"'\s>]+/gi,
  /url\(\s*["']?(?:https?:)?\/\/[^)"']+/gi,
  /@import\s+["'](?:https?:)?\/\/[^"']+/gi,
  /\bsrc\s*:\s*["'](?:https?:)?\/\/[^"']+/gi,
];
const OUTSIDE_HOSTS = /(?:cdn\.|fonts\.googleapis|fonts\.gstatic|unpkg\.com|jsdelivr|cdnjs)/i;

describe('the docs pages', () => {
  let api: TestApi;
  before(async () => {
    api = await startApi();
  });
  after(() => api.close());

  for (const page of ['/docs', '/redoc']) {
    it(`when ${page} and every asset it references are loaded, then none holds an outside URL a browser would fetch`, async () => {
      const html = await api.request('GET', page);
      expect(html.status).to.equal(200);
      expect(html.headers.get('content-type')).to.contain('text/html');
      const csp = html.headers.get('content-security-policy') ?? '';
      expect(csp).to.contain("default-src 'self'");
      expect(csp).to.not.match(/https?:/);
      expect(html.text).to.not.match(/https?:\/\//);
      expect(html.text).to.not.match(/<script>(?!<)/); // no inline script: the CSP forbids it
      const references = [...html.text.matchAll(/(?:src|href)="([^"]+)"/g)]
        .map((m) => m[1] ?? '')
        .filter((ref) => !ref.startsWith('data:'));
      expect(references.length).to.be.at.least(1);
      expect(html.text).to.match(/(?:data-spec-url|spec-url)="\/openapi\.json"/);
      for (const reference of references) {
        expect(reference, reference).to.match(/^\/[^/]/);
        const asset = await api.request('GET', reference);
        expect(asset.status, reference).to.equal(200);
        expect(asset.text.length, reference).to.be.above(100);
        for (const pattern of FETCHING) {
          expect(asset.text.match(pattern) ?? [], `${reference} ${String(pattern)}`).to.deep.equal(
            [],
          );
        }
        expect(asset.text.match(OUTSIDE_HOSTS) ?? [], reference).to.deep.equal([]);
      }
    });
  }

  it('when Swagger UI starts, then it never asks the online validator', async () => {
    const init = await api.request('GET', '/docs/assets/swagger-init.js');
    expect(init.text).to.contain('validatorUrl: null');
  });

  it('when Swagger UI is reloaded, then it keeps the token given to Authorize', async () => {
    const init = await api.request('GET', '/docs/assets/swagger-init.js');
    expect(init.text).to.contain('persistAuthorization: true');
  });

  it('when the pages are reached through a stage, then their assets and spec URL keep the stage', async () => {
    const page = await api.request('GET', '/test/redoc');
    expect(page.text).to.contain('spec-url="/test/openapi.json"');
    expect(page.text).to.contain('src="/test/redoc/assets/redoc.standalone.js"');
  });

  it('when an unknown asset is asked for, then 404 in the envelope', async () => {
    const response = await api.request('GET', '/docs/assets/../../package.json');
    expect(response.status).to.equal(404);
    const other = await api.request('GET', '/docs/assets/secrets.js');
    expect(other.status).to.equal(404);
    expect(other.body.error).to.equal('not_found');
  });
});

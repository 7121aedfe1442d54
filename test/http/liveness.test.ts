// The liveness route is answered ahead of the routing stack (livenessFastPath in http/middleware.ts); a client must
// not be able to tell: the same headers, body, log line and limits as the full stack gives.
import { expect } from 'chai';
import { startApi, type TestApi } from '../support/harness.js';

/** Every header but Date, which moves with the clock. */
const comparable = (headers: Headers) =>
  [...headers.entries()].filter(([name]) => name !== 'date' && name !== 'keep-alive');

describe('GET /api/v1/health/live, answered ahead of the routing stack', () => {
  let api: TestApi;
  before(async () => {
    api = await startApi({ env: { CORS_ORIGINS: 'https://app.example.com' } });
  });
  after(() => api.close());

  // `/test/…` (the stage, stripped) and a trailing slash reach the same route through every
  // middleware; the bare path takes the fast path.
  const fullStackPaths = ['/test/api/v1/health/live', '/api/v1/health/live/'];

  for (const method of ['GET', 'HEAD']) {
    it(`when ${method} takes the fast path, then the headers and body are the full stack's, in the same order`, async () => {
      const headers = { 'X-Request-ID': 'live-check-1' };
      const fast = await api.request(method, '/api/v1/health/live', { headers });
      expect(fast.status).to.equal(200);
      expect(fast.text).to.equal(method === 'GET' ? '{"status":"ok"}' : '');
      for (const path of fullStackPaths) {
        const full = await api.request(method, path, { headers });
        expect(full.status, path).to.equal(200);
        expect(full.text, path).to.equal(fast.text);
        expect(comparable(fast.headers), path).to.deep.equal(comparable(full.headers));
      }
      expect(fast.headers.get('x-request-id')).to.equal('live-check-1');
      expect(fast.headers.get('content-security-policy')).to.contain("default-src 'none'");
      expect(fast.headers.get('vary')).to.equal('Origin');
    });
  }

  it('when no request id is given, then the fast path makes one, as the full stack does', async () => {
    const fast = await api.request('GET', '/api/v1/health/live');
    expect(fast.headers.get('x-request-id')).to.match(/^[0-9a-f-]{36}$/);
  });

  it('when the fast path answers, then the access log has the same line as for the full stack', async () => {
    api.logger.lines.length = 0;
    await api.request('GET', '/api/v1/health/live', { headers: { 'X-Request-ID': 'log-fast' } });
    await api.request('GET', '/test/api/v1/health/live', {
      headers: { 'X-Request-ID': 'log-full' },
    });
    const requests = api.logger.lines.filter((line) => line.event === 'request');
    const fast = requests.find((line) => line.request_id === 'log-fast');
    const full = requests.find((line) => line.request_id === 'log-full');
    expect(fast).to.include({ method: 'GET', route: '/api/v1/health/live', status: 200 });
    expect(full).to.include({ method: 'GET', route: '/api/v1/health/live', status: 200 });
  });

  it('when the request has an Origin, then CORS answers it as on every route', async () => {
    const listed = await api.request('GET', '/api/v1/health/live', {
      headers: { Origin: 'https://app.example.com' },
    });
    expect(listed.headers.get('access-control-allow-origin')).to.equal('https://app.example.com');
    expect(listed.headers.get('access-control-allow-credentials')).to.equal('true');
    const other = await api.request('GET', '/api/v1/health/live', {
      headers: { Origin: 'https://elsewhere.example.com' },
    });
    expect(other.status).to.equal(200);
    expect(other.headers.get('access-control-allow-origin')).to.equal(null);
  });

  it('when another method is used, then it is 405 with Allow, as before', async () => {
    const response = await api.request('POST', '/api/v1/health/live', { body: {} });
    expect(response.status).to.equal(405);
    expect(response.headers.get('allow')).to.contain('GET');
  });
});

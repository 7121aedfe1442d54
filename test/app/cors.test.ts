import { expect } from 'chai';
import { startApi, type TestApi } from '../support/harness.js';

describe('CORS and security headers', () => {
  let api: TestApi;
  before(async () => {
    api = await startApi({ env: { CORS_ORIGINS: 'https://app.example.com' } });
  });
  after(() => api.close());

  const preflight = (origin: string) =>
    api.request('OPTIONS', '/api/v1/conversations/initiate', {
      headers: {
        Origin: origin,
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'authorization,content-type',
      },
    });

  it('when an allowed origin sends a preflight without a token, then it is answered with credentials allowed', async () => {
    const response = await preflight('https://app.example.com');
    expect(response.status).to.equal(204);
    expect(response.headers.get('access-control-allow-origin')).to.equal('https://app.example.com');
    expect(response.headers.get('access-control-allow-credentials')).to.equal('true');
    expect(response.headers.get('access-control-allow-methods')).to.contain('POST');
    expect(response.headers.get('access-control-allow-headers')?.toLowerCase()).to.contain(
      'authorization',
    );
  });

  it('when a refused origin sends a preflight, then no Access-Control-Allow header lets it through', async () => {
    const response = await preflight('https://evil.example.net');
    expect(response.status).to.equal(204);
    expect(response.headers.get('access-control-allow-origin')).to.equal(null);
    expect(response.headers.get('access-control-allow-credentials')).to.equal(null);
    expect(response.headers.get('vary')).to.contain('Origin');
  });

  it('when an allowed origin gets an error, then it can read it and the exposed headers', async () => {
    const response = await api.request('GET', '/api/v1/conversations', {
      headers: { Origin: 'https://app.example.com' },
    });
    expect(response.status).to.equal(401);
    expect(response.headers.get('access-control-allow-origin')).to.equal('https://app.example.com');
    const exposed = (response.headers.get('access-control-expose-headers') ?? '').split(/,\s*/);
    expect(exposed).to.include.members([
      'X-Request-ID',
      'X-RateLimit-Limit',
      'X-RateLimit-Remaining',
      'X-RateLimit-Reset',
      'Retry-After',
      'Location',
    ]);
  });

  it('when OPTIONS is not a preflight, then it is a 405 in the envelope', async () => {
    const response = await api.request('OPTIONS', '/api/v1/conversations/initiate');
    expect(response.status).to.equal(405);
    expect(response.body.error).to.equal('method_not_allowed');
  });

  it('when any JSON response goes out, then it carries the API security headers and, over plain HTTP, no HSTS', async () => {
    const response = await api.request('GET', '/');
    expect(response.headers.get('x-content-type-options')).to.equal('nosniff');
    expect(response.headers.get('x-frame-options')).to.equal('DENY');
    expect(response.headers.get('referrer-policy')).to.equal('no-referrer');
    expect(response.headers.get('content-security-policy')).to.equal(
      "default-src 'none'; frame-ancestors 'none'",
    );
    expect(response.headers.get('strict-transport-security')).to.equal(null);
  });
});

// A store that accepts connections and never answers: every DynamoDB call has a deadline that
// is enforced (an attempt's, and a call's with its retries), so a route answers 503 within API
// Gateway's 30 s instead of hanging, and the service answers again as soon as the store does.
// These run with the production deadlines, through the fault proxy's `hang`.
import { expect } from 'chai';
import { initiate, startApi, type TestApi } from '../support/harness.js';

/** API Gateway's integration timeout: past it the client never gets the service's answer. */
const ROUTE_BUDGET_MS = 30_000;

describe('a store that never answers', function () {
  this.timeout(60_000);
  let api: TestApi;
  let token: string;

  before(async () => {
    api = await startApi({ faults: { seed: 22 } });
    token = await api.token('user-hang', 'tenant-hang');
  });
  after(() => api.close());
  afterEach(() => api.proxy?.clear());

  it('when every call hangs, then a message and a read answer 503 within the route budget, and answer again once the store does', async () => {
    const id = await initiate(api, token);
    api.proxy?.add({ fault: 'hang' });
    for (const [method, path, body] of [
      ['POST', `/api/v1/conversations/${id}/message`, { user_message: 'Still there?' }],
      ['GET', `/api/v1/conversations/${id}`, undefined],
    ] as const) {
      const started = Date.now();
      const response = await api.request(method, path, { token, body });
      const ms = Date.now() - started;
      expect(response.status, `${method} ${path}: ${response.text.slice(0, 200)}`).to.equal(503);
      expect(ms, `${method} took ${ms} ms`).to.be.below(ROUTE_BUDGET_MS);
      expect(response.headers.get('retry-after')).to.match(/^\d+$/);
    }
    expect(api.proxy?.faults().hang).to.be.greaterThan(1);

    api.proxy?.clear();
    const read = await api.request<{ messages: unknown[] }>('GET', `/api/v1/conversations/${id}`, {
      token,
    });
    expect(read.status).to.equal(200);
    expect(read.body.messages).to.have.length(1);
  });
});

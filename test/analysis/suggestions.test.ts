// The legacy onboarding-suggestion route over HTTP: its own envelope on success and on every
// error status, Deprecation: true, and suggestions built on the owner's own draft.
import { expect } from 'chai';
import { legacyErrorBody } from '../../app/src/http/error-schemas.js';
import { onboardingSuggestionResponse } from '../../app/src/http/suggestion-schemas.js';
import { LlmBadResponseError } from '../../app/src/errors.js';
import type { LlmProvider } from '../../app/src/llm/port.js';
import { createAnalysisRepository } from '../../app/src/storage/analysis-repository.js';
import { startApi, type Response, type TestApi } from '../support/harness.js';

const ROUTE = '/api/v1/suggestions/onboarding';

function expectLegacyError(response: Response, status: number, error: string): void {
  expect(response.status, response.text).to.equal(status);
  const parsed = legacyErrorBody.safeParse(response.body);
  expect(parsed.success, response.text).to.equal(true);
  expect(response.body).to.include({ success: false, data: null, error });
  expect(response.body.message).to.be.a('string').and.not.equal('');
  expect(response.body.request_id).to.equal(response.headers.get('x-request-id'));
  expect(response.body).to.not.have.property('detail');
  expect(response.headers.get('deprecation')).to.equal('true');
}

describe('legacy onboarding suggestions', () => {
  let api: TestApi;
  let alice: string;

  before(async () => {
    api = await startApi({ env: { MAX_BODY_BYTES: '4096' } });
    alice = await api.token('alice', 'acme');
  });
  after(() => api.close());

  const suggest = (body: unknown, token: string | null = alice) =>
    api.request(`POST`, ROUTE, { token, body });

  it('when an owner asks for a niche with a draft, then the legacy success envelope carries a suggestion built on that draft', async () => {
    const response = await suggest({
      kind: 'niche',
      current: 'We bake sourdough for independent cafes in Leeds. Organic flour only.',
    });
    expect(response.status).to.equal(200);
    const body = onboardingSuggestionResponse.parse(response.body);
    expect(body).to.include({ success: true, message: null, error: null });
    expect(body.request_id).to.equal(response.headers.get('x-request-id'));
    expect(response.headers.get('deprecation')).to.equal('true');
    expect(body.data.suggestion).to.include('We bake sourdough for independent cafes in Leeds.');
    expect(body.data.suggestion).to.match(/^Your niche/);
  });

  it('when each kind is asked for without a draft, then each answers its own editable example', async () => {
    const suggestions = new Set<string>();
    for (const kind of ['niche', 'ica', 'valueProposition']) {
      const response = await suggest({ kind });
      expect(response.status, kind).to.equal(200);
      const { data } = onboardingSuggestionResponse.parse(response.body);
      expect(data.suggestion, kind).to.include('[');
      suggestions.add(data.suggestion);
    }
    expect(suggestions.size).to.equal(3);
  });

  it('when a suggestion is made, then its usage is recorded for the tenant as a suggestion', async () => {
    const token = await api.token('sam', 'suggest-co');
    await suggest({ kind: 'ica', current: 'Busy clinic owners.' }, token);
    const usage = await createAnalysisRepository(api.dynamo, api.config.tables.analyses).usage({
      tenantId: 'suggest-co',
    });
    expect(usage.map((u) => [u.kind, u.subject, u.detail, u.userId, u.usage.model])).to.deep.equal([
      ['suggestion', 'onboarding', 'ica', 'sam', 'offline'],
    ]);
    expect(usage[0]?.id).to.match(/^sugg_/);
  });

  describe('errors keep the legacy envelope', () => {
    it('when kind is unknown, then 422 validation_error', async () => {
      expectLegacyError(await suggest({ kind: 'mission' }), 422, 'validation_error');
    });

    it('when kind is missing, then 422 validation_error', async () => {
      expectLegacyError(await suggest({ current: 'x' }), 422, 'validation_error');
    });

    it('when current is over 2000 characters, then 422 validation_error', async () => {
      expectLegacyError(
        await suggest({ kind: 'niche', current: 'x'.repeat(2001) }),
        422,
        'validation_error',
      );
    });

    it('when there is no token, then 401 with error "Unauthorized" and WWW-Authenticate', async () => {
      const response = await suggest({ kind: 'niche' }, null);
      expectLegacyError(response, 401, 'Unauthorized');
      expect(response.headers.get('www-authenticate')).to.equal('Bearer');
    });

    it('when the token is invalid, then 401 with error "Unauthorized"', async () => {
      expectLegacyError(await suggest({ kind: 'niche' }, 'not-a-jwt'), 401, 'Unauthorized');
    });

    it('when the body is not JSON, then 400 invalid_json', async () => {
      const response = await api.request('POST', ROUTE, {
        token: alice,
        rawBody: '{"kind": ',
        headers: { 'Content-Type': 'application/json' },
      });
      expectLegacyError(response, 400, 'invalid_json');
    });

    it('when the body is not application/json, then 415 unsupported_media_type', async () => {
      const response = await api.request('POST', ROUTE, {
        token: alice,
        rawBody: 'kind=niche',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      });
      expectLegacyError(response, 415, 'unsupported_media_type');
    });

    it('when the body is over MAX_BODY_BYTES, then 413 payload_too_large', async () => {
      const response = await api.request('POST', ROUTE, {
        token: alice,
        body: { kind: 'niche', current: 'x'.repeat(5000) },
      });
      expectLegacyError(response, 413, 'payload_too_large');
    });

    it('when the method is GET, then 405 method_not_allowed with Allow', async () => {
      const response = await api.request('GET', ROUTE, { token: alice });
      expectLegacyError(response, 405, 'method_not_allowed');
      expect(response.headers.get('allow')).to.include('POST');
    });

    it('when the path under /suggestions/ is no route, then it is any unknown path’s 404 not_found, not the legacy route’s envelope', async () => {
      for (const [method, path] of [
        ['POST', '/api/v1/suggestions/mission'],
        ['GET', '/api/v1/suggestions/nope'],
        ['POST', '/api/v1/suggestions/x/y'],
      ] as const) {
        const response = await api.request(method, path, {
          token: alice,
          body: method === 'POST' ? {} : undefined,
        });
        expect(response.status, path).to.equal(404);
        expect(response.body, path).to.include({ error: 'not_found' });
        expect(response.body, path).to.have.property('detail');
        expect(response.body, path).not.to.have.property('success');
        expect(response.headers.get('deprecation'), path).to.equal(null);
      }
    });
  });
});

describe('legacy onboarding suggestions with a failing model', () => {
  it("when the model's answer stays invalid, then 502 llm_bad_response in the legacy envelope", async () => {
    // Answers an empty suggestion every time, and checks it as the real adapters do.
    const failing: LlmProvider = {
      name: 'bedrock',
      generate(request) {
        const checked = request.output.schema.safeParse({ suggestion: '   ' });
        if (checked.success) throw new Error('an empty suggestion should not pass the schema');
        return Promise.reject(
          new LlmBadResponseError(checked.error.message, { inputTokens: 300, outputTokens: 20 }),
        );
      },
      stream(request) {
        return this.generate(request);
      },
      check: () => Promise.resolve('healthy'),
    };
    const api = await startApi({ overrides: { llm: failing } });
    try {
      const token = await api.token('alice', 'acme');
      const response = await api.request('POST', ROUTE, { token, body: { kind: 'ica' } });
      expectLegacyError(response, 502, 'llm_bad_response');
    } finally {
      await api.close();
    }
  });
});

// Path ids as the contract defines them: `conv_…` and `anls_…` with 1–128 letters, digits, `_`
// or `-`. A segment of another form matches no route (404 not_found, or 405 with Allow where the
// path exists for other methods), before auth and before any store; an id of the form that does
// not exist is the resource's own 404; the document carries the same patterns.
import { expect } from 'chai';
import { type Response } from '../support/harness.js';
import { useApi } from '../support/fixtures.js';

function expectNoRoute(response: Response, label: string): void {
  expect(response.status, `${label}: ${response.text}`).to.equal(404);
  expect(response.body.error, label).to.equal('not_found');
}

describe('path ids', () => {
  const { api } = useApi();
  let token: string;

  before(async () => {
    token = await api.token('ida', 'acme');
  });

  it('when GET asks for /conversations/initiate, then it is 405 with Allow: POST, OPTIONS, not a lookup of an id "initiate"', async () => {
    const response = await api.request('GET', '/api/v1/conversations/initiate', { token });
    expect(response.status).to.equal(405);
    expect(response.body.error).to.equal('method_not_allowed');
    expect(response.headers.get('allow')).to.equal('POST, OPTIONS');
  });

  it('when GET or DELETE asks for an analysis route by name, then it is 405 with Allow: POST, OPTIONS', async () => {
    for (const name of ['alignment', 'strategy', 'kpi', 'operations']) {
      for (const method of ['GET', 'DELETE']) {
        const response = await api.request(method, `/api/v1/analysis/${name}`, { token });
        expect(response.status, `${method} ${name}`).to.equal(405);
        expect(response.headers.get('allow'), name).to.equal('POST, OPTIONS');
      }
    }
  });

  it('when an analysis id is longer than 128 characters after its prefix (a 2,049-byte key), then it is 404 not_found, never a 500', async () => {
    expectNoRoute(
      await api.request('GET', `/api/v1/analysis/anls_${'a'.repeat(2044)}`, { token }),
      'anls_ + 2044',
    );
    expectNoRoute(
      await api.request('GET', `/api/v1/analysis/anls_${'a'.repeat(129)}`, { token }),
      'anls_ + 129',
    );
  });

  it('when an id is exactly of the form but unknown, then it is the resource’s own 404', async () => {
    const conversation = await api.request('GET', `/api/v1/conversations/conv_${'Z'.repeat(128)}`, {
      token,
    });
    expect(conversation.status).to.equal(404);
    expect(conversation.body.error).to.equal('conversation_not_found');
    const analysis = await api.request('GET', '/api/v1/analysis/anls_a-b_C', { token });
    expect(analysis.status).to.equal(404);
    expect(analysis.body.error).to.equal('analysis_not_found');
  });

  const misfits = [
    ['no prefix', 'abc123'],
    ['an empty tail', 'conv_'],
    ['129 characters after the prefix', `conv_${'a'.repeat(129)}`],
    ['a dot', 'conv_a.b'],
    ['an encoded space', 'conv_a%20b'],
    ['an encoded slash', 'conv_a%2Fb'],
    ['the analysis prefix', 'anls_abc'],
    ['non-ASCII letters', 'conv_%C3%A9t%C3%A9'],
    ['an upper-case prefix', 'CONV_abc'],
    ['a capitalised prefix', 'Conv_abc'],
  ] as const;
  for (const [label, id] of misfits) {
    it(`when a conversation id has ${label}, then every conversation route is 404 not_found`, async () => {
      for (const [method, suffix, body] of [
        ['GET', '', undefined],
        ['DELETE', '', undefined],
        ['POST', '/message', { user_message: 'hello' }],
        ['POST', '/pause', {}],
        ['POST', '/resume', undefined],
        ['POST', '/complete', {}],
      ] as const) {
        expectNoRoute(
          await api.request(method, `/api/v1/conversations/${id}${suffix}`, { token, body }),
          `${method} ${label}${suffix}`,
        );
      }
    });
  }

  it('when an analysis or job id has an upper-case prefix, then it is 404 not_found, not a lookup', async () => {
    for (const path of [
      '/api/v1/analysis/ANLS_abc',
      '/api/v1/analysis/Anls_abc',
      '/api/v1/jobs/JOB_abc',
      '/api/v1/jobs/Job_abc',
    ]) {
      expectNoRoute(await api.request('GET', path, { token }), path);
    }
  });

  it('when a conversation id of the wrong form comes without a token, then it is still 404: the route is decided before auth', async () => {
    expectNoRoute(await api.request('GET', '/api/v1/conversations/nope'), 'no token');
  });

  it('when the document describes {id} and {analysis_id}, then each carries the pattern the router matches', async () => {
    type Parameter = {
      name: string;
      in: string;
      description?: string;
      schema: { pattern?: string };
    };
    const doc = (
      await api.request<{ paths: Record<string, Record<string, { parameters?: Parameter[] }>> }>(
        'GET',
        '/openapi.json',
      )
    ).body;
    const parameter = (path: string, method: string, name: string) =>
      doc.paths[path]?.[method]?.parameters?.find((p) => p.name === name && p.in === 'path');
    for (const method of ['get', 'delete']) {
      expect(parameter('/api/v1/conversations/{id}', method, 'id')?.schema.pattern).to.equal(
        '^conv_[A-Za-z0-9_-]{1,128}$',
      );
    }
    const analysisId = parameter('/api/v1/analysis/{analysis_id}', 'get', 'analysis_id');
    expect(analysisId?.schema.pattern).to.equal('^anls_[A-Za-z0-9_-]{1,128}$');
    expect(analysisId?.description).to.include('anls_');
    const pattern = new RegExp(analysisId?.schema.pattern ?? '$^');
    expect(pattern.test(`anls_${'a'.repeat(128)}`)).to.equal(true);
    expect(pattern.test(`anls_${'a'.repeat(129)}`)).to.equal(false);
  });
});

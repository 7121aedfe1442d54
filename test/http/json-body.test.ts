// The JSON body is the client's JSON, read by JSON.parse: keys such as `__proto__` and
// `constructor` are ordinary keys (400 invalid_json is only for text that is not JSON), and the
// client's objects reach the use case with every key they were sent with.
import { gzipSync } from 'node:zlib';
import { expect } from 'chai';
import { useApi } from '../support/fixtures.js';

describe('JSON bodies', () => {
  const { api } = useApi();
  let token: string;

  before(async () => {
    token = await api.token('jo', 'acme');
  });

  const post = (path: string, raw: string) =>
    api.request('POST', path, {
      token,
      rawBody: raw,
      headers: { 'Content-Type': 'application/json' },
    });

  it('when a context holds a "__proto__" or "constructor" key, then the analysis is made (201), not refused as invalid JSON', async () => {
    for (const key of ['__proto__', 'constructor', 'toString']) {
      const response = await post(
        '/api/v1/analysis/alignment',
        `{"text_to_analyze":"We bake honest bread daily.","context":{"${key}":{"x":1},"core_values":["Integrity"]}}`,
      );
      expect(response.status, `${key}: ${response.text}`).to.equal(201);
      expect((response.body.strengths as string[]).join(' '), key).to.include('Integrity');
    }
  });

  it('when the body itself has a "__proto__" key, then it is an unknown field like any other', async () => {
    const response = await post(
      '/api/v1/suggestions/onboarding',
      '{"__proto__":{"kind":"ica"},"kind":"niche","current":"bread"}',
    );
    expect(response.status, response.text).to.equal(200);
  });

  it('when the text is not JSON, then it is still 400 invalid_json', async () => {
    for (const raw of ['{"kind":', '{"a":1}{"b":2}', "{'kind':'ica'}"]) {
      const response = await post('/api/v1/suggestions/onboarding', raw);
      expect(response.status, raw).to.equal(400);
      expect(response.body.error, raw).to.equal('invalid_json');
    }
  });

  it('when the body names a charset other than UTF-8, then it is 415 and nothing is stored', async () => {
    const before = (await api.items('conversations')).length;
    for (const charset of ['latin1', 'ISO-8859-1', 'utf-16', 'utf-7', 'shift_jis']) {
      const response = await api.request('POST', '/api/v1/conversations/initiate', {
        token,
        rawBody: '{"topic":"core_values"}',
        headers: { 'Content-Type': `application/json; charset=${charset}` },
      });
      expect(response.status, charset).to.equal(415);
      expect(response.body.error, charset).to.equal('unsupported_media_type');
    }
    expect((await api.items('conversations')).length).to.equal(before);
  });

  it('when the body is sent as another +json media type, then it is 415 and nothing is stored', async () => {
    const before = (await api.items('conversations')).length;
    for (const type of [
      'application/vnd.api+json',
      'application/ld+json',
      'application/json-patch+json',
      'application/merge-patch+json',
      'application/problem+json',
    ]) {
      const response = await api.request('POST', '/api/v1/conversations/initiate', {
        token,
        rawBody: '{"topic":"core_values"}',
        headers: { 'Content-Type': type },
      });
      expect(response.status, type).to.equal(415);
      expect(response.body.error, type).to.equal('unsupported_media_type');
    }
    expect((await api.items('conversations')).length).to.equal(before);
  });

  it('when the media type is application/json in any case, then it is read', async () => {
    for (const type of ['APPLICATION/JSON', 'Application/Json; charset=UTF-8']) {
      const response = await api.request('POST', '/api/v1/conversations/initiate', {
        token,
        rawBody: '{"topic":"core_values"}',
        headers: { 'Content-Type': type },
      });
      expect(response.status, type).to.equal(201);
    }
  });

  it('when the body names UTF-8 in any spelling, then it is read', async () => {
    for (const charset of ['utf-8', 'UTF-8', 'utf8']) {
      const response = await api.request('POST', '/api/v1/conversations/initiate', {
        token,
        rawBody: '{"topic":"core_values"}',
        headers: { 'Content-Type': `application/json; charset=${charset}` },
      });
      expect(response.status, charset).to.equal(201);
    }
  });
});

describe('JSON bodies in a Content-Encoding', () => {
  const { api } = useApi();
  let token: string;

  before(async () => {
    token = await api.token('enc', 'acme');
  });

  const initiate = (body: Buffer, encoding: string) =>
    api.request('POST', '/api/v1/conversations/initiate', {
      token,
      rawBody: body,
      headers: { 'Content-Type': 'application/json', 'Content-Encoding': encoding },
    });

  it('when the body is gzip-encoded JSON, then it is read like plain JSON', async () => {
    const response = await initiate(gzipSync(JSON.stringify({ topic: 'vision' })), 'gzip');
    expect(response.status, response.text).to.equal(201);
    expect(response.body.topic).to.equal('vision');
  });

  it('when the Content-Encoding is one the service does not read, then 415 names the encoding, not the media type, and nothing is stored', async () => {
    const before = (await api.items('conversations')).length;
    const response = await initiate(Buffer.from(JSON.stringify({ topic: 'vision' })), 'zstd-x');
    expect(response.status).to.equal(415);
    expect(response.body.error).to.equal('unsupported_media_type');
    expect(response.body.message).to.equal(
      'Content-Encoding zstd-x is not supported: send the body as is, or as gzip, deflate or br',
    );
    expect((await api.items('conversations')).length).to.equal(before);
  });
});

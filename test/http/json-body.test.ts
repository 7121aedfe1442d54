// The JSON body is the client's JSON, read by JSON.parse: keys such as `__proto__` and
// `constructor` are ordinary keys (400 invalid_json is only for text that is not JSON), and the
// client's objects reach the use case with every key they were sent with.
import { brotliCompressSync, deflateSync, gunzipSync, gzipSync } from 'node:zlib';
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

describe('JSON bodies, byte by byte', () => {
  const { api } = useApi();
  let token: string;

  before(async () => {
    token = await api.token('bytes', 'acme');
  });

  it('when the JSON starts with a byte order mark, then it is read (RFC 8259 lets a parser ignore it)', async () => {
    const response = await api.request('POST', '/api/v1/conversations/initiate', {
      token,
      rawBody: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"topic":"goals"}')]),
      headers: { 'Content-Type': 'application/json' },
    });
    expect(response.status, response.text).to.equal(201);
    expect(response.body.topic).to.equal('goals');
  });

  it('when a body is sent in pieces without a length, then it is read whole; one of no bytes is no body', async () => {
    const send = (pieces: string[]) =>
      fetch(`${api.url}/api/v1/conversations/initiate`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
        body: new ReadableStream({
          start(controller) {
            for (const piece of pieces) controller.enqueue(new TextEncoder().encode(piece));
            controller.close();
          },
        }),
        duplex: 'half',
      } as RequestInit);
    const whole = await send(['{"topic":', '"purpose"', '}']);
    expect(whole.status).to.equal(201);
    expect(((await whole.json()) as { topic: string }).topic).to.equal('purpose');
    const none = await send([]);
    expect(none.status).to.equal(422);
    const body = (await none.json()) as { detail: { loc: string[] }[] };
    expect(body.detail.map((issue) => issue.loc)).to.deep.equal([['body', 'topic']]);
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
  const vision = Buffer.from(JSON.stringify({ topic: 'vision' }));
  const conversations = async () => (await api.items('conversations')).length;

  /** A gzip member whose header carries a comment of `bytes` (RFC 1952 FCOMMENT): all wire. */
  function paddedGzip(data: Buffer, bytes: number): Buffer {
    const member = gzipSync(data);
    const header = Buffer.from(member.subarray(0, 10));
    header[3] = (header[3] ?? 0) | 0x10;
    return Buffer.concat([
      header,
      Buffer.alloc(bytes, 0x61),
      Buffer.from([0]),
      member.subarray(10),
    ]);
  }

  it('when the body is gzip, x-gzip, deflate or br, in any case, then it is read like plain JSON', async () => {
    for (const [encoding, body] of [
      ['gzip', gzipSync(vision)],
      ['GZIP', gzipSync(vision)],
      ['x-gzip', gzipSync(vision)],
      ['deflate', deflateSync(vision)],
      ['br', brotliCompressSync(vision)],
    ] as const) {
      const response = await initiate(body, encoding);
      expect(response.status, `${encoding}: ${response.text}`).to.equal(201);
      expect(response.body.topic, encoding).to.equal('vision');
    }
  });

  it('when the Content-Encoding is one the service does not read, then 415 names the encoding, not the media type, and nothing is stored', async () => {
    const before = await conversations();
    const response = await initiate(vision, 'zstd-x');
    expect(response.status).to.equal(415);
    expect(response.body.error).to.equal('unsupported_media_type');
    expect(response.body.message).to.equal(
      'Content-Encoding zstd-x is not supported: send the body as is, or as gzip, deflate or br',
    );
    expect(await conversations()).to.equal(before);
  });

  it('when a small body decodes to more than MAX_BODY_BYTES (a bomb), then 413 and nothing is stored', async () => {
    const before = await conversations();
    const bomb = gzipSync(Buffer.from(`{"topic":"vision","pad":"${' '.repeat(5_000_000)}"}`));
    expect(bomb.length).to.be.below(65_536);
    const response = await initiate(bomb, 'gzip');
    expect(response.status).to.equal(413);
    expect(response.body.error).to.equal('payload_too_large');
    expect(await conversations()).to.equal(before);
  });

  it('when more than MAX_BODY_BYTES arrive, sent without a length, for a body that decodes small, then 413 all the same', async () => {
    const before = await conversations();
    const padded = paddedGzip(vision, 200_000);
    expect(gunzipSync(padded).toString()).to.equal(vision.toString());
    const response = await fetch(`${api.url}/api/v1/conversations/initiate`, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${token}`,
        'Content-Type': 'application/json',
        'Content-Encoding': 'gzip',
      },
      body: new ReadableStream({
        start(controller) {
          controller.enqueue(padded);
          controller.close();
        },
      }),
      duplex: 'half',
    } as RequestInit);
    expect(response.status).to.equal(413);
    expect(((await response.json()) as { error: string }).error).to.equal('payload_too_large');
    expect(await conversations()).to.equal(before);
  });

  it('when the encoded body is cut short, then 400 invalid_json; when it decodes to nothing, then it is no body', async () => {
    const cut = gzipSync(vision);
    const truncated = await initiate(cut.subarray(0, cut.length - 6), 'gzip');
    expect(truncated.status).to.equal(400);
    expect(truncated.body.error).to.equal('invalid_json');
    const empty = await initiate(gzipSync(Buffer.alloc(0)), 'gzip');
    expect(empty.status).to.equal(422);
    expect(empty.body.detail).to.deep.include({
      loc: ['body', 'topic'],
      msg: 'Field required',
      type: 'missing',
    });
  });
});

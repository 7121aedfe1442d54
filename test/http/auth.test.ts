import { generateKeyPairSync } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { base64url, SignJWT } from 'jose';
import { secretFromValue, TokenVerifier } from '../../app/src/auth/jwt.js';
import { AuthError } from '../../app/src/errors.js';
import { startApi, TEST_SECRET, type TestApi } from '../support/harness.js';

const encode = (s: string) => new TextEncoder().encode(s);
const now = () => Math.floor(Date.now() / 1000);

function sign(claims: Record<string, unknown>, secret = TEST_SECRET, alg = 'HS256') {
  return new SignJWT(claims).setProtectedHeader({ alg }).sign(encode(secret));
}

const valid = () => ({ user_id: 'u1', tenant_id: 't1', exp: now() + 600 });

/** A token with a hand-made header, for algorithms jose refuses to produce with an HS key. */
function unsignedToken(
  header: Record<string, unknown>,
  claims: Record<string, unknown>,
  signature = '',
) {
  const part = (v: unknown) => base64url.encode(JSON.stringify(v));
  return `${part(header)}.${part(claims)}.${signature}`;
}

describe('authentication', () => {
  let api: TestApi;

  before(async () => {
    api = await startApi();
  });
  after(() => api.close());

  const call = (token: string | undefined, headers: Record<string, string> = {}) =>
    api.request('GET', '/api/v1/conversations', {
      headers: token === undefined ? headers : { Authorization: `Bearer ${token}`, ...headers },
    });

  it('when the token is valid, then the route answers', async () => {
    expect((await call(await sign(valid()))).status).to.equal(200);
  });

  it('when only sub names the user, then sub is the user', async () => {
    const response = await api.request('POST', '/api/v1/conversations/initiate', {
      token: await sign({ sub: 'sub-user', tenant_id: 't1', exp: now() + 600 }),
      body: { topic: 'vision' },
    });
    expect(response.status).to.equal(201);
    expect(response.body.user_id).to.equal('sub-user');
  });

  const cases: [
    string,
    () => Promise<string | undefined> | string | undefined,
    string,
    Record<string, string>?,
  ][] = [
    ['there is no Authorization header', () => undefined, 'missing_token'],
    ['the scheme is Basic', () => undefined, 'invalid_token', { Authorization: 'Basic dTpw' }],
    [
      'the header says Bearer with no token',
      () => undefined,
      'invalid_token',
      { Authorization: 'Bearer ' },
    ],
    ['the token is the original literal test_token', () => 'test_token', 'invalid_token'],
    ['the token is garbage', () => 'a.b.c', 'invalid_token'],
    [
      'the token expired a minute ago',
      () => sign({ ...valid(), exp: now() - 60 }),
      'token_expired',
    ],
    ['the token has no exp', () => sign({ user_id: 'u1', tenant_id: 't1' }), 'invalid_token'],
    [
      'the token is not valid before a minute from now',
      () => sign({ ...valid(), nbf: now() + 60 }),
      'invalid_token',
    ],
    [
      'the token has no tenant_id',
      () => sign({ user_id: 'u1', exp: now() + 600 }),
      'missing_claims',
    ],
    [
      'the token has neither user_id nor sub',
      () => sign({ tenant_id: 't1', exp: now() + 600 }),
      'missing_claims',
    ],
    [
      'the token is signed with another secret',
      () => sign(valid(), 'another-secret-entirely-of-enough-length'),
      'invalid_token',
    ],
    [
      'the token is HS512 with the right secret',
      () => sign(valid(), TEST_SECRET, 'HS512'),
      'invalid_token',
    ],
    [
      'the token says alg none',
      () => unsignedToken({ alg: 'none', typ: 'JWT' }, valid()),
      'invalid_token',
    ],
    [
      'the token is RS256',
      () => {
        const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
        return new SignJWT(valid()).setProtectedHeader({ alg: 'RS256' }).sign(privateKey);
      },
      'invalid_token',
    ],
    [
      'the payload was changed after signing',
      async () => {
        const [header, , signature] = (await sign(valid())).split('.');
        const forged = base64url.encode(JSON.stringify({ ...valid(), tenant_id: 'someone-else' }));
        return `${header}.${forged}.${signature}`;
      },
      'invalid_token',
    ],
  ];

  const unusable: [string, Record<string, unknown>][] = [
    ['sub is the number 5', { sub: 5, tenant_id: 't1' }],
    ['sub is true', { sub: true, tenant_id: 't1' }],
    [
      'user_id is an object, beside a good sub',
      { user_id: { id: 'u1' }, sub: 'u1', tenant_id: 't1' },
    ],
    ['tenant_id is a list', { user_id: 'u1', tenant_id: ['t1'] }],
    ['tenant_id holds a lone surrogate', { user_id: 'u1', tenant_id: 'acme\ud800' }],
    ['user_id holds a control character', { user_id: 'u\u00071', tenant_id: 't1' }],
    ['user_id is 257 characters long', { user_id: 'u'.repeat(257), tenant_id: 't1' }],
  ];
  for (const [label, claims] of unusable) {
    cases.push([`${label}`, () => sign({ ...claims, exp: now() + 600 }), 'invalid_token']);
  }

  for (const [label, token, code, headers] of cases) {
    it(`when ${label}, then it is 401 ${code} with WWW-Authenticate`, async () => {
      const response = await call(await token(), headers);
      expect(response.status).to.equal(401);
      expect(response.body.error).to.equal(code);
      expect(response.headers.get('www-authenticate')).to.equal('Bearer');
      expect(response.body.request_id).to.be.a('string');
    });
  }

  it('when sub is true, then initiate is 401 and no conversation or session names that user', async () => {
    const response = await api.request('POST', '/api/v1/conversations/initiate', {
      token: await sign({ sub: true, tenant_id: 't-true', exp: now() + 600 }),
      body: { topic: 'vision' },
    });
    expect(response.status).to.equal(401);
    for (const table of ['conversations', 'coachingSessions'] as const) {
      expect((await api.items(table)).filter((i) => i.tenant_id === 't-true')).to.deep.equal([]);
    }
  });

  it('when the ids are 256 four-byte characters each, then the user starts, lists and reads a conversation', async () => {
    const token = await sign({
      user_id: '🎯'.repeat(256),
      tenant_id: '🏢'.repeat(256),
      exp: now() + 600,
    });
    const started = await api.request('POST', '/api/v1/conversations/initiate', {
      token,
      body: { topic: 'goals' },
    });
    expect(started.status, started.text).to.equal(201);
    expect(started.body.user_id).to.equal('🎯'.repeat(256));
    const list = await api.request<{ total: number }>('GET', '/api/v1/conversations', { token });
    expect(list.body.total).to.equal(1);
    const read = await api.request(
      'GET',
      `/api/v1/conversations/${String(started.body.conversation_id)}`,
      { token },
    );
    expect(read.status).to.equal(200);
  });

  it('when the token expired 10 seconds ago, then the 30-second tolerance still accepts it', async () => {
    expect((await call(await sign({ ...valid(), exp: now() - 10 }))).status).to.equal(200);
  });

  it('when the public routes are called without a token, then they answer', async () => {
    for (const path of ['/', '/api/v1/health', '/api/v1/health/ready', '/api/v1/health/live']) {
      expect((await api.request('GET', path)).status, path).to.equal(200);
    }
  });
});

describe('authentication with issuer and audience', () => {
  let api: TestApi;
  before(async () => {
    api = await startApi({ env: { JWT_ISSUER: 'purposepath', JWT_AUDIENCE: 'coaching-api' } });
  });
  after(() => api.close());

  const status = async (claims: Record<string, unknown>) =>
    (
      await api.request('GET', '/api/v1/conversations', {
        token: await sign({ ...valid(), ...claims }),
      })
    ).status;

  it('when iss and aud match, then the token is accepted', async () => {
    expect(await status({ iss: 'purposepath', aud: 'coaching-api' })).to.equal(200);
  });

  it('when iss is wrong or missing, then it is 401', async () => {
    expect(await status({ iss: 'someone-else', aud: 'coaching-api' })).to.equal(401);
    expect(await status({ aud: 'coaching-api' })).to.equal(401);
  });

  it('when aud is wrong, then it is 401', async () => {
    expect(await status({ iss: 'purposepath', aud: 'another-api' })).to.equal(401);
  });
});

describe('the signing secret', () => {
  it('when the secret is JSON with a secret field, then the field is the secret; otherwise the raw string is', () => {
    expect(secretFromValue('{"secret":"abc"}')).to.equal('abc');
    expect(secretFromValue('plain-secret')).to.equal('plain-secret');
    expect(secretFromValue('{not json')).to.equal('{not json');
  });

  it('when the secret rotates, then new tokens work after one re-read, and re-reads happen at most once a minute', async () => {
    let current = 'first-secret-first-secret-first-secret';
    let reads = 0;
    let clock = 1_000_000;
    const verifier = new TokenVerifier({
      source: { read: () => (reads++, Promise.resolve(current)) },
      now: () => clock,
    });
    await verifier.verify(`Bearer ${await sign(valid(), current)}`);
    current = 'second-secret-second-secret-second';
    const second = await verifier.verify(`Bearer ${await sign(valid(), current)}`);
    expect(second.userId).to.equal('u1');
    expect(reads).to.equal(2);

    current = 'third-secret-third-secret-third-secret';
    clock += 10_000;
    const third = await sign(valid(), current);
    const refused = await verifier.verify(`Bearer ${third}`).catch((e: unknown) => e);
    expect(refused).to.be.instanceOf(AuthError);
    expect(reads).to.equal(2);

    clock += 60_000;
    expect((await verifier.verify(`Bearer ${third}`)).userId).to.equal('u1');
    expect(reads).to.equal(3);
  });
});

describe('the secret from Secrets Manager', () => {
  let server: Server;
  let api: TestApi;
  let answer: { status: number; secret: string };
  const requests: { target: string; secretId: string }[] = [];
  const saved = { key: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };

  before(async () => {
    answer = {
      status: 500,
      secret: JSON.stringify({ secret: 'from-secrets-manager-0123456789abcdef' }),
    };
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        const parsed = JSON.parse(body) as { SecretId: string };
        requests.push({ target: String(req.headers['x-amz-target']), secretId: parsed.SecretId });
        res.writeHead(answer.status, { 'Content-Type': 'application/x-amz-json-1.1' });
        res.end(
          answer.status === 200
            ? JSON.stringify({
                ARN: parsed.SecretId,
                Name: 'purposepath/jwt-secret/test',
                SecretString: answer.secret,
              })
            : JSON.stringify({ __type: 'InternalServiceError', message: 'down' }),
        );
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    process.env.AWS_ACCESS_KEY_ID = 'test';
    process.env.AWS_SECRET_ACCESS_KEY = 'test';
    api = await startApi({
      env: {
        JWT_SECRET: '',
        JWT_SECRET_ARN:
          'arn:aws:secretsmanager:us-east-1:123456789012:secret:purposepath/jwt-secret/test',
        SECRETS_MANAGER_ENDPOINT: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      },
    });
  });
  after(async () => {
    await api.close();
    server.close();
    process.env.AWS_ACCESS_KEY_ID = saved.key;
    process.env.AWS_SECRET_ACCESS_KEY = saved.secret;
    if (saved.key === undefined) delete process.env.AWS_ACCESS_KEY_ID;
    if (saved.secret === undefined) delete process.env.AWS_SECRET_ACCESS_KEY;
  });

  it('when Secrets Manager is down at first use, then authenticated routes are 503 and recover when it is back', async function () {
    this.timeout(20_000);
    const token = await sign(valid(), 'from-secrets-manager-0123456789abcdef');
    const down = await api.request('GET', '/api/v1/conversations', { token });
    expect(down.status).to.equal(503);
    expect(down.body.error).to.equal('service_unavailable');
    expect(down.headers.get('retry-after')).to.match(/^\d+$/);

    answer.status = 200;
    const up = await api.request('GET', '/api/v1/conversations', { token });
    expect(up.status).to.equal(200);
    expect(requests.at(-1)).to.deep.equal({
      target: 'secretsmanager.GetSecretValue',
      secretId: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:purposepath/jwt-secret/test',
    });
    const readsBefore = requests.length;
    expect((await api.request('GET', '/api/v1/conversations', { token })).status).to.equal(200);
    expect(requests.length).to.equal(readsBefore);
  });
});

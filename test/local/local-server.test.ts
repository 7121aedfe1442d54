import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { connect, type AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { startLocalServer, type LocalServer } from '../../app/src/server.js';
import { createEmbeddedDynamoServer } from '../../app/src/storage/embedded/embedded-server.js';
import { startEmbeddedDynamo } from '../../app/src/storage/local-dynamo.js';
import { runChild, startChild, stopChild } from '../support/child-processes.js';
import { runServer, stopServer } from '../support/server-process.js';
import { signedToken } from '../support/tokens.js';

const quiet = { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', NODE_NO_WARNINGS: '1' };

/** `npm run token` as a newcomer runs it, against the given data folder. */
async function tokenFor(dataDir: string, user: string, tenant: string): Promise<string> {
  const { stdout } = await runChild(
    process.execPath,
    ['--import', 'tsx', 'scripts/token.ts', '--user', user, '--tenant', tenant],
    { env: { ...process.env, ...quiet, DATA_DIR: dataDir, JWT_SECRET: '' } },
  );
  return stdout.trim();
}

describe('the local server as npm start runs it', () => {
  let dataDir: string;
  let child: ChildProcess | undefined;

  beforeEach(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'pp-start-'));
  });
  afterEach(async () => {
    if (child) await stopChild(child);
    child = undefined;
    await rm(dataDir, { recursive: true, force: true });
  });

  it('when started, then it prints its URL and how to get a token, and a token from npm run token works', async function () {
    this.timeout(60_000);
    child = startChild(process.execPath, ['--import', 'tsx', 'app/src/server.ts'], {
      env: {
        ...process.env,
        ...quiet,
        DATA_DIR: dataDir,
        PORT: '0',
        HOST: '127.0.0.1',
        JWT_SECRET: '',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const banner = await new Promise<string>((resolve, reject) => {
      let out = '';
      child?.stdout?.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('npm run token')) resolve(out);
      });
      child?.once('exit', (code) => reject(new Error(`server exited ${code}: ${out}`)));
    });
    const url = /listening on (http:\/\/\S+)/.exec(banner)?.[1];
    expect(url).to.match(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(banner).to.include('npm run token -- --user u1 --tenant t1');

    const token = await tokenFor(dataDir, 'newcomer', 'tenant-a');
    expect(token.split('.')).to.have.length(3);
    const created = await fetch(`${url}/api/v1/conversations/initiate`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ topic: 'purpose' }),
    });
    expect(created.status).to.equal(201);
    expect(((await created.json()) as { user_id: string }).user_id).to.equal('newcomer');

    const otherDir = await mkdtemp(path.join(tmpdir(), 'pp-other-'));
    const otherToken = await tokenFor(otherDir, 'x', 'y');
    await rm(otherDir, { recursive: true, force: true });
    const stranger = await fetch(`${url}/api/v1/conversations`, {
      headers: { Authorization: `Bearer ${otherToken}` },
    });
    expect(stranger.status).to.equal(401);
  });

  it('when DYNAMODB_ENDPOINT names another store, then the same code keeps its data there', async function () {
    this.timeout(30_000);
    const store = await startEmbeddedDynamo();
    const env = {
      DATA_DIR: dataDir,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_SILENT: 'true',
      DYNAMODB_ENDPOINT: store.endpoint,
      JWT_SECRET: 'a-shared-secret-for-this-test-only-0123456789',
    };
    try {
      const first = await startLocalServer(env);
      const token = await signedToken(env.JWT_SECRET, { user_id: 'u1', tenant_id: 't1' });
      const headers = { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' };
      await fetch(`${first.url}/api/v1/conversations/initiate`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ topic: 'vision' }),
      });
      await first.close();
      // A second server on a fresh data folder finds the conversation in the external store.
      const second = await startLocalServer({ ...env, DATA_DIR: path.join(dataDir, 'other') });
      try {
        const list = await fetch(`${second.url}/api/v1/conversations`, { headers });
        expect(((await list.json()) as { total: number }).total).to.equal(1);
      } finally {
        await second.close();
      }
    } finally {
      await store.close();
    }
  });

  it('when DYNAMODB_ENDPOINT is a fresh store that creates tables as DynamoDB does, then the first start waits for them and serves', async function () {
    this.timeout(60_000);
    // dynalite's own default keeps a new table CREATING for 500 ms; DynamoDB takes longer. The
    // embedded store's server: a fresh DynamoDB has transactions, which plain dynalite lacks.
    const store = createEmbeddedDynamoServer({ createTableMs: 1500 });
    store.listen(0, '127.0.0.1');
    await once(store, 'listening');
    const endpoint = `http://127.0.0.1:${(store.address() as AddressInfo).port}`;
    const secret = 'a-secret-for-the-fresh-store-test-0123456789';
    const server = runServer({
      DATA_DIR: dataDir,
      PORT: '0',
      DYNAMODB_ENDPOINT: endpoint,
      JWT_SECRET: secret,
      LOG_FORMAT: 'json',
    });
    try {
      const started = await server.started;
      expect(started, server.stderr()).to.have.property('url');
      const { url } = started as { url: string };
      const created = server
        .stdout()
        .split('\n')
        .filter((line) => line.includes('"tables_created"'))
        .map((line) => JSON.parse(line) as { tables: string[] });
      expect(created).to.have.length(1);
      expect(created[0]?.tables).to.include('purposepath-conversations-local-v2');
      const { SignJWT } = await import('jose');
      const token = await new SignJWT({ user_id: 'u1', tenant_id: 't1' })
        .setProtectedHeader({ alg: 'HS256' })
        .setExpirationTime('1h')
        .sign(new TextEncoder().encode(secret));
      const response = await fetch(`${url}/api/v1/conversations/initiate`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ topic: 'goals' }),
      });
      expect(response.status).to.equal(201);
    } finally {
      await stopServer(server);
      await new Promise((resolve) => store.close(resolve));
    }
  });
});

/** Sends raw bytes and reads whatever comes back until the server closes the connection. */
async function rawExchange(url: string, bytes: string): Promise<string> {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  let received = '';
  socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
  socket.write(bytes);
  await once(socket, 'close');
  return received;
}

function parsed(raw: string): { status: number; headers: string; body: Record<string, unknown> } {
  const [head = '', body = ''] = raw.split('\r\n\r\n');
  return {
    status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]),
    headers: head,
    body: JSON.parse(body) as Record<string, unknown>,
  };
}

describe('requests Node refuses before the app sees them, on the local server', () => {
  let server: LocalServer;
  let dataDir: string;
  before(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'pp-parser-'));
    server = await startLocalServer({
      DATA_DIR: dataDir,
      PORT: '0',
      LOG_SILENT: 'true',
      JWT_SECRET: 'a-secret-for-the-parser-tests-0123456789',
    });
  });
  after(async () => {
    await server.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('when the headers are larger than Node accepts, then 431 comes in the envelope with an X-Request-ID', async () => {
    const raw = await rawExchange(
      server.url,
      `GET /api/v1/health/live HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
    );
    const { status, headers, body } = parsed(raw);
    expect(status).to.equal(431);
    expect(headers).to.match(/\r\ncontent-type: application\/json/i);
    const requestId = /\r\nX-Request-ID: (\S+)/i.exec(headers)?.[1];
    expect(requestId).to.match(/^[0-9a-f-]{36}$/);
    expect(body).to.deep.equal({
      error: 'request_header_fields_too_large',
      message: 'Request headers are too large',
      detail: 'Request headers are too large',
      request_id: requestId,
    });
  });

  it('when the request is not HTTP at all, then 400 bad_request comes in the envelope', async () => {
    const { status, headers, body } = parsed(await rawExchange(server.url, 'HELLO THERE\r\n\r\n'));
    expect(status).to.equal(400);
    expect(body).to.include({
      error: 'bad_request',
      request_id: /X-Request-ID: (\S+)/i.exec(headers)?.[1],
    });
  });

  it('when a refusal has been answered, then the server goes on serving', async () => {
    await rawExchange(server.url, 'HELLO THERE\r\n\r\n');
    expect((await fetch(`${server.url}/api/v1/health/live`)).status).to.equal(200);
  });
});

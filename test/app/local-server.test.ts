import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { startLocalServer } from '../../app/src/server.js';
import { startEmbeddedDynamo } from '../../app/src/storage/local-dynamo.js';

const run = promisify(execFile);
const quiet = { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', NODE_NO_WARNINGS: '1' };

/** `npm run token` as a newcomer runs it, against the given data folder. */
async function tokenFor(dataDir: string, user: string, tenant: string): Promise<string> {
  const { stdout } = await run(
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
    child?.kill('SIGTERM');
    child = undefined;
    await rm(dataDir, { recursive: true, force: true });
  });

  it('when started, then it prints its URL and how to get a token, and a token from npm run token works', async function () {
    this.timeout(60_000);
    child = spawn(process.execPath, ['--import', 'tsx', 'app/src/server.ts'], {
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
      const { SignJWT } = await import('jose');
      const token = await new SignJWT({ user_id: 'u1', tenant_id: 't1' })
        .setProtectedHeader({ alg: 'HS256' })
        .setExpirationTime('1h')
        .sign(new TextEncoder().encode(env.JWT_SECRET));
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
});

import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { Agent, request, type IncomingMessage } from 'node:http';
import { finished } from 'node:stream/promises';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { SignJWT } from 'jose';
import { descendantsOf, startChild, stillRunning, stopChild } from '../support/child-processes.js';
import { quietEnv } from '../support/server-process.js';

const root = path.resolve(__dirname, '..', '..');
const devScript = (
  JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
  }
).scripts.dev;

/** The whole body of a response. */
async function text(response: IncomingMessage): Promise<string> {
  let body = '';
  for await (const chunk of response) body += (chunk as Buffer).toString();
  return body;
}

/** `npm run dev`'s command line, as tsx's own arguments, with `extra` watch flags after `watch`. */
function tsxArguments(extra: string[]): string[] {
  const words = (devScript ?? '').split(/\s+/).filter((word) => !/^[A-Z_]+=/.test(word));
  expect(words.slice(0, 2)).to.deep.equal(['tsx', 'watch']);
  return ['watch', ...extra, ...words.slice(2)];
}

describe('npm run dev', () => {
  let dir: string;
  let child: ChildProcess | undefined;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'pp-dev-'));
  });
  afterEach(async () => {
    if (child) await stopChild(child);
    await rm(dir, { recursive: true, force: true });
  });

  it('when it runs, then it watches prompts/ and the app, and starts the server in dev mode', () => {
    expect(devScript).to.match(/^AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true tsx watch /);
    expect(devScript).to.match(/ --include prompts /);
    expect(devScript).to.match(/ app\/src\/server\.ts --dev$/);
  });

  it('when a watched file changes, then the server stops gracefully and comes back on the same data folder; stopped, nothing of it is left', async function () {
    this.timeout(60_000);
    const watched = path.join(dir, 'watched');
    writeFileSync(watched, 'one');
    const tsx = path.join(path.dirname(require.resolve('tsx/package.json')), 'dist', 'cli.mjs');
    child = startChild(process.execPath, [tsx, ...tsxArguments(['--include', watched])], {
      cwd: root,
      env: {
        ...process.env,
        ...quietEnv,
        DATA_DIR: path.join(dir, 'data'),
        PORT: '0',
        LOG_FORMAT: 'json',
        JWT_SECRET: 'a-secret-for-the-dev-mode-test-0123456789',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group, which the test stops as a whole.
      detached: true,
    });
    let out = '';
    let err = '';
    child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()));
    const exited = once(child, 'exit');
    /** Until the banner has been printed `count` times in full. */
    const waitFor = async (count: number) => {
      while (out.split('--tenant t1\n').length - 1 < count) {
        const ended = await Promise.race([once(child!.stdout!, 'data'), exited.then(() => 'exit')]);
        if (ended === 'exit') throw new Error(`npm run dev exited: ${err}`);
      }
    };

    await waitFor(1);
    expect(out).to.include('  dev:    restarts when a file under app/ or prompts/ changes');
    writeFileSync(watched, 'two');
    await waitFor(2);

    const stopped = out.split('\n').filter((line) => line.includes('"server_stopped"'));
    expect(stopped, out).to.have.length(1);
    expect(JSON.parse(stopped[0] ?? '{}')).to.include({ reason: 'SIGTERM' });
    expect(err).to.not.include('in use by another server');

    // What the test stops is the watcher and the server it started, not the watcher alone.
    const tree = await descendantsOf(child.pid ?? 0);
    expect(tree, 'the server under the watcher').to.not.have.length(0);
    await stopChild(child);
    expect(await stillRunning(tree), 'processes npm run dev left running').to.deep.equal([]);
  });

  it('when Ctrl-C reaches npm run dev while a browser holds a kept-alive connection and an open stream, then the server stops once: the stream ends with its turn, server_stopped is logged and the lock is gone', async function () {
    this.timeout(90_000);
    const secret = 'a-secret-for-the-dev-mode-test-0123456789';
    const dataDir = path.join(dir, 'data');
    // npm, its shell, tsx watch and the server: one process group, as in a terminal.
    child = startChild('npm', ['run', 'dev'], {
      cwd: root,
      env: {
        ...process.env,
        ...quietEnv,
        DATA_DIR: dataDir,
        PORT: '0',
        LOG_FORMAT: 'json',
        JWT_SECRET: secret,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const exited = once(child, 'exit');
    while (!out.includes('--tenant t1\n')) {
      const ended = await Promise.race([once(child.stdout!, 'data'), exited.then(() => 'exit')]);
      if (ended === 'exit') throw new Error(`npm run dev exited: ${out}`);
    }
    const url = /listening on (http:\/\/\S+)/.exec(out)?.[1] ?? '';
    const token = await new SignJWT({ user_id: 'dev', tenant_id: 't1' })
      .setProtectedHeader({ alg: 'HS256' })
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(secret));
    const headers = { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' };

    // A browser keeps its connection open between calls, and reads a streamed turn as it comes.
    const agent = new Agent({ keepAlive: true });
    const call = (path: string, body: unknown, accept = 'application/json') =>
      new Promise<IncomingMessage>((resolve, reject) => {
        const req = request(
          `${url}${path}`,
          { method: 'POST', agent, headers: { ...headers, Accept: accept } },
          resolve,
        );
        req.on('error', reject);
        req.end(JSON.stringify(body));
      });
    const initiated = await call('/api/v1/conversations/initiate', { topic: 'purpose' });
    const { conversation_id: id } = JSON.parse(await text(initiated)) as {
      conversation_id: string;
    };
    const stream = await call(
      `/api/v1/conversations/${id}/message`,
      { user_message: 'I build things that last.' },
      'text/event-stream',
    );
    let streamed = '';
    stream.on('data', (chunk: Buffer) => (streamed += chunk.toString()));
    while (!streamed.includes('event: delta')) await once(stream, 'data');

    process.kill(-(child.pid ?? 0), 'SIGINT');
    await exited;
    await finished(stream).catch(() => undefined);
    agent.destroy();

    expect(streamed, 'the open stream got its turn').to.match(/event: turn\n/);
    const stopped = out.split('\n').filter((line) => line.includes('"server_stopped"'));
    expect(stopped, out.slice(-2000)).to.have.length(1);
    expect(JSON.parse(stopped[0] ?? '{}')).to.include({ reason: 'SIGINT', requests_cut_off: 0 });
    expect(existsSync(path.join(dataDir, 'server.lock')), 'the lock left behind').to.equal(false);
  });
});

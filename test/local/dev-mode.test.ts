import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { quietEnv } from '../support/server-process.js';

const root = path.resolve(__dirname, '..', '..');
const devScript = (
  JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
  }
).scripts.dev;

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
    // The whole group: tsx watch's own child, the server, outlives a watcher killed alone.
    if (child?.pid !== undefined) {
      const exited = child.exitCode === null ? once(child, 'exit') : undefined;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // The group has already gone.
      }
      await exited;
    }
    await rm(dir, { recursive: true, force: true });
  });

  it('when it runs, then it watches prompts/ and the app, and starts the server in dev mode', () => {
    expect(devScript).to.match(/^AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true tsx watch /);
    expect(devScript).to.match(/ --include prompts /);
    expect(devScript).to.match(/ app\/src\/server\.ts --dev$/);
  });

  it('when a watched file changes, then the server stops gracefully and comes back on the same data folder', async function () {
    this.timeout(60_000);
    const watched = path.join(dir, 'watched');
    writeFileSync(watched, 'one');
    const tsx = path.join(path.dirname(require.resolve('tsx/package.json')), 'dist', 'cli.mjs');
    child = spawn(process.execPath, [tsx, ...tsxArguments(['--include', watched])], {
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
  });
});

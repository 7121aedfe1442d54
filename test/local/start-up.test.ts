import { once } from 'node:events';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { MINIMUM_NODE, unsupportedNode } from '../../app/src/local/supported-node.js';
import { runChild, startChild, stopChild } from '../support/child-processes.js';
import { quietEnv, runServer, stopServer, type ServerProcess } from '../support/server-process.js';

/** What a failed start must look like: exit 1 and exactly one line on stderr, nothing else. */
async function failsWithOneLine(server: ServerProcess): Promise<string> {
  expect(await server.exited, server.stderr()).to.equal(1);
  const line = server.stderr().trim();
  expect(line.split('\n'), line).to.have.length(1);
  expect(line).to.not.match(/^\s+at /m);
  expect(server.stdout()).to.not.include('listening on');
  return line;
}

describe('one local server per data folder', () => {
  let dataDir: string;
  const running: ServerProcess[] = [];
  const start = (env: Record<string, string | undefined>) => {
    const server = runServer({ DATA_DIR: dataDir, PORT: '0', ...env });
    running.push(server);
    return server;
  };

  beforeEach(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'pp-startup-'));
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map(stopServer));
    await rm(dataDir, { recursive: true, force: true });
  });

  it('when another server uses the data folder, then the second names its pid and DATA_DIR', async function () {
    this.timeout(40_000);
    const first = start({});
    expect(await first.started).to.have.property('url');
    const line = await failsWithOneLine(start({}));
    expect(line).to.equal(
      `The data folder ${dataDir} is in use by another server (pid ${first.child.pid}): stop that server, or give this one its own folder, e.g. DATA_DIR=.data-2 npm start`,
    );
    // The first one is untouched: it still answers.
    const { url } = (await first.started) as { url: string };
    expect((await fetch(`${url}/api/v1/health/live`)).status).to.equal(200);
  });

  it('when the lock was left by a process that died, then the next server takes it over on loopback', async function () {
    this.timeout(30_000);
    const gone = startChild(process.execPath, ['-e', '']);
    await stopChild(gone);
    writeFileSync(path.join(dataDir, 'server.lock'), `${gone.pid}\n`);
    const server = runServer({ DATA_DIR: dataDir, PORT: '0', HOST: undefined });
    running.push(server);
    const started = await server.started;
    expect(started, server.stderr())
      .to.have.property('url')
      .that.matches(/^http:\/\/127\.0\.0\.1:/);
    expect(readFileSync(path.join(dataDir, 'server.lock'), 'utf8').trim()).to.equal(
      String(server.child.pid),
    );
  });
});

describe('start-up failures of the local server, each one line with its fix', function () {
  // Each is a Node start-up and nothing more, so they run at once. Five of them at once on a
  // busy two-core machine can take well over mocha's default: the limit only guards a hang.
  this.timeout(120_000);
  const outcomes = new Map<string, Promise<{ line: string } | { error: unknown }>>();
  const running: ServerProcess[] = [];
  const squatter = createServer();
  let dataDir = '';
  let port = 0;
  before(async function () {
    this.timeout(30_000);
    dataDir = await mkdtemp(path.join(tmpdir(), 'pp-startup-'));
    squatter.listen(0, '127.0.0.1');
    await once(squatter, 'listening');
    port = (squatter.address() as AddressInfo).port;
    const cases: Record<string, Record<string, string>> = {
      port: { PORT: String(port) },
      unresolvable: { HOST: 'no-such-host.invalid' },
      foreign: { HOST: '192.0.2.1' },
      cors: { CORS_ORIGINS: 'http://localhost:5173,*' },
      store: { DYNAMODB_ENDPOINT: 'http://127.0.0.1:1' },
    };
    for (const [name, env] of Object.entries(cases)) {
      const server = runServer({ DATA_DIR: path.join(dataDir, name), PORT: '0', ...env });
      running.push(server);
      outcomes.set(
        name,
        failsWithOneLine(server).then(
          (line) => ({ line }),
          (error: unknown) => ({ error }),
        ),
      );
    }
  });
  after(async () => {
    squatter.close();
    await Promise.all(running.map(stopServer));
    await rm(dataDir, { recursive: true, force: true });
  });
  const line = async (name: string) => {
    const outcome = await outcomes.get(name);
    if (!outcome) throw new Error(`no case ${name}`);
    if ('error' in outcome) throw outcome.error;
    return outcome.line;
  };

  it('when the port is taken, then it names the port and how to pick another', async () => {
    expect(await line('port')).to.equal(
      `Port ${port} on 127.0.0.1 is already in use, probably by another server: stop it, or choose another port, e.g. PORT=${port + 1} npm start`,
    );
  });

  it('when HOST does not resolve, then it names HOST and the two usual values', async () => {
    expect(await line('unresolvable')).to.equal(
      'HOST=no-such-host.invalid does not resolve to an address: use HOST=127.0.0.1 (this machine only) or HOST=0.0.0.0 (every interface)',
    );
  });

  it('when HOST is an address this machine does not have, then it says so', async () => {
    expect(await line('foreign')).to.match(
      /^HOST=192\.0\.2\.1 is not an address of this machine: use HOST=127/,
    );
  });

  it('when CORS_ORIGINS holds "*", then it is refused before anything starts', async () => {
    expect(await line('cors')).to.match(
      /^Invalid configuration: CORS_ORIGINS is invalid: "\*" is refused/,
    );
    expect(existsSync(path.join(dataDir, 'cors'))).to.equal(false);
  });

  it('when DYNAMODB_ENDPOINT names a store that does not answer, then it says so and how to use the embedded one', async () => {
    expect(await line('store')).to.equal(
      'DYNAMODB_ENDPOINT=http://127.0.0.1:1 does not answer (Error: connect ECONNREFUSED 127.0.0.1:1): start that store, or unset DYNAMODB_ENDPOINT to use the embedded one',
    );
  });
});

describe('the Node the local entries run on', function () {
  this.timeout(60_000);
  let dir: string;
  let olderNode: string;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'pp-node-'));
    // No other Node is installed here: this one says it is 18 from the first line that runs.
    olderNode = path.join(dir, 'node-18.mjs');
    writeFileSync(
      olderNode,
      "Object.defineProperty(process.versions, 'node', { value: '18.20.4' });\n" +
        "Object.defineProperty(process, 'version', { value: 'v18.20.4' });\n",
    );
  });
  after(() => rm(dir, { recursive: true, force: true }));

  const onNode18 = (script: string, args: string[] = []) =>
    runChild(process.execPath, ['--import', 'tsx', '--import', olderNode, script, ...args], {
      cwd: path.resolve(__dirname, '..', '..'),
      env: { ...process.env, ...quietEnv, DATA_DIR: path.join(dir, 'data'), PORT: '0' },
    });
  const refusal =
    'PurposePath needs Node 20.19 or later; this is Node 18.20.4. Install Node 22 (what the deployed image runs), e.g. nvm install 22, and run it again';

  it('when npm start runs on Node 18, then it exits 1 with one line naming the Node it needs, before it starts anything', async () => {
    const outcome = await onNode18('app/src/server.ts');
    expect(outcome.code, outcome.stderr).to.equal(1);
    expect(outcome.stderr.trim()).to.equal(refusal);
    expect(outcome.stdout).to.equal('');
    expect(existsSync(path.join(dir, 'data'))).to.equal(false);
  });

  it('when npm run token runs on Node 18, then it refuses the same way', async () => {
    const outcome = await onNode18('scripts/token.ts', ['--user', 'u1', '--tenant', 't1']);
    expect(outcome.code).to.equal(1);
    expect(outcome.stderr.trim()).to.equal(refusal);
    expect(outcome.stdout).to.equal('');
  });

  it('when the version is compared, then 20.19 and anything later run, anything earlier does not', () => {
    for (const version of ['20.19.0', '20.20.2', '21.0.0', '22.12.0', '24.1.0']) {
      expect(unsupportedNode(version), version).to.equal(undefined);
    }
    for (const version of ['20.18.3', '20.0.0', '19.9.0', '18.20.4']) {
      expect(unsupportedNode(version), version).to.include(`this is Node ${version}`);
    }
  });

  it('when package.json declares its engines, then they say the same minimum', () => {
    const pkg = JSON.parse(
      readFileSync(path.resolve(__dirname, '..', '..', 'package.json'), 'utf8'),
    ) as { engines: { node: string } };
    expect(pkg.engines.node).to.equal(`>=${MINIMUM_NODE}`);
  });
});

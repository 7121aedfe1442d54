import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'chai';
import {
  listeningUrl,
  runServerOn,
  stopServer,
  type ServerProcess,
} from '../support/server-process.js';
import { signedToken } from '../support/tokens.js';

const SECRET = 'a-secret-for-the-stop-tests-of-32-bytes-or-more';

/**
 * A POST whose body is held back: `Expect: 100-continue` makes the server say, with its
 * `100 Continue`, that it has taken the request in hand; the body follows when the test says.
 */
async function heldRequest(url: string, token: string, body: string) {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  let received = '';
  socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
  const ended = new Promise<string>((resolve) => socket.on('close', () => resolve(received)));
  socket.write(
    [
      'POST /api/v1/conversations/initiate HTTP/1.1',
      `Host: ${hostname}:${port}`,
      `Authorization: Bearer ${token}`,
      'Content-Type: application/json',
      `Content-Length: ${Buffer.byteLength(body)}`,
      'Expect: 100-continue',
      '',
      '',
    ].join('\r\n'),
  );
  while (!received.includes('100 Continue')) await once(socket, 'data');
  return { socket, ended, sendBody: () => socket.write(body) };
}

/** True once the server no longer accepts connections. */
async function refusesConnections(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  for (let attempt = 0; attempt < 100; attempt++) {
    const socket: Socket = connect(Number(port), hostname);
    const outcome = await Promise.race([
      once(socket, 'connect').then(() => 'accepted'),
      once(socket, 'error').then(() => 'refused'),
    ]).catch(() => 'refused');
    socket.destroy();
    if (outcome === 'refused') return true;
    await sleep(50);
  }
  return false;
}

function stopLines(server: ServerProcess): Record<string, unknown>[] {
  return server
    .stdout()
    .split('\n')
    .filter((line) => line.includes('"server_stopped"'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('stopping the local server with a request in flight', () => {
  let dataDir: string;
  let server: ServerProcess | undefined;
  let token: string;

  beforeEach(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'pp-stop-'));
    token = await signedToken(SECRET, { user_id: 'u1', tenant_id: 't1' });
  });
  afterEach(async () => {
    await stopServer(server);
    server = undefined;
    await rm(dataDir, { recursive: true, force: true });
  });

  const start = async () => {
    // No LOG_FORMAT: stdout is a pipe here, so the lines are JSON, as in any log collector.
    server = runServerOn(dataDir, SECRET);
    return listeningUrl(server);
  };

  it('when SIGTERM arrives, then it stops accepting, finishes the request, logs one line and exits 0', async function () {
    this.timeout(30_000);
    const url = await start();
    const request = await heldRequest(url, token, JSON.stringify({ topic: 'vision' }));
    server?.child.kill('SIGTERM');
    expect(await refusesConnections(url)).to.equal(true);

    request.sendBody();
    const response = await request.ended;
    expect(response).to.match(/^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 201 Created\r\n/);
    expect(response).to.match(/"status":"active"/);
    expect(await server?.exited).to.equal(0);
    const lines = stopLines(server!);
    expect(lines).to.have.length(1);
    expect(lines[0]).to.include({ reason: 'SIGTERM', requests_finished: 1, requests_cut_off: 0 });
    expect(server?.stderr()).to.equal('');
  });

  it('when Ctrl-C arrives and a request never completes, then the wait is bounded and it still exits 0', async function () {
    this.timeout(30_000);
    const url = await start();
    const finishing = await heldRequest(url, token, JSON.stringify({ topic: 'goals' }));
    const hanging = await heldRequest(url, token, JSON.stringify({ topic: 'purpose' }));
    const signalled = Date.now();
    server?.child.kill('SIGINT');
    expect(await refusesConnections(url)).to.equal(true);
    finishing.sendBody();

    expect(await finishing.ended).to.include('HTTP/1.1 201 Created');
    expect(await hanging.ended).to.not.include('HTTP/1.1 201');
    expect(await server?.exited).to.equal(0);
    expect(Date.now() - signalled).to.be.below(15_000);
    const lines = stopLines(server!);
    expect(lines).to.have.length(1);
    expect(lines[0]).to.include({ reason: 'SIGINT', requests_finished: 1, requests_cut_off: 1 });
  });

  it('when one Ctrl-C arrives twice within moments (from the terminal, and relayed by tsx watch), then it still stops gracefully', async function () {
    this.timeout(30_000);
    const url = await start();
    const request = await heldRequest(url, token, JSON.stringify({ topic: 'purpose' }));
    server?.child.kill('SIGINT');
    await sleep(50);
    server?.child.kill('SIGINT');
    expect(await refusesConnections(url)).to.equal(true);
    request.sendBody();

    expect(await request.ended).to.include('HTTP/1.1 201 Created');
    expect(await server?.exited).to.equal(0);
    expect(stopLines(server!)[0]).to.include({ reason: 'SIGINT', requests_finished: 1 });
    expect(existsSync(path.join(dataDir, 'server.lock'))).to.equal(false);
  });

  it('when a second Ctrl-C comes a while after the first, then it stops at once', async function () {
    this.timeout(30_000);
    const url = await start();
    const request = await heldRequest(url, token, JSON.stringify({ topic: 'purpose' }));
    server?.child.kill('SIGINT');
    expect(await refusesConnections(url)).to.equal(true);
    await sleep(1500);
    server?.child.kill('SIGINT');

    expect(await server?.exited).to.equal(1);
    expect(await request.ended).to.not.include('HTTP/1.1 201');
    expect(stopLines(server!)).to.have.length(0);
  });

  it('when the terminal it runs in is closed (SIGHUP), then it stops the same way', async function () {
    this.timeout(30_000);
    await start();
    server?.child.kill('SIGHUP');
    expect(await server?.exited).to.equal(0);
    expect(stopLines(server!)).to.have.length(1);
    expect(stopLines(server!)[0]).to.include({ reason: 'SIGHUP' });
  });
});

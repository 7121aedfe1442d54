// What `npm start` and `npm run dev` are told besides the environment: `.env` keys the service
// does not read are reported (each with the nearest setting it does read), and the command line
// is honoured (`--port`, `--host`) or refused in one line, never ignored.
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { nearestSetting } from '../../app/src/local/unknown-settings.js';
import { runServer, stopServer, type ServerProcess } from '../support/server-process.js';

const root = path.resolve(__dirname, '..', '..');

function jsonLines(server: ServerProcess): Record<string, unknown>[] {
  return server
    .stdout()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('the local server’s settings beyond the environment', function () {
  this.timeout(60_000);
  let dir: string;
  const running: ServerProcess[] = [];
  const start = (env: Record<string, string>, args: string[] = [], cwd?: string) => {
    const server = runServer(
      { DATA_DIR: path.join(dir, 'data'), PORT: '0', LOG_FORMAT: 'json', ...env },
      args,
      cwd,
    );
    running.push(server);
    return server;
  };
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'pp-cli-'));
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map(stopServer));
    await rm(dir, { recursive: true, force: true });
  });

  it('when a name is one slip away from a setting, then that setting is the nearest; when none is close, there is none', () => {
    expect(nearestSetting('LOG_LEVL')).to.equal('LOG_LEVEL');
    expect(nearestSetting('CORS_ORIGIN')).to.equal('CORS_ORIGINS');
    expect(nearestSetting('log_level')).to.equal('LOG_LEVEL');
    expect(nearestSetting('JWT_SCERET')).to.equal('JWT_SECRET');
    expect(nearestSetting('PORTS')).to.equal('PORT');
    expect(nearestSetting('AWS_PROFILE')).to.equal(undefined);
    expect(nearestSetting('NODE_OPTIONS')).to.equal(undefined);
  });

  it('when .env holds keys the service does not read, then each is one warning naming the nearest setting, and the server starts', async () => {
    writeFileSync(
      path.join(dir, '.env'),
      'LOG_LEVL=debug\nCORS_ORIGIN=http://localhost:4000\nSOMETHING_ELSE=1\nSTAGE=local\n',
    );
    const server = start({ PROMPTS_DIR: path.join(root, 'prompts') }, [], dir);
    expect(await server.started, server.stderr()).to.have.property('url');
    const warnings = jsonLines(server).filter((line) => line.event === 'unknown_setting');
    expect(warnings.map((w) => [w.level, w.variable, w.nearest])).to.have.deep.members([
      ['warn', 'LOG_LEVL', 'LOG_LEVEL'],
      ['warn', 'CORS_ORIGIN', 'CORS_ORIGINS'],
      ['warn', 'SOMETHING_ELSE', undefined],
    ]);
    expect(warnings.find((w) => w.variable === 'LOG_LEVL')?.hint).to.equal(
      '.env: LOG_LEVL is not a setting of this service and is ignored (did you mean LOG_LEVEL? docs/configuration.md lists every setting)',
    );
  });

  it('when npm start is given --port, then it listens there, over PORT', async () => {
    const squatter = createServer().listen(0, '127.0.0.1');
    await once(squatter, 'listening');
    try {
      // PORT names a port that is taken, so only a --port that wins lets the server start.
      const taken = String((squatter.address() as AddressInfo).port);
      const server = start({ PORT: taken }, ['--port', '0']);
      const started = await server.started;
      expect(started, server.stderr()).to.have.property('url');
      expect((started as { url: string }).url).to.not.include(`:${taken}`);
    } finally {
      squatter.close();
    }
  });

  for (const [args, line] of [
    [
      ['--prot', '8001'],
      'Unknown option --prot: npm start takes --port <number> and --host <address> (or PORT and HOST)',
    ],
    [
      ['8001'],
      'Unexpected argument "8001": npm start takes --port <number> and --host <address> (or PORT and HOST)',
    ],
    [['--port', 'eighty'], '--port eighty is not a port number: use 0–65535, e.g. --port 8001'],
    [['--port'], '--port needs a value, e.g. --port 8001'],
  ] as const) {
    it(`when npm start is given ${args.join(' ')}, then it refuses in one line`, async () => {
      const server = start({}, [...args]);
      expect(await server.exited).to.equal(1);
      expect(server.stderr().trim()).to.equal(line);
      expect(server.stdout()).to.equal('');
    });
  }
});

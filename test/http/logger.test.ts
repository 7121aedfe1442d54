import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { prettyLine } from '../../app/src/observability/logger.js';
import { runServer, stopServer, type ServerProcess } from '../support/server-process.js';

describe('log lines for a person (LOG_FORMAT=pretty)', () => {
  it('when a request is logged, then the line reads as the request and its answer', () => {
    const line = prettyLine({
      timestamp: '2026-12-01T09:30:15.123Z',
      level: 'info',
      message: 'request',
      event: 'request',
      method: 'POST',
      path: '/api/v1/conversations/initiate',
      route: '/api/v1/conversations/initiate',
      status: 201,
      duration_ms: 12.5,
      request_id: 'abc',
      user_id: 'u1',
    });
    expect(line).to.equal(
      '09:30:15.123  INFO   request  POST /api/v1/conversations/initiate → 201 in 12.5 ms  request_id=abc  user_id=u1',
    );
  });

  it('when a field holds spaces or an object, then it is quoted as JSON; a stack goes below, indented', () => {
    const line = prettyLine({
      timestamp: '2026-12-01T09:30:15.123Z',
      level: 'error',
      event: 'unhandled_error',
      reason: 'it broke badly',
      detail: { a: 1 },
      stack: 'Error: it broke\n    at here',
    });
    expect(line.split('\n')).to.deep.equal([
      '09:30:15.123  ERROR  unhandled_error  reason="it broke badly"  detail={"a":1}',
      '    Error: it broke',
      '        at here',
    ]);
  });

  describe('the local server with LOG_FORMAT=pretty and LOG_LEVEL=DEBUG', () => {
    let server: ServerProcess | undefined;
    let dataDir: string;
    before(async function () {
      this.timeout(30_000);
      dataDir = await mkdtemp(path.join(tmpdir(), 'pp-pretty-'));
      server = runServer({
        DATA_DIR: dataDir,
        PORT: '0',
        LOG_FORMAT: 'pretty',
        LOG_LEVEL: 'DEBUG',
      });
      const started = await server.started;
      if (!('url' in started)) throw new Error(server.stderr());
      await fetch(`${started.url}/api/v1/health`);
      server.child.kill('SIGTERM');
      await server.exited;
    });
    after(async () => {
      await stopServer(server);
      await rm(dataDir, { recursive: true, force: true });
    });

    it('when it serves a request, then each line starts with the time and level, not with a brace', () => {
      const lines = (server?.stdout() ?? '').split('\n').filter((l) => /^\d\d:\d\d/.test(l));
      expect(server?.stdout()).to.not.match(/^\{/m);
      expect(
        lines.some((l) => / INFO {3}request {2}GET \/api\/v1\/health → 200 in [\d.]+ ms /.test(l)),
      ).to.equal(true);
      expect(lines.some((l) => / INFO {3}server_stopped {2}reason=SIGTERM /.test(l))).to.equal(
        true,
      );
    });

    it('when the level is DEBUG, then the configuration and each store call are on a line of their own', () => {
      const debug = (server?.stdout() ?? '').split('\n').filter((l) => l.includes(' DEBUG '));
      expect(
        debug.some((l) => /DEBUG {2}configuration {2}stage=local .*host=127\.0\.0\.1/.test(l)),
      ).to.equal(true);
      expect(
        debug.some((l) =>
          /DEBUG {2}dynamodb {2}command=GetItem {2}table=purposepath-conversations-local-v2 {2}outcome=ok/.test(
            l,
          ),
        ),
      ).to.equal(true);
    });
  });
});

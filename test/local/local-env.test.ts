import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect } from 'chai';
import { decodeJwt, jwtVerify } from 'jose';
import { configVariables, withDotEnv } from '../../app/src/config.js';
import { lockDataFolder } from '../../app/src/local/data-lock.js';
import { runChild } from '../support/child-processes.js';
import { quietEnv } from '../support/server-process.js';

const root = path.resolve(__dirname, '..', '..');

describe('the local environment: .env.example and .env', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'pp-env-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('when .env.example is read, then it lists each variable the configuration reads, once, and no other', () => {
    const text = readFileSync(path.join(root, '.env.example'), 'utf8');
    const listed = [...text.matchAll(/^# ([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]);
    expect([...listed].sort()).to.deep.equal([...configVariables].sort());
    expect(new Set(listed).size).to.equal(listed.length);
  });

  it('when .env sets variables, then they are used, and a variable of the environment wins', () => {
    const file = path.join(dir, '.env');
    writeFileSync(file, '# local settings\nPORT=9001\nJWT_ISSUER="from-the-file"\n');
    const env = withDotEnv(file, { PORT: '8001', STAGE: 'local' });
    expect(env).to.include({ PORT: '8001', JWT_ISSUER: 'from-the-file', STAGE: 'local' });
  });

  it('when there is no .env, then the environment is used as it is', () => {
    const env = { PORT: '8001' };
    expect(withDotEnv(path.join(dir, '.env'), env)).to.deep.equal(env);
  });

  it('when git looks at .env, then it is ignored and .env.example is not', async () => {
    const ignored = async (file: string) =>
      (await runChild('git', ['check-ignore', '-q', file], { cwd: root })).code === 0;
    expect(await ignored('.env')).to.equal(true);
    expect(await ignored('.env.example')).to.equal(false);
  });

  it('when a second server is told to use another DATA_DIR, then git ignores that folder as it ignores .data', async () => {
    const data = path.join(dir, '.data');
    const lock = lockDataFolder(data);
    let hint = '';
    try {
      lockDataFolder(data);
    } catch (error) {
      hint = /DATA_DIR=(\S+)/.exec((error as Error).message)?.[1] ?? '';
    } finally {
      lock.release();
    }
    expect(hint).to.not.equal('');
    for (const file of ['.data/jwt-secret', `${hint}/jwt-secret`, `${hint}/dynamodb/CURRENT`]) {
      const ignored = await runChild('git', ['check-ignore', '-q', '--no-index', file], {
        cwd: root,
      });
      expect(ignored.code, file).to.equal(0);
    }
  });

  it('when npm run token runs beside a .env, then it signs with that secret and issuer', async function () {
    this.timeout(20_000);
    const secret = 'a-secret-from-dot-env-of-at-least-32-bytes';
    writeFileSync(path.join(dir, '.env'), `JWT_SECRET=${secret}\nJWT_ISSUER=from-dot-env\n`);
    const tsx = pathToFileURL(require.resolve('tsx')).href;
    const env: NodeJS.ProcessEnv = { ...process.env, ...quietEnv };
    delete env.JWT_SECRET;
    delete env.JWT_ISSUER;
    const { stdout } = await runChild(
      process.execPath,
      ['--import', tsx, path.join(root, 'scripts', 'token.ts'), '--user', 'u1', '--tenant', 't1'],
      { cwd: dir, env },
    );
    const token = stdout.trim();
    expect(decodeJwt(token).iss).to.equal('from-dot-env');
    await jwtVerify(token, new TextEncoder().encode(secret), { issuer: 'from-dot-env' });
  });
});

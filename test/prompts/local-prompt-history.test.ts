// The embedded prompt history on disk: kept across restarts, seeded from prompts/, a file of
// prompts/ changed by a developer becoming a new version on the next start (never silently lost,
// never reverting a version published through the API), and what the catalog serves from it.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { TemplateCatalog } from '../../app/src/prompts/catalog';
import { localPromptStore } from '../../app/src/prompts/local-prompt-store';
import { createPromptAdmin } from '../../app/src/prompts/prompt-admin';
import { fileOf, promptKeys, type PromptKey } from '../../app/src/prompts/prompt-keys';
import { diskVersionLog } from '../../app/src/prompts/version-log';
import { startLocalServer } from '../../app/src/server';
import { memoryLogger, TEST_SECRET } from '../support/harness';

const promptsDir = path.resolve(__dirname, '..', '..', 'prompts');
const key: PromptKey = 'coaching/goals';

describe('the embedded prompt history on disk', () => {
  let dir: string;
  let seedDir: string;
  let historyDir: string;

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'local-prompts-'));
    seedDir = path.join(dir, 'prompts');
    historyDir = path.join(dir, 'data', 'prompts');
    cpSync(promptsDir, seedDir, { recursive: true });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** The store as one start of the server opens it. */
  const open = () => localPromptStore({ log: diskVersionLog(historyDir), seedDir });
  const adminOf = (store: ReturnType<typeof open>) => createPromptAdmin({ history: store, rules: {} });
  const repoFile = path.join(promptsDir, fileOf(key));
  const edit = (text: string) => writeFileSync(path.join(seedDir, fileOf(key)), text);
  const titled = (title: string) =>
    readFileSync(repoFile, 'utf8').replace(/^title: .*$/m, `title: ${JSON.stringify(title)}`);

  it('when the server restarts, then a version published through the API is still current and nothing is added', async () => {
    const first = adminOf(open());
    const seed = await first.read(key);
    expect(seed).to.include({ updatedBy: 'repository', content: readFileSync(repoFile, 'utf8') });
    const published = await first.publish(key, { content: titled('API'), ifMatch: seed.versionId, updatedBy: 'admin' });

    const again = adminOf(open());
    expect(await again.read(key)).to.deep.equal(published);
    expect((await again.versions(key)).versions).to.have.lengthOf(2);
    for (const other of promptKeys.filter((k) => k !== key)) {
      expect((await again.versions(other)).versions, other).to.have.lengthOf(1);
    }
  });

  it('when a developer edits a file of prompts/, then the next start adds it as a new version by "repository" and the API’s version stays in the history', async () => {
    const first = adminOf(open());
    const seed = await first.read(key);
    const published = await first.publish(key, { content: titled('API'), ifMatch: seed.versionId, updatedBy: 'admin' });
    edit(titled('Developer'));

    const next = adminOf(open());
    const current = await next.read(key);
    expect(current).to.include({ updatedBy: 'repository', content: titled('Developer') });
    expect(current.note).to.include(fileOf(key));
    const ids = (await next.versions(key)).versions.map((v) => v.versionId);
    expect(ids).to.deep.equal([current.versionId, published.versionId, seed.versionId]);
    expect((await adminOf(open()).versions(key)).versions, 'a second start adds nothing').to.have.lengthOf(3);
  });

  it('when two servers open the same history at once, then each template is seeded once', async () => {
    await Promise.all([open().list(), open().list(), open().list()]);
    for (const k of promptKeys) {
      expect((await adminOf(open()).versions(k)).versions, k).to.have.lengthOf(1);
    }
  });

  it('when a developer’s edit breaks a template, then the catalog serves the version before it, names that version, and health warns', async () => {
    const seed = await adminOf(open()).read(key);
    edit(readFileSync(repoFile, 'utf8').replace(/^system_prompt:/m, 'system_promt:'));
    const store = open();
    const logger = memoryLogger();
    const catalog = new TemplateCatalog({ source: store, logger, cacheMs: 60_000 });
    const served = await catalog.coaching('goals');
    expect(served.promptVersion).to.deep.equal({ key, versionId: seed.versionId });
    expect(await catalog.check()).to.equal('healthy');
    const broken = (await adminOf(store).read(key)).versionId;
    expect(catalog.warnings()).to.deep.equal([
      `${key}: version ${broken} cannot be used (system_prompt: Invalid input: expected string, received undefined); serving version ${seed.versionId}`,
    ]);
  });

  it('when the catalog serves a template, then it names the current version, and a publish here is served at once', async () => {
    const store = open();
    const admin = createPromptAdmin({ history: store, rules: {}, changed: (k) => catalog.forget(k) });
    const catalog = new TemplateCatalog({ source: store, logger: memoryLogger(), cacheMs: 60_000 });
    const seed = await admin.read(key);
    expect((await catalog.coaching('goals')).promptVersion).to.deep.equal({ key, versionId: seed.versionId });
    const published = await admin.publish(key, { content: titled('Now'), ifMatch: seed.versionId, updatedBy: 'a' });
    const served = await catalog.coaching('goals');
    expect(served.title).to.equal('Now');
    expect(served.promptVersion.versionId).to.equal(published.versionId);
  });
});

describe('the local server’s prompt history', () => {
  it('when the server starts, serves and restarts, then the history is kept under DATA_DIR/prompts, one version per template', async function () {
    this.timeout(60_000);
    const dataDir = mkdtempSync(path.join(tmpdir(), 'local-server-prompts-'));
    const env = {
      DATA_DIR: dataDir,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_SILENT: 'true',
      JWT_SECRET: TEST_SECRET,
    };
    try {
      for (const run of [1, 2]) {
        const server = await startLocalServer(env);
        try {
          const health = await fetch(`${server.url}/api/v1/health`);
          expect(health.status, `run ${run}`).to.equal(200);
        } finally {
          await server.close();
        }
        for (const k of promptKeys) {
          const versions = path.join(dataDir, 'prompts', ...k.split('/'));
          expect(readFileSync(path.join(versions, '1.json'), 'utf8'), k).to.include('"fromRepository":true');
          expect(() => readFileSync(path.join(versions, '2.json')), `${k}, run ${run}`).to.throw();
        }
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

// One behaviour suite for every prompt store: the embedded history (in memory and on disk) and
// the S3 adapter against a versioned S3 stand-in over HTTP, driven through the admin use cases
// that the admin routes call. Listing, reading any version, paging, publishing from the current
// version only, rollback, and every refusal leaving the history as it was.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import {
  AppError,
  InvalidTemplateError,
  PreconditionFailedError,
} from '../../app/src/errors';
import { createPromptAdmin, type PromptAdmin } from '../../app/src/prompts/prompt-admin';
import { fileOf, promptKeys, type PromptKey } from '../../app/src/prompts/prompt-keys';
import { localPromptStore } from '../../app/src/prompts/local-prompt-store';
import type { PromptHistory, PromptSource } from '../../app/src/prompts/prompt-store';
import { s3PromptHistory } from '../../app/src/prompts/s3-history';
import { s3PromptSource } from '../../app/src/prompts/s3-source';
import { diskVersionLog, memoryVersionLog } from '../../app/src/prompts/version-log';
import { startFakeS3 } from '../support/fake-s3';

const promptsDir = path.resolve(__dirname, '..', '..', 'prompts');
const shipped = (key: PromptKey) => readFileSync(path.join(promptsDir, fileOf(key)), 'utf8');
const ALLOWED = ['allowed.model-v1'];

interface Store {
  readonly history: PromptHistory;
  readonly source: PromptSource;
  /** Who the versions already there are attributed to. */
  readonly seededBy: string;
  close(): Promise<void>;
}

/** A version of the shipped template that a test can tell apart. */
const withTitle = (key: PromptKey, title: string) =>
  shipped(key).replace(/^title: .*$/m, `title: ${JSON.stringify(title)}`);

async function expectRefused(work: Promise<unknown>, status: number, code: string): Promise<AppError> {
  try {
    await work;
  } catch (error) {
    expect(error, String(error)).to.be.instanceOf(AppError);
    expect((error as AppError).status).to.equal(status);
    expect((error as AppError).code).to.equal(code);
    return error as AppError;
  }
  throw new Error(`expected ${code}`);
}

const stores: [string, () => Promise<Store>][] = [
  [
    'the embedded history in memory',
    async () => {
      const store = localPromptStore({ log: memoryVersionLog(), seedDir: promptsDir });
      return { history: store, source: store, seededBy: 'repository', close: async () => {} };
    },
  ],
  [
    'the embedded history on disk',
    async () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'prompt-history-'));
      const store = localPromptStore({ log: diskVersionLog(dir), seedDir: promptsDir });
      return {
        history: store,
        source: store,
        seededBy: 'repository',
        close: async () => rmSync(dir, { recursive: true, force: true }),
      };
    },
  ],
  [
    'the S3 adapter on a versioned bucket',
    async () => {
      const s3 = await startFakeS3();
      for (const key of promptKeys) await s3.put(fileOf(key), shipped(key), { 'updated-by': 'deploy' });
      return {
        history: s3PromptHistory(s3.client, s3.bucket),
        source: s3PromptSource(s3.client, s3.bucket),
        seededBy: 'deploy',
        close: () => s3.close(),
      };
    },
  ],
];

for (const [name, open] of stores) {
  describe(`prompt history: ${name}`, () => {
    let store: Store;
    let admin: PromptAdmin;
    const changed: PromptKey[] = [];
    const key: PromptKey = 'coaching/goals';

    beforeEach(async () => {
      store = await open();
      changed.length = 0;
      admin = createPromptAdmin({
        history: store.history,
        rules: { allowedModels: ALLOWED },
        changed: (k) => changed.push(k),
      });
    });
    afterEach(() => store.close());

    const countVersions = async (k: PromptKey) =>
      (await admin.versions(k, { pageSize: 100 })).versions.length;

    it('when the templates are listed, then all nine are there with their current version', async () => {
      const listed = await admin.list();
      expect(listed.map((p) => p.key).sort()).to.deep.equal([...promptKeys].sort());
      for (const prompt of listed) {
        expect(prompt).to.include({ isCurrent: true, updatedBy: store.seededBy });
        expect(prompt.size).to.equal(Buffer.byteLength(shipped(prompt.key)));
        expect(Date.parse(prompt.updatedAt)).to.be.above(0);
      }
    });

    it('when a template is published from its current version, then it is current, the old one stays readable, and the list is newest first', async () => {
      const before = await admin.read(key);
      expect(before).to.include({ isCurrent: true, content: shipped(key) });
      const published = await admin.publish(key, {
        content: withTitle(key, 'Goals, second edition'),
        note: 'Sharper questions — für alle 🎯\nline two',
        ifMatch: before.versionId,
        updatedBy: 'admin-zoë',
      });
      expect(published).to.include({
        key,
        isCurrent: true,
        updatedBy: 'admin-zoë',
        note: 'Sharper questions — für alle 🎯\nline two',
        content: withTitle(key, 'Goals, second edition'),
      });
      expect(published.versionId).to.not.equal(before.versionId);
      expect(changed).to.deep.equal([key]);
      expect(await admin.read(key)).to.deep.equal(published);
      const old = await admin.read(key, before.versionId);
      expect(old).to.include({ isCurrent: false, content: shipped(key) });
      const page = await admin.versions(key);
      expect(page.versions.map((v) => v.versionId)).to.deep.equal([
        published.versionId,
        before.versionId,
      ]);
      expect(page.versions.map((v) => v.isCurrent)).to.deep.equal([true, false]);
      expect(page.nextCursor).to.equal(null);
    });

    it('when the serving side reads a template, then it revalidates by ETag and sees a publish at once', async () => {
      const first = await store.source.read(key);
      if (first === 'not-modified') throw new Error('a first read returns the object');
      expect(await store.source.read(key, first.etag)).to.equal('not-modified');
      const published = await admin.publish(key, {
        content: withTitle(key, 'Goals v2'),
        ifMatch: first.versionId,
        updatedBy: 'admin',
      });
      const next = await store.source.read(key, first.etag);
      if (next === 'not-modified') throw new Error('a publish changes the current version');
      expect(next.versionId).to.equal(published.versionId);
      const earlier = [];
      for await (const version of store.source.earlier!(key)) earlier.push(version.versionId);
      expect(earlier).to.deep.equal([first.versionId]);
    });

    it('when an edit starts from a version that is no longer current, then it is 412 naming the current one and nothing is written', async () => {
      const start = await admin.read(key);
      const first = await admin.publish(key, {
        content: withTitle(key, 'First'),
        ifMatch: start.versionId,
        updatedBy: 'a',
      });
      const error = await expectRefused(
        admin.publish(key, { content: withTitle(key, 'Second'), ifMatch: start.versionId, updatedBy: 'b' }),
        412,
        'precondition_failed',
      );
      expect(error.fields).to.deep.equal({ current_version_id: first.versionId });
      expect(await countVersions(key)).to.equal(2);
      expect((await admin.read(key)).content).to.equal(withTitle(key, 'First'));
    });

    it('when two admins publish from the same version at once, then one wins, the other gets 412, and the history holds exactly the winner', async () => {
      const start = await admin.read(key);
      const results = await Promise.allSettled(
        ['Alice', 'Bob'].map((who) =>
          admin.publish(key, { content: withTitle(key, who), ifMatch: start.versionId, updatedBy: who }),
        ),
      );
      const won = results.filter((r) => r.status === 'fulfilled');
      const lost = results.filter((r) => r.status === 'rejected');
      expect(won).to.have.lengthOf(1);
      expect(lost).to.have.lengthOf(1);
      expect((lost[0] as PromiseRejectedResult).reason).to.be.instanceOf(PreconditionFailedError);
      const winner = (won[0] as PromiseFulfilledResult<{ versionId: string; updatedBy: string }>).value;
      const versions = (await admin.versions(key)).versions;
      expect(versions.map((v) => v.versionId)).to.deep.equal([winner.versionId, start.versionId]);
      expect((await admin.read(key)).content).to.equal(withTitle(key, winner.updatedBy));
    });

    it('when a template is rolled back, then a new current version holds the old content and the history keeps every version', async () => {
      const start = await admin.read(key);
      const edit = await admin.publish(key, {
        content: withTitle(key, 'Edited'),
        ifMatch: start.versionId,
        updatedBy: 'a',
      });
      const back = await admin.rollback(key, { versionId: start.versionId, updatedBy: 'ops' });
      expect(back).to.include({ isCurrent: true, content: shipped(key), updatedBy: 'ops' });
      expect(back.note).to.equal(`rollback to ${start.versionId}`);
      expect([start.versionId, edit.versionId]).to.not.include(back.versionId);
      const versions = (await admin.versions(key)).versions.map((v) => v.versionId);
      expect(versions).to.deep.equal([back.versionId, edit.versionId, start.versionId]);
      await expectRefused(
        admin.rollback(key, { versionId: start.versionId, ifMatch: edit.versionId, updatedBy: 'x' }),
        412,
        'precondition_failed',
      );
      expect(await countVersions(key)).to.equal(3);
    });

    it('when the history is paged, then pages are newest first, each version once, and the last cursor is null', async () => {
      let current = (await admin.read(key)).versionId;
      const published = [current];
      for (let n = 1; n <= 4; n++) {
        current = (await admin.publish(key, { content: withTitle(key, `v${n}`), ifMatch: current, updatedBy: 'a' })).versionId;
        published.unshift(current);
      }
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await admin.versions(key, { pageSize: 2, cursor });
        expect(page.versions.length).to.be.within(1, 2);
        seen.push(...page.versions.map((v) => v.versionId));
        cursor = page.nextCursor ?? undefined;
        pages++;
      } while (cursor);
      expect(pages).to.equal(3);
      expect(seen).to.deep.equal(published);
      const other = (await admin.versions('coaching/vision', { pageSize: 1 })).nextCursor;
      expect(other, 'a template with one version has one page').to.equal(null);
      const firstPage = await admin.versions(key, { pageSize: 1 });
      await expectRefused(
        admin.versions('coaching/vision', { cursor: firstPage.nextCursor!, pageSize: 1 }),
        422,
        'validation_error',
      );
      await expectRefused(admin.versions(key, { cursor: 'bm90LWEtY3Vyc29y' }), 422, 'validation_error');
    });

    it('when a key is not one of the nine, or a version id is another template’s or malformed, then it is 404 and nothing is written', async () => {
      for (const bad of ['coaching/unknown', '../coaching/goals', 'coaching/goals.yaml', 'coaching%2Fgoals', '']) {
        await expectRefused(admin.read(bad), 404, 'prompt_not_found');
        await expectRefused(
          admin.publish(bad, { content: shipped(key), ifMatch: 'x', updatedBy: 'a' }),
          404,
          'prompt_not_found',
        );
      }
      const vision = await admin.read('coaching/vision');
      await expectRefused(admin.read(key, vision.versionId), 404, 'version_not_found');
      await expectRefused(
        admin.rollback(key, { versionId: vision.versionId, updatedBy: 'a' }),
        404,
        'version_not_found',
      );
      for (const bad of ['no such version', 'x'.repeat(1025), 'ünïcode', '../../etc']) {
        await expectRefused(admin.read(key, bad), 404, 'version_not_found');
      }
      expect(await countVersions(key)).to.equal(1);
    });

    it('when an edit is refused (no If-Match, an unusable template, a note too long, a model not allowed), then nothing is written', async () => {
      const start = await admin.read(key);
      await expectRefused(
        admin.publish(key, { content: withTitle(key, 'x'), updatedBy: 'a' }),
        428,
        'precondition_required',
      );
      const invalid = await expectRefused(
        admin.publish(key, { content: 'kind: coaching\ntopic: [goals', ifMatch: start.versionId, updatedBy: 'a' }),
        422,
        'invalid_template',
      );
      expect((invalid as InvalidTemplateError).issues[0]?.msg).to.match(/^line \d+, column \d+: /);
      await expectRefused(
        admin.publish(key, {
          content: shipped(key).replace(/^model:\n/m, 'model:\n  model_id: other.model-v1\n'),
          ifMatch: start.versionId,
          updatedBy: 'a',
        }),
        422,
        'invalid_template',
      );
      await expectRefused(
        admin.publish(key, { content: withTitle(key, 'x'), note: 'n'.repeat(501), ifMatch: start.versionId, updatedBy: 'a' }),
        422,
        'validation_error',
      );
      await expectRefused(
        admin.publish(key, { content: withTitle(key, 'x'), note: '語'.repeat(300), ifMatch: start.versionId, updatedBy: 'a' }),
        422,
        'validation_error',
      );
      await expectRefused(admin.versions(key, { pageSize: 101 }), 422, 'validation_error');
      await expectRefused(admin.versions(key, { pageSize: 0 }), 422, 'validation_error');
      expect(await countVersions(key)).to.equal(1);
      expect((await admin.read(key)).versionId).to.equal(start.versionId);
      expect(changed).to.deep.equal([]);
    });

    it('when a rollback names a version the service cannot use, then it is 422 naming that version and nothing is written', async () => {
      const start = await admin.read(key);
      // An unusable version can only come from outside the admin routes (an upload by hand):
      // here, a model that was allowed when it was published and is no longer.
      const permissive = createPromptAdmin({ history: store.history, rules: {} });
      const old = await permissive.publish(key, {
        content: shipped(key).replace(/^model:\n/m, 'model:\n  model_id: retired.model-v1\n'),
        ifMatch: start.versionId,
        updatedBy: 'a',
      });
      const fixed = await admin.publish(key, { content: shipped(key), ifMatch: old.versionId, updatedBy: 'a' });
      const error = await expectRefused(
        admin.rollback(key, { versionId: old.versionId, updatedBy: 'b' }),
        422,
        'invalid_template',
      );
      expect(error.message).to.include(old.versionId);
      expect((await admin.read(key)).versionId).to.equal(fixed.versionId);
      expect(await countVersions(key)).to.equal(3);
    });
  });
}

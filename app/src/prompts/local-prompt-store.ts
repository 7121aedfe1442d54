// The embedded default's prompt store: every template's history in a version log (on disk under
// the data folder, or in memory), seeded from prompts/. Each time it opens (a start, a restart
// of `npm run dev`) a file of prompts/ that changed since its last import becomes a new version
// by "repository"; an unchanged file adds nothing, so a version published through the API stays.
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  PreconditionFailedError,
  PromptNotFoundError,
  VersionNotFoundError,
} from '../errors.js';
import { fileOf, promptKeys, type PromptKey } from './prompt-keys.js';
import type {
  PromptChange,
  PromptHistory,
  PromptObject,
  PromptSource,
  PromptVersion,
  PromptVersionInfo,
  VersionPage,
} from './prompt-store.js';
import { decodeVersionCursor, encodeVersionCursor } from './version-cursor.js';
import type { StoredVersion, VersionLog } from './version-log.js';

/** Who a version imported from prompts/ is attributed to. */
export const REPOSITORY = 'repository';

export interface LocalPromptStoreOptions {
  readonly log: VersionLog;
  /** The repository's templates (prompts/). */
  readonly seedDir: string;
  readonly now?: () => Date;
}

export type LocalPromptStore = PromptSource & PromptHistory;

export function localPromptStore(options: LocalPromptStoreOptions): LocalPromptStore {
  const { log } = options;
  const now = options.now ?? (() => new Date());
  let opened: Promise<void> | undefined;
  const ready = () =>
    (opened ??= importRepository().catch((error: unknown) => {
      opened = undefined;
      throw error;
    }));

  async function importRepository(): Promise<void> {
    for (const key of promptKeys) {
      const text = await readFile(path.join(options.seedDir, fileOf(key)), 'utf8').catch(
        (error: NodeJS.ErrnoException) => {
          if (error.code === 'ENOENT') return undefined;
          throw error;
        },
      );
      if (text === undefined) continue;
      // Judged again after losing a race, so servers opening together import a change once.
      for (;;) {
        const last = await log.last(key);
        const imported = await lastImport(key, last);
        if (imported?.content === text) break;
        const note = imported ? `prompts/${fileOf(key)} changed` : `from prompts/${fileOf(key)}`;
        const version = newVersion(last + 1, text, { updatedBy: REPOSITORY, note });
        if (await log.append(key, { ...version, fromRepository: true })) break;
      }
    }
  }

  async function lastImport(key: PromptKey, last: number): Promise<StoredVersion | undefined> {
    for (let seq = last; seq > 0; seq--) {
      const version = await log.get(key, seq);
      if (version?.fromRepository) return version;
    }
    return undefined;
  }

  /** Appends on top of whatever is current, retrying when another writer got there first. */
  async function appendAfterLatest(
    key: PromptKey,
    content: string,
    change: Omit<PromptChange, 'ifMatch'>,
  ): Promise<StoredVersion> {
    for (;;) {
      const version = newVersion((await log.last(key)) + 1, content, change);
      if (await log.append(key, version)) return version;
    }
  }

  function newVersion(
    seq: number,
    content: string,
    change: Omit<PromptChange, 'ifMatch'>,
  ): StoredVersion {
    return {
      seq,
      // The number orders versions; the random part keeps one template's ids from naming another's.
      versionId: `${seq}.${randomBytes(6).toString('hex')}`,
      updatedAt: now().toISOString(),
      updatedBy: change.updatedBy,
      note: change.note,
      content,
    };
  }

  async function currentOf(key: PromptKey): Promise<StoredVersion> {
    await ready();
    const version = await log.get(key, await log.last(key));
    if (!version) throw new PromptNotFoundError(key);
    return version;
  }

  async function named(key: PromptKey, versionId: string): Promise<StoredVersion> {
    await ready();
    const seq = Number(/^(\d+)\./.exec(versionId)?.[1]);
    const version = Number.isSafeInteger(seq) ? await log.get(key, seq) : undefined;
    if (version?.versionId !== versionId) throw new VersionNotFoundError(key, versionId);
    return version;
  }

  const info = (key: PromptKey, version: StoredVersion, lastSeq: number): PromptVersionInfo => ({
    key,
    versionId: version.versionId,
    updatedAt: version.updatedAt,
    updatedBy: version.updatedBy,
    note: version.note,
    isCurrent: version.seq === lastSeq,
    size: Buffer.byteLength(version.content),
  });

  const full = (key: PromptKey, version: StoredVersion, lastSeq: number): PromptVersion => ({
    ...info(key, version, lastSeq),
    content: version.content,
  });

  /** Writes the next version only if `ifMatch` (when given) is still the current one. */
  async function change(key: PromptKey, content: string, by: PromptChange): Promise<PromptVersion> {
    if (by.ifMatch === undefined) {
      const written = await appendAfterLatest(key, content, by);
      return full(key, written, written.seq);
    }
    const current = await currentOf(key);
    if (current.versionId !== by.ifMatch) throw new PreconditionFailedError(key, current.versionId);
    const written = newVersion(current.seq + 1, content, by);
    if (await log.append(key, written)) return full(key, written, written.seq);
    throw new PreconditionFailedError(key, (await currentOf(key)).versionId);
  }

  return {
    name: 'local prompt history',

    async read(key: PromptKey, etag?: string): Promise<PromptObject | 'not-modified'> {
      const current = await currentOf(key);
      if (current.versionId === etag) return 'not-modified';
      return { text: current.content, etag: current.versionId, versionId: current.versionId };
    },

    async *earlier(key: PromptKey): AsyncIterable<PromptObject> {
      await ready();
      for (let seq = (await log.last(key)) - 1; seq > 0; seq--) {
        const version = await log.get(key, seq);
        if (version) yield { text: version.content, etag: version.versionId, versionId: version.versionId };
      }
    },

    async list() {
      await ready();
      const found: PromptVersionInfo[] = [];
      for (const key of promptKeys) {
        const lastSeq = await log.last(key);
        const version = await log.get(key, lastSeq);
        if (version) found.push(info(key, version, lastSeq));
      }
      return found;
    },

    async get(key, versionId) {
      const current = await currentOf(key);
      return full(key, versionId === undefined ? current : await named(key, versionId), current.seq);
    },

    async versions(key, page): Promise<VersionPage> {
      const current = await currentOf(key);
      const from =
        page.cursor === undefined
          ? current.seq
          : Number(decodeVersionCursor(key, page.cursor, ['before']).before) - 1;
      const versions: PromptVersionInfo[] = [];
      let seq = Math.min(from, current.seq);
      for (; seq > 0 && versions.length < page.pageSize; seq--) {
        const version = await log.get(key, seq);
        if (version) versions.push(info(key, version, current.seq));
      }
      const last = versions.at(-1);
      return {
        versions,
        nextCursor:
          seq > 0 && last ? encodeVersionCursor(key, { before: last.versionId.split('.')[0] ?? '' }) : null,
      };
    },

    publish: (key, content, by) => change(key, content, by),

    async rollback(key, versionId, by) {
      const earlier = await named(key, versionId);
      return change(key, earlier.content, by);
    },
  };
}

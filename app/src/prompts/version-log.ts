// Where the local prompt store keeps each template's versions: numbered 1, 2, 3, ... and never
// rewritten. `append` writes version n only if nobody has, which is what makes a publish atomic
// between two requests or two local servers: on disk the file appears whole (a hard link of a
// finished file) or not at all.
import { randomBytes } from 'node:crypto';
import { link, mkdir, readdir, readFile, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { PromptKey } from './prompt-keys.js';

export interface StoredVersion {
  readonly seq: number;
  readonly versionId: string;
  readonly updatedAt: string;
  readonly updatedBy: string;
  readonly note: string | null;
  readonly content: string;
  /** Imported from prompts/ (not an admin's edit, whatever the admin's user id). */
  readonly fromRepository?: true;
}

export interface VersionLog {
  /** The highest version number of a template, 0 when it has none. */
  last(key: PromptKey): Promise<number>;
  get(key: PromptKey, seq: number): Promise<StoredVersion | undefined>;
  /** False when version `seq` was written first by someone else. */
  append(key: PromptKey, version: StoredVersion): Promise<boolean>;
}

export function memoryVersionLog(): VersionLog {
  const logs = new Map<PromptKey, StoredVersion[]>();
  const of = (key: PromptKey) => logs.get(key) ?? [];
  return {
    last: async (key) => of(key).length,
    get: async (key, seq) => of(key)[seq - 1],
    async append(key, version) {
      const versions = of(key);
      if (versions.length !== version.seq - 1) return false;
      logs.set(key, [...versions, version]);
      return true;
    },
  };
}

/** One JSON file per version: `<dir>/coaching/core_values/3.json`. */
export function diskVersionLog(dir: string): VersionLog {
  const folder = (key: PromptKey) => path.join(dir, ...key.split('/'));
  const file = (key: PromptKey, seq: number) => path.join(folder(key), `${seq}.json`);
  return {
    async last(key) {
      const names = await readdir(folder(key)).catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return [];
        throw error;
      });
      return Math.max(0, ...names.map((name) => /^(\d+)\.json$/.exec(name)?.[1]).map(Number).filter(Number.isInteger));
    },
    async get(key, seq) {
      try {
        return JSON.parse(await readFile(file(key, seq), 'utf8')) as StoredVersion;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw error;
      }
    },
    async append(key, version) {
      await mkdir(folder(key), { recursive: true });
      const draft = `${file(key, version.seq)}.${randomBytes(6).toString('hex')}.tmp`;
      await writeFile(draft, JSON.stringify(version));
      try {
        await link(draft, file(key, version.seq));
        return true;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
        throw error;
      } finally {
        await unlink(draft);
      }
    },
  };
}

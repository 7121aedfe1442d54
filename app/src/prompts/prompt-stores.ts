// Which prompt store a process uses, loaded on first use: the stage's bucket (its versions read
// by s3-source.ts, changed by s3-history.ts, with the image's prompts/ as the fallback when the
// bucket cannot be reached), or the embedded history seeded from prompts/ (on disk under the data
// folder, or in memory). Nothing here is loaded or read at start-up.
import type { S3Client } from '@aws-sdk/client-s3';
import { filePromptSource } from './file-source.js';
import type { LocalPromptStore } from './local-prompt-store.js';
import type { PromptKey } from './prompt-keys.js';
import type { PromptHistory, PromptObject, PromptSource } from './prompt-store.js';

export interface PromptStores {
  readonly source: PromptSource;
  readonly fallback?: PromptSource;
  /** The history the admin use cases change, loaded on the first admin call. */
  readonly history: () => Promise<PromptHistory>;
}

export interface PromptStoreSettings {
  /** The repository's templates: the seed of the embedded history, the bucket's fallback. */
  readonly promptsDir: string;
  readonly bucket?: string;
  /** Builds the bucket's client (region, endpoint, tracing). */
  readonly s3Client?: () => Promise<S3Client>;
  /** Where the embedded history is kept; unset, in memory. */
  readonly historyDir?: string;
}

/** Loads once, on the first call; a failed load is tried again by the next. */
function loadOnce<T>(load: () => Promise<T>): () => Promise<T> {
  let loaded: Promise<T> | undefined;
  return () =>
    (loaded ??= load().catch((error: unknown) => {
      loaded = undefined;
      throw error;
    }));
}

/** A source whose adapter is loaded by its first read. */
function loadedOnFirstRead(name: string, load: () => Promise<PromptSource>): PromptSource {
  const source = loadOnce(load);
  return {
    name,
    read: async (key, etag) => (await source()).read(key, etag),
    async *earlier(key: PromptKey): AsyncIterable<PromptObject> {
      const earlier = (await source()).earlier;
      if (earlier) yield* earlier(key);
    },
  };
}

export function promptStores(settings: PromptStoreSettings): PromptStores {
  const { bucket } = settings;
  if (bucket && settings.s3Client) {
    // One client for serving and for the admin calls.
    const s3Client = loadOnce(settings.s3Client);
    return {
      source: loadedOnFirstRead(`s3://${bucket}`, async () => {
        const { s3PromptSource } = await import('./s3-source.js');
        return s3PromptSource(await s3Client(), bucket);
      }),
      fallback: filePromptSource(settings.promptsDir),
      history: async () => {
        const { s3PromptHistory } = await import('./s3-history.js');
        return s3PromptHistory(await s3Client(), bucket);
      },
    };
  }
  const store = loadOnce(async (): Promise<LocalPromptStore> => {
    const [{ localPromptStore }, { diskVersionLog, memoryVersionLog }] = await Promise.all([
      import('./local-prompt-store.js'),
      import('./version-log.js'),
    ]);
    return localPromptStore({
      log: settings.historyDir ? diskVersionLog(settings.historyDir) : memoryVersionLog(),
      seedDir: settings.promptsDir,
    });
  });
  return {
    source: loadedOnFirstRead('local prompt history', store),
    history: store,
  };
}

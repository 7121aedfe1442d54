// The prompt store's two faces. Serving reads a template's current version (revalidated by
// ETag) and, when that one is broken, the versions before it (PromptSource). The admin use cases
// read and change the history (PromptHistory). The local store has both; in AWS they are the
// bucket's object versions, read by s3-source.ts and changed by s3-history.ts.
import type { PromptKey } from './prompt-keys.js';

export interface PromptObject {
  /** As stored: bytes from S3 are checked for UTF-8 with the rest of the template. */
  readonly text: string | Uint8Array;
  readonly etag?: string;
  /** The store's id of this version; a store without history has none. */
  readonly versionId?: string;
}

export interface PromptSource {
  readonly name: string;
  /** The current version; `not-modified` when the ETag still matches. */
  read(key: PromptKey, etag?: string): Promise<PromptObject | 'not-modified'>;
  /** The versions before the current one, newest first (stores that keep a history). */
  earlier?(key: PromptKey): AsyncIterable<PromptObject>;
}

/** One version of a template, as the admin routes list it. */
export interface PromptVersionInfo {
  readonly key: PromptKey;
  readonly versionId: string;
  readonly updatedAt: string;
  readonly updatedBy: string;
  readonly note: string | null;
  readonly isCurrent: boolean;
  /** Bytes of content. */
  readonly size: number;
}

export interface PromptVersion extends PromptVersionInfo {
  readonly content: string;
}

export interface VersionPage {
  readonly versions: readonly PromptVersionInfo[];
  readonly nextCursor: string | null;
}

/** Who changes a template, why, and from which version. */
export interface PromptChange {
  /** The version the change started from; unset (a rollback without If-Match): whatever is current. */
  readonly ifMatch?: string;
  readonly updatedBy: string;
  readonly note: string | null;
}

export interface PromptHistory {
  readonly name: string;
  /** The current version of every template that has one. */
  list(): Promise<PromptVersionInfo[]>;
  /** The current version, or the one named; PromptNotFoundError / VersionNotFoundError. */
  get(key: PromptKey, versionId?: string): Promise<PromptVersion>;
  /** Newest first; InvalidCursorError for a cursor this store did not write for this key. */
  versions(key: PromptKey, page: { cursor?: string; pageSize: number }): Promise<VersionPage>;
  /** A new current version, only if `ifMatch` is still current (PreconditionFailedError). */
  publish(key: PromptKey, content: string, change: PromptChange): Promise<PromptVersion>;
  /** A new current version with an earlier version's content; the history keeps both. */
  rollback(key: PromptKey, versionId: string, change: PromptChange): Promise<PromptVersion>;
}

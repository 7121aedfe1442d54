// The admin side of the prompts bucket: its object versions are each template's history, with
// who and why in each version's metadata. A publish is a conditional PutObject and a rollback a
// conditional copy of the old version: S3 compares If-Match with the ETag of the current
// version, so an edit from a version that is no longer current fails (412) even when another
// lands between the check and the write. Loaded on the first admin call, never on a turn.
import {
  CopyObjectCommand,
  HeadObjectCommand,
  ListObjectVersionsCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import {
  PreconditionFailedError,
  PromptNotFoundError,
  ServiceUnavailableError,
  VersionNotFoundError,
} from '../errors.js';
import { fileOf, promptKeys, type PromptKey } from './prompt-keys.js';
import type {
  PromptChange,
  PromptHistory,
  PromptVersion,
  PromptVersionInfo,
  VersionPage,
} from './prompt-store.js';
import { httpStatusOf, readObject } from './s3-source.js';
import { decodeVersionCursor, encodeVersionCursor } from './version-cursor.js';
import { decodeMetadata, encodeMetadata, metadataNames } from './version-metadata.js';

/** How many version heads a page reads at once. */
const HEADS_AT_ONCE = 8;
/** Another conditional write to the same key in flight (S3's 409): tried again this often. */
const CONFLICT_RETRIES = 3;

interface Head extends PromptVersionInfo {
  readonly etag: string;
}

export function s3PromptHistory(client: S3Client, bucket: string): PromptHistory {
  async function head(key: PromptKey, versionId?: string): Promise<Head> {
    try {
      const object = await client.send(
        new HeadObjectCommand({ Bucket: bucket, Key: fileOf(key), VersionId: versionId }),
      );
      const metadata = object.Metadata ?? {};
      const updatedBy = metadata[metadataNames.updatedBy];
      const note = metadata[metadataNames.note];
      return {
        key,
        versionId: object.VersionId ?? 'null',
        updatedAt: (object.LastModified ?? new Date(0)).toISOString(),
        updatedBy: updatedBy === undefined ? 'unknown' : decodeMetadata(updatedBy),
        note: note === undefined || note === '' ? null : decodeMetadata(note),
        isCurrent: versionId === undefined,
        size: object.ContentLength ?? 0,
        etag: object.ETag ?? '',
      };
    } catch (error) {
      throw notFound(error, key, versionId);
    }
  }

  /**
   * S3's 404 as the contract's 404s; with a version id also its 400 (an id S3 could not have
   * written) and 405 (the id of a delete marker, which has no content).
   */
  function notFound(error: unknown, key: PromptKey, versionId?: string): unknown {
    const status = httpStatusOf(error);
    if (versionId !== undefined && (status === 404 || status === 400 || status === 405)) {
      return new VersionNotFoundError(key, versionId);
    }
    if (status === 404) return new PromptNotFoundError(key);
    return error;
  }

  /** The current version, or undefined when the template was deleted (a delete marker). */
  async function currentHead(key: PromptKey): Promise<Head | undefined> {
    return head(key).catch((error: unknown) => {
      if (error instanceof PromptNotFoundError) return undefined;
      throw error;
    });
  }

  async function withCurrent(key: PromptKey, version: Head): Promise<PromptVersionInfo> {
    if (version.isCurrent) return version;
    return { ...version, isCurrent: (await currentHead(key))?.versionId === version.versionId };
  }

  async function get(key: PromptKey, versionId?: string): Promise<PromptVersion> {
    const version = await withCurrent(key, await head(key, versionId));
    let object;
    try {
      object = await readObject(client, bucket, key, { versionId: version.versionId });
    } catch (error) {
      throw notFound(error, key, version.versionId);
    }
    const { etag: _etag, ...info } = version as Head;
    return { ...info, content: new TextDecoder().decode(object.text as Uint8Array) };
  }

  function metadata(change: PromptChange): Record<string, string> {
    return {
      [metadataNames.updatedBy]: encodeMetadata(change.updatedBy),
      ...(change.note === null ? {} : { [metadataNames.note]: encodeMetadata(change.note) }),
    };
  }

  /**
   * Writes a new current version only while the one the caller started from is current: first
   * by its id, then, atomically, by its ETag in the write itself.
   */
  async function conditionally(
    key: PromptKey,
    change: PromptChange,
    write: (ifMatchEtag: string | undefined) => Promise<string | undefined>,
  ): Promise<PromptVersion> {
    for (let attempt = 1; ; attempt++) {
      // A rollback without If-Match may restore a template deleted by hand; an edit may not.
      const current = await currentHead(key);
      if (change.ifMatch !== undefined) {
        if (!current) throw new PromptNotFoundError(key);
        if (current.versionId !== change.ifMatch) {
          throw new PreconditionFailedError(key, current.versionId);
        }
      }
      try {
        const written = await write(change.ifMatch === undefined ? undefined : current?.etag);
        return await get(key, written);
      } catch (error) {
        const status = httpStatusOf(error);
        if (status === 412) throw new PreconditionFailedError(key, (await head(key)).versionId);
        if (status !== 409) throw notFound(error, key);
        if (attempt >= CONFLICT_RETRIES) {
          throw new ServiceUnavailableError('s3', 1, 'concurrent writes to the same template');
        }
      }
    }
  }

  return {
    name: `s3://${bucket}`,

    async list() {
      const heads = await Promise.all(
        promptKeys.map((key) =>
          head(key).catch((error: unknown) => {
            if (error instanceof PromptNotFoundError) return undefined;
            throw error;
          }),
        ),
      );
      return heads.flatMap((found) => {
        if (!found) return [];
        const { etag: _etag, ...info } = found;
        return [info];
      });
    },

    get,

    async versions(key, page): Promise<VersionPage> {
      const file = fileOf(key);
      const after = page.cursor
        ? decodeVersionCursor(key, page.cursor, ['keyMarker', 'versionIdMarker'])
        : undefined;
      const listed = await client.send(
        new ListObjectVersionsCommand({
          Bucket: bucket,
          Prefix: file,
          MaxKeys: page.pageSize,
          KeyMarker: after?.keyMarker,
          VersionIdMarker: after?.versionIdMarker,
        }),
      );
      // The prefix also matches longer keys (coaching/goals.yaml.bak), listed after this one.
      const mine = (listed.Versions ?? []).filter((v) => v.Key === file && v.VersionId);
      if (!after && mine.length === 0) throw new PromptNotFoundError(key);
      const versions: PromptVersionInfo[] = [];
      for (let start = 0; start < mine.length; start += HEADS_AT_ONCE) {
        const heads = await Promise.all(
          mine.slice(start, start + HEADS_AT_ONCE).map(async (v) => {
            const { etag: _etag, ...info } = await head(key, v.VersionId);
            return { ...info, isCurrent: v.IsLatest === true };
          }),
        );
        versions.push(...heads);
      }
      const more = listed.IsTruncated === true && listed.NextKeyMarker === file;
      return {
        versions,
        nextCursor:
          more && listed.NextVersionIdMarker
            ? encodeVersionCursor(key, {
                keyMarker: file,
                versionIdMarker: listed.NextVersionIdMarker,
              })
            : null,
      };
    },

    publish: (key, content, change) =>
      conditionally(key, change, async (ifMatchEtag) => {
        const put = await client.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: fileOf(key),
            Body: content,
            ContentType: 'application/yaml',
            Metadata: metadata(change),
            IfMatch: ifMatchEtag,
          }),
        );
        return put.VersionId;
      }),

    async rollback(key, versionId, change) {
      const earlier = await head(key, versionId);
      const source = `${bucket}/${encodeURIComponent(fileOf(key))}?versionId=${encodeURIComponent(earlier.versionId)}`;
      return conditionally(key, change, async (ifMatchEtag) => {
        const copy = await client.send(
          new CopyObjectCommand({
            Bucket: bucket,
            Key: fileOf(key),
            CopySource: source,
            MetadataDirective: 'REPLACE',
            ContentType: 'application/yaml',
            Metadata: metadata(change),
            IfMatch: ifMatchEtag,
          }),
        );
        return copy.VersionId;
      });
    },
  };
}

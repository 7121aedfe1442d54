// Templates served from the versioned prompts bucket: the current version revalidated by ETag
// (a 304 answers `not-modified`), and the versions before it when the current one is broken.
// Every call has a deadline the client enforces (throwOnRequestTimeout), so a bucket that
// accepts a connection and never answers fails the read instead of holding it.
import { GetObjectCommand, ListObjectVersionsCommand, S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { fileOf, type PromptKey } from './prompt-keys.js';
import type { PromptObject, PromptSource } from './prompt-store.js';

export interface S3ClientOptions {
  readonly region: string;
  /** An S3-compatible endpoint (a stand-in); path-style addressing is used with it. */
  readonly endpoint?: string;
  /** The stand-in's fixed key instead of AWS's default provider chain. */
  readonly localCredentials?: boolean;
}

export function createS3Client(options: S3ClientOptions): S3Client {
  const custom = options.endpoint !== undefined;
  return new S3Client({
    region: options.region,
    endpoint: options.endpoint,
    maxAttempts: 2,
    requestHandler: new NodeHttpHandler({
      connectionTimeout: 1000,
      requestTimeout: 2000,
      // Without it a request past requestTimeout is only logged, and waits on.
      throwOnRequestTimeout: true,
    }),
    // S3-compatible stand-ins neither route virtual-host buckets nor compute the newer checksums.
    ...(custom
      ? {
          forcePathStyle: true,
          requestChecksumCalculation: 'WHEN_REQUIRED' as const,
          responseChecksumValidation: 'WHEN_REQUIRED' as const,
        }
      : {}),
    ...(options.localCredentials
      ? { credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } }
      : {}),
  });
}

export function httpStatusOf(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
}

/** One version of a template as stored: the current one, or the one named. */
export async function readObject(
  client: S3Client,
  bucket: string,
  key: PromptKey,
  options: { readonly versionId?: string; readonly ifNoneMatch?: string } = {},
): Promise<PromptObject> {
  const object = await client.send(
    new GetObjectCommand({
      Bucket: bucket,
      Key: fileOf(key),
      VersionId: options.versionId,
      IfNoneMatch: options.ifNoneMatch,
    }),
  );
  const bytes = await object.Body?.transformToByteArray();
  if (!bytes) throw new Error(`s3://${bucket}/${fileOf(key)} has no body`);
  return { text: bytes, etag: object.ETag, versionId: object.VersionId };
}

export function s3PromptSource(client: S3Client, bucket: string): PromptSource {
  return {
    name: `s3://${bucket}`,
    async read(key: PromptKey, etag?: string): Promise<PromptObject | 'not-modified'> {
      try {
        return await readObject(client, bucket, key, { ifNoneMatch: etag });
      } catch (error) {
        if (httpStatusOf(error) === 304) return 'not-modified';
        throw error;
      }
    },

    async *earlier(key: PromptKey): AsyncIterable<PromptObject> {
      const file = fileOf(key);
      let markers: { KeyMarker?: string; VersionIdMarker?: string } = {};
      for (;;) {
        const page = await client.send(
          new ListObjectVersionsCommand({ Bucket: bucket, Prefix: file, MaxKeys: 20, ...markers }),
        );
        for (const version of page.Versions ?? []) {
          if (version.Key !== file) return;
          if (version.IsLatest || !version.VersionId) continue;
          yield await readObject(client, bucket, key, { versionId: version.VersionId });
        }
        if (!page.IsTruncated) return;
        markers = { KeyMarker: page.NextKeyMarker, VersionIdMarker: page.NextVersionIdMarker };
      }
    },
  };
}

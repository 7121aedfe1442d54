// Templates read from the versioned prompts bucket: keys as under prompts/, revalidated by ETag
// (a 304 answers `not-modified`), with short timeouts so a slow S3 never holds a request long.
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { PromptObject, PromptSource } from './catalog.js';

export interface S3ClientOptions {
  readonly region: string;
  /** An S3-compatible endpoint (s3rver, MinIO); path-style addressing is used with it. */
  readonly endpoint?: string;
  /** s3rver's documented fixed key instead of AWS's default provider chain. */
  readonly localCredentials?: boolean;
}

export function createS3Client(options: S3ClientOptions): S3Client {
  const custom = options.endpoint !== undefined;
  return new S3Client({
    region: options.region,
    endpoint: options.endpoint,
    maxAttempts: 2,
    requestHandler: new NodeHttpHandler({ connectionTimeout: 1000, requestTimeout: 3000 }),
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

export function s3PromptSource(client: S3Client, bucket: string): PromptSource {
  return {
    name: `s3://${bucket}`,
    async read(key: string, etag?: string): Promise<PromptObject | 'not-modified'> {
      try {
        const object = await client.send(
          new GetObjectCommand({ Bucket: bucket, Key: key, IfNoneMatch: etag }),
        );
        const text = await object.Body?.transformToString('utf8');
        if (text === undefined) throw new Error(`s3://${bucket}/${key} has no body`);
        return { text, etag: object.ETag };
      } catch (error) {
        if ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 304) {
          return 'not-modified';
        }
        throw error;
      }
    },
  };
}

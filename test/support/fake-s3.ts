// S3 on loopback for tests: a bucket with versioning enabled, over real HTTP, for the real SDK.
// s3rver 3.7 (the stand-in before this one) implements no versioning: `?versioning` answers
// NotImplemented, and it keeps one object per key, with no version ids, no ListObjectVersions
// and no conditional writes. So this stand-in implements the part of S3 the
// prompt store uses as S3 documents it: PutObject (with If-Match / If-None-Match), GetObject and
// HeadObject (current or by versionId, If-None-Match → 304), CopyObject from a version (with
// metadata COPY or REPLACE, conditional on the destination), DeleteObject (a delete marker), and
// ListObjectVersions (newest first per key, key and version-id markers). It is as strict as S3
// where the store could go wrong: unsigned requests, user metadata over 2 KB, a version id S3
// could not have written (400) or that is not this key's (404).
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { createS3Client } from '../../app/src/prompts/s3-source.js';

interface Version {
  readonly versionId: string;
  readonly deleteMarker: boolean;
  readonly body: Buffer;
  readonly etag: string;
  readonly lastModified: Date;
  readonly contentType: string;
  readonly metadata: Readonly<Record<string, string>>;
}

export interface FakeS3 {
  /** The endpoint to configure (S3_ENDPOINT). */
  readonly endpoint: string;
  readonly bucket: string;
  readonly client: S3Client;
  /** Writes a new current version, as an upload by another tool would. */
  put(key: string, text: string | Buffer, metadata?: Record<string, string>): Promise<void>;
  /** Every request received, in order (method, path and query, and If-None-Match). */
  readonly requests: { method: string; url: string; ifNoneMatch?: string; status?: number }[];
  /** The versions of a key, newest first (what the bucket holds, for assertions). */
  versions(key: string): readonly Version[];
  /** From now on, accepts connections and never answers (an S3 that hangs). */
  stall(): void;
  /** Delays the next matching request's answer until `release` is called (a race window). */
  hold(matches: (method: string, url: URL) => boolean): { reached: Promise<void>; release(): void };
  close(): Promise<void>;
}

const METADATA_LIMIT = 2048;

class S3Failure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export async function startFakeS3(bucket = 'purposepath-coaching-prompts-test'): Promise<FakeS3> {
  const objects = new Map<string, Version[]>();
  const holds: {
    matches: (m: string, u: URL) => boolean;
    reached: () => void;
    gate: Promise<void>;
  }[] = [];
  const history = (key: string) => objects.get(key) ?? [];
  let stalled = false;
  const requests: FakeS3['requests'][number][] = [];

  const server = createServer((req, res) => {
    const seen: FakeS3['requests'][number] = {
      method: req.method ?? '',
      url: req.url ?? '',
      ...(req.headers['if-none-match'] ? { ifNoneMatch: req.headers['if-none-match'] } : {}),
    };
    requests.push(seen);
    res.on('finish', () => (seen.status = res.statusCode));
    void handle(req, res).catch((error: unknown) => {
      const failure =
        error instanceof S3Failure ? error : new S3Failure(500, 'InternalError', String(error));
      res.writeHead(failure.status, { 'Content-Type': 'application/xml' });
      res.end(
        req.method === 'HEAD'
          ? undefined
          : `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${failure.code}</Code><Message>${xml(failure.message)}</Message></Error>`,
      );
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (stalled) return new Promise<void>(() => undefined);
    const url = new URL(req.url ?? '/', 'http://s3.local');
    const body = await readBody(req);
    const held = holds.findIndex((h) => h.matches(req.method ?? '', url));
    if (held >= 0) {
      const [hold] = holds.splice(held, 1);
      hold!.reached();
      await hold!.gate;
    }
    if (!/^AWS4-HMAC-SHA256 Credential=S3RVER\//.test(req.headers.authorization ?? '')) {
      throw new S3Failure(403, 'AccessDenied', 'Access Denied');
    }
    const [, bucketName, ...keyParts] = url.pathname.split('/');
    if (bucketName !== bucket)
      throw new S3Failure(404, 'NoSuchBucket', 'The bucket does not exist');
    const key = decodeURIComponent(keyParts.join('/'));
    if (!key) {
      if (req.method === 'GET' && url.searchParams.has('versions')) return listVersions(url, res);
      throw new S3Failure(501, 'NotImplemented', 'Not implemented by this stand-in');
    }
    switch (req.method) {
      case 'GET':
      case 'HEAD':
        return getObject(req, res, key, url.searchParams.get('versionId'));
      case 'PUT':
        return req.headers['x-amz-copy-source']
          ? copyObject(req, res, key)
          : putObject(req, res, key, body);
      case 'DELETE':
        return deleteObject(res, key);
      default:
        throw new S3Failure(405, 'MethodNotAllowed', 'The method is not allowed');
    }
  }

  function current(key: string): Version | undefined {
    const latest = history(key)[0];
    return latest && !latest.deleteMarker ? latest : undefined;
  }

  function find(key: string, versionId: string): Version {
    // S3's ids are opaque, but S3 refuses one it could not have written (400), and answers
    // 404 for a well-formed id that is not one of this key's versions.
    if (!/^[A-Za-z0-9._-]{32}$/.test(versionId)) {
      throw new S3Failure(400, 'InvalidArgument', 'Invalid version id specified');
    }
    const found = history(key).find((v) => v.versionId === versionId);
    if (!found) throw new S3Failure(404, 'NoSuchVersion', 'The specified version does not exist.');
    if (found.deleteMarker) throw new S3Failure(405, 'MethodNotAllowed', 'A delete marker');
    return found;
  }

  function getObject(
    req: IncomingMessage,
    res: ServerResponse,
    key: string,
    versionId: string | null,
  ): void {
    const version = versionId === null ? current(key) : find(key, versionId);
    if (!version) throw new S3Failure(404, 'NoSuchKey', 'The specified key does not exist.');
    const ifNoneMatch = req.headers['if-none-match'];
    if (ifNoneMatch !== undefined && ifNoneMatch === version.etag) {
      res.writeHead(304, { ETag: version.etag });
      res.end();
      return;
    }
    const ifMatch = req.headers['if-match'];
    if (ifMatch !== undefined && ifMatch !== version.etag) {
      throw new S3Failure(412, 'PreconditionFailed', 'At least one of the preconditions failed');
    }
    res.writeHead(200, {
      ETag: version.etag,
      'Last-Modified': version.lastModified.toUTCString(),
      'Content-Length': String(version.body.length),
      'Content-Type': version.contentType,
      'x-amz-version-id': version.versionId,
      ...Object.fromEntries(
        Object.entries(version.metadata).map(([n, v]) => [`x-amz-meta-${n}`, v]),
      ),
    });
    res.end(req.method === 'HEAD' ? undefined : version.body);
  }

  /** If-Match / If-None-Match on the destination, judged at the moment of the write. */
  function checkWriteConditions(req: IncomingMessage, key: string): void {
    const ifMatch = req.headers['if-match'];
    const ifNoneMatch = req.headers['if-none-match'];
    const now = current(key);
    if (ifNoneMatch !== undefined && (ifNoneMatch !== '*' || now)) {
      throw new S3Failure(412, 'PreconditionFailed', 'At least one of the preconditions failed');
    }
    if (ifMatch !== undefined && !now) {
      throw new S3Failure(404, 'NoSuchKey', 'The specified key does not exist.');
    }
    if (ifMatch !== undefined && ifMatch !== now?.etag) {
      throw new S3Failure(412, 'PreconditionFailed', 'At least one of the preconditions failed');
    }
  }

  function userMetadata(req: IncomingMessage): Record<string, string> {
    const metadata: Record<string, string> = {};
    let bytes = 0;
    for (const [name, value] of Object.entries(req.headers)) {
      if (!name.startsWith('x-amz-meta-') || typeof value !== 'string') continue;
      if (!/^[\x20-\x7e]*$/.test(value)) {
        throw new S3Failure(400, 'InvalidArgument', 'Metadata values must be US-ASCII');
      }
      const short = name.slice('x-amz-meta-'.length);
      metadata[short] = value;
      bytes += Buffer.byteLength(short) + Buffer.byteLength(value);
    }
    if (bytes > METADATA_LIMIT) {
      throw new S3Failure(
        400,
        'MetadataTooLarge',
        'Your metadata headers exceed the maximum allowed metadata size.',
      );
    }
    return metadata;
  }

  function write(key: string, version: Omit<Version, 'versionId' | 'lastModified'>): Version {
    const written = {
      ...version,
      versionId: randomBytes(24).toString('base64url'),
      lastModified: new Date(),
    };
    objects.set(key, [written, ...history(key)]);
    return written;
  }

  function putObject(req: IncomingMessage, res: ServerResponse, key: string, body: Buffer): void {
    const metadata = userMetadata(req);
    checkWriteConditions(req, key);
    const version = write(key, {
      deleteMarker: false,
      body,
      etag: `"${createHash('md5').update(body).digest('hex')}"`,
      contentType: req.headers['content-type'] ?? 'binary/octet-stream',
      metadata,
    });
    res.writeHead(200, { ETag: version.etag, 'x-amz-version-id': version.versionId });
    res.end();
  }

  function copyObject(req: IncomingMessage, res: ServerResponse, key: string): void {
    const source = new URL(
      `http://s3.local/${decodeURIComponent(String(req.headers['x-amz-copy-source'])).replace(/^\//, '')}`,
    );
    const [, sourceBucket, ...sourceKeyParts] = `/${source.pathname.slice(1)}`.split('/');
    if (sourceBucket !== bucket)
      throw new S3Failure(404, 'NoSuchBucket', 'The bucket does not exist');
    const sourceKey = sourceKeyParts.join('/');
    const sourceVersionId = source.searchParams.get('versionId');
    const from = sourceVersionId === null ? current(sourceKey) : find(sourceKey, sourceVersionId);
    if (!from) throw new S3Failure(404, 'NoSuchKey', 'The specified key does not exist.');
    const replace = req.headers['x-amz-metadata-directive'] === 'REPLACE';
    if (!replace && sourceKey === key && from === current(key)) {
      throw new S3Failure(
        400,
        'InvalidRequest',
        "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata.",
      );
    }
    const metadata = replace ? userMetadata(req) : from.metadata;
    checkWriteConditions(req, key);
    const version = write(key, {
      deleteMarker: false,
      body: from.body,
      etag: from.etag,
      contentType: replace ? (req.headers['content-type'] ?? from.contentType) : from.contentType,
      metadata,
    });
    res.writeHead(200, {
      'Content-Type': 'application/xml',
      'x-amz-version-id': version.versionId,
      'x-amz-copy-source-version-id': from.versionId,
    });
    res.end(
      `<?xml version="1.0" encoding="UTF-8"?><CopyObjectResult><LastModified>${version.lastModified.toISOString()}</LastModified><ETag>${xml(version.etag)}</ETag></CopyObjectResult>`,
    );
  }

  function deleteObject(res: ServerResponse, key: string): void {
    const marker = write(key, {
      deleteMarker: true,
      body: Buffer.alloc(0),
      etag: '',
      contentType: '',
      metadata: {},
    });
    res.writeHead(204, { 'x-amz-delete-marker': 'true', 'x-amz-version-id': marker.versionId });
    res.end();
  }

  function listVersions(url: URL, res: ServerResponse): void {
    const prefix = url.searchParams.get('prefix') ?? '';
    const keyMarker = url.searchParams.get('key-marker') ?? '';
    const versionIdMarker = url.searchParams.get('version-id-marker');
    const maxKeys = Math.min(Number(url.searchParams.get('max-keys') ?? 1000), 1000);
    const all = [...objects.keys()]
      .filter((k) => k.startsWith(prefix))
      .sort()
      .flatMap((k) => history(k).map((v, index) => ({ key: k, version: v, latest: index === 0 })));
    let start = 0;
    if (keyMarker) {
      const afterMarker = all.findIndex(
        (e) => e.key === keyMarker && e.version.versionId === versionIdMarker,
      );
      start =
        versionIdMarker && afterMarker >= 0
          ? afterMarker + 1
          : all.findIndex((e) => e.key > keyMarker) === -1
            ? all.length
            : all.findIndex((e) => e.key > keyMarker);
    }
    const page = all.slice(start, start + maxKeys);
    const truncated = start + maxKeys < all.length;
    const last = page.at(-1);
    const entries = page
      .map(({ key, version, latest }) => {
        const common = `<Key>${xml(key)}</Key><VersionId>${version.versionId}</VersionId><IsLatest>${latest}</IsLatest><LastModified>${version.lastModified.toISOString()}</LastModified>`;
        return version.deleteMarker
          ? `<DeleteMarker>${common}</DeleteMarker>`
          : `<Version>${common}<ETag>${xml(version.etag)}</ETag><Size>${version.body.length}</Size><StorageClass>STANDARD</StorageClass></Version>`;
      })
      .join('');
    res.writeHead(200, { 'Content-Type': 'application/xml' });
    res.end(
      `<?xml version="1.0" encoding="UTF-8"?><ListVersionsResult><Name>${bucket}</Name><Prefix>${xml(prefix)}</Prefix><KeyMarker>${xml(keyMarker)}</KeyMarker><VersionIdMarker>${versionIdMarker ?? ''}</VersionIdMarker><MaxKeys>${maxKeys}</MaxKeys><IsTruncated>${truncated}</IsTruncated>${
        truncated && last
          ? `<NextKeyMarker>${xml(last.key)}</NextKeyMarker><NextVersionIdMarker>${last.version.versionId}</NextVersionIdMarker>`
          : ''
      }${entries}</ListVersionsResult>`,
    );
  }

  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = createS3Client({ region: 'us-east-1', endpoint, localCredentials: true });
  return {
    endpoint,
    bucket,
    client,
    async put(key, text, metadata) {
      await client.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: text,
          ContentType: 'application/yaml',
          Metadata: metadata,
        }),
      );
    },
    requests,
    versions: (key) => history(key),
    stall: () => {
      stalled = true;
    },
    hold(matches) {
      let release!: () => void;
      let reached!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      const reachedPromise = new Promise<void>((resolve) => (reached = resolve));
      holds.push({ matches, reached, gate });
      return { reached: reachedPromise, release };
    },
    async close() {
      client.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function xml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

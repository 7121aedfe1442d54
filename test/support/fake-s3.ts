// S3 on loopback for tests: s3rver over real HTTP, with a temporary folder for its objects and
// a client configured as the app configures its own for an S3-compatible endpoint.
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { createS3Client } from '../../app/src/prompts/s3-source.js';

/** The part of s3rver's API used here (it ships no type definitions). */
interface S3rverInstance {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
  readonly httpServer: Server;
}
type S3rverConstructor = new (options: {
  address: string;
  port: number;
  silent: boolean;
  directory: string;
  configureBuckets: { name: string }[];
}) => S3rverInstance;

const S3rver = createRequire(__filename)('s3rver') as S3rverConstructor;

export interface FakeS3 {
  /** The endpoint to configure (S3_ENDPOINT). */
  readonly endpoint: string;
  readonly bucket: string;
  readonly client: S3Client;
  put(key: string, text: string): Promise<void>;
  close(): Promise<void>;
}

export async function startFakeS3(bucket = 'purposepath-coaching-prompts-test'): Promise<FakeS3> {
  const directory = mkdtempSync(path.join(tmpdir(), 'fake-s3-'));
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    configureBuckets: [{ name: bucket }],
  });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  const client = createS3Client({ region: 'us-east-1', endpoint, localCredentials: true });
  return {
    endpoint,
    bucket,
    client,
    async put(key, text) {
      await client.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: text,
          ContentType: 'application/yaml',
        }),
      );
    },
    async close() {
      client.destroy();
      server.httpServer.closeAllConnections();
      await server.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

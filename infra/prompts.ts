// The prompt-template bucket: private, versioned, encrypted, TLS-only, holding every file of
// prompts/ under its path relative to that folder (coaching/core_values.yaml, ...). Its object
// versions are the templates' history, which admins change through the API; a deploy adds a
// version only for a file that changed in the repository (see uploads below).
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';

export interface PromptStoreArgs {
  readonly bucketName: string;
  /** The folder to upload, relative to the project root, e.g. `prompts`. */
  readonly sourceDir: string;
  readonly protect: boolean;
  /** Days an overwritten template stays restorable. */
  readonly noncurrentVersionDays: number;
}

export class PromptStore extends pulumi.ComponentResource {
  readonly bucketName: pulumi.Output<string>;
  readonly bucketArn: pulumi.Output<string>;
  /** The object keys uploaded, in order. */
  readonly keys: readonly string[];

  constructor(name: string, args: PromptStoreArgs, opts?: pulumi.ComponentResourceOptions) {
    super('purposepath:platform:PromptStore', name, {}, opts);
    const child = { parent: this };

    const bucket = new aws.s3.Bucket(
      `${name}-bucket`,
      // A protected stage keeps its history; others may be deleted with their templates.
      { bucket: args.bucketName, forceDestroy: !args.protect },
      { ...child, protect: args.protect },
    );
    new aws.s3.BucketPublicAccessBlock(
      `${name}-public-access`,
      {
        bucket: bucket.id,
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
      },
      child,
    );
    new aws.s3.BucketVersioning(
      `${name}-versioning`,
      { bucket: bucket.id, versioningConfiguration: { status: 'Enabled' } },
      child,
    );
    new aws.s3.BucketServerSideEncryptionConfiguration(
      `${name}-encryption`,
      {
        bucket: bucket.id,
        rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'AES256' } }],
      },
      child,
    );
    new aws.s3.BucketLifecycleConfiguration(
      `${name}-lifecycle`,
      {
        bucket: bucket.id,
        rules: [
          {
            id: 'expire-replaced-templates',
            status: 'Enabled',
            filter: { prefix: '' },
            noncurrentVersionExpiration: { noncurrentDays: args.noncurrentVersionDays },
            abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
          },
        ],
      },
      child,
    );
    new aws.s3.BucketPolicy(
      `${name}-tls-only`,
      { bucket: bucket.id, policy: bucket.arn.apply(tlsOnlyPolicy) },
      child,
    );

    this.keys = listFiles(args.sourceDir);
    for (const key of this.keys) {
      const file = path.posix.join(args.sourceDir, key);
      new aws.s3.BucketObjectv2(
        `${name}-${key}`,
        {
          bucket: bucket.id,
          key,
          source: new pulumi.asset.FileAsset(file),
          contentType: contentTypeOf(key),
          // The repository file's hash is the only input that changes: the object is uploaded
          // (a new current version) when the file changed, and a version an admin published
          // is left alone, since the program's inputs are compared with its own last upload.
          sourceHash: sha256(readFileSync(file)),
          metadata: { 'updated-by': 'deploy' },
        },
        {
          ...child,
          // A refresh reads an admin's version (its metadata) into the state; that is no reason
          // to upload the repository's file again.
          ignoreChanges: ['metadata'],
          // Neither a destroy nor a file removed from prompts/ deletes a template's history
          // (Pulumi's delete of an object in a versioned bucket removes every version); dev's
          // bucket, with forceDestroy, still empties when the stack goes.
          retainOnDelete: true,
        },
      );
    }

    this.bucketName = bucket.bucket;
    this.bucketArn = bucket.arn;
    this.registerOutputs({ bucketName: this.bucketName });
  }
}

/** Refuses every request that does not come over TLS, whoever makes it. */
function tlsOnlyPolicy(bucketArn: string): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'DenyInsecureTransport',
        Effect: 'Deny',
        Principal: '*',
        Action: 's3:*',
        Resource: [bucketArn, `${bucketArn}/*`],
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      },
    ],
  });
}

/**
 * Every file below `dir` as a POSIX path relative to it, sorted so the plan is stable.
 * Dot-files (editor and OS litter) are not templates and stay behind.
 */
export function listFiles(dir: string): string[] {
  const found: string[] = [];
  const walk = (relative: string): void => {
    for (const entry of readdirSync(path.join(dir, relative), { withFileTypes: true })) {
      if (entry.name.startsWith('.')) continue;
      const child = relative ? `${relative}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(child);
      else if (entry.isFile()) found.push(child);
    }
  };
  walk('');
  return found.sort();
}

function contentTypeOf(key: string): string {
  if (/\.ya?ml$/.test(key)) return 'application/yaml';
  if (key.endsWith('.json')) return 'application/json';
  return 'text/plain; charset=utf-8';
}

function sha256(content: Buffer): string {
  return createHash('sha256').update(content).digest('hex');
}

// `npm run build`: the Lambda bundle. esbuild puts app/src/lambda.ts and its dependencies into
// one CommonJS file, app/dist/lambda.js (Node 22, exports `handler`), and copies beside it the
// docs assets the bundle serves (app/dist/docs-assets/).
import { readdirSync, statSync } from 'node:fs';
import { copyFile, mkdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { build } from 'esbuild';
import { BUNDLED_ASSETS_DIR, docsAssets } from '../app/src/http/docs-routes.js';

export const DIST_DIR = path.join('app', 'dist');
export const BUNDLE = path.join(DIST_DIR, 'lambda.js');

export async function buildLambda(root = process.cwd()): Promise<void> {
  const dist = path.join(root, DIST_DIR);
  await rm(dist, { recursive: true, force: true });
  await build({
    absWorkingDir: root,
    entryPoints: ['app/src/lambda.ts'],
    outfile: BUNDLE,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node22',
    minify: true,
    keepNames: true,
    sourcemap: false,
    legalComments: 'none',
    logLevel: 'warning',
    // Optional store drivers rate-limiter-flexible can use; this service never loads them.
    external: [
      'pg',
      'mysql',
      'mysql2',
      'mongodb',
      'memcached',
      'sqlite3',
      'better-sqlite3',
      'drizzle-orm',
      '@valkey/valkey-glide',
      'iovalkey',
      'etcd3',
      '@prisma/client',
    ],
  });
  const assets = path.join(dist, BUNDLED_ASSETS_DIR);
  await mkdir(assets, { recursive: true });
  for (const [name, asset] of Object.entries(docsAssets)) {
    await copyFile(require.resolve(asset.packagePath), path.join(assets, name));
  }
}

function newestFile(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestFile(full) : statSync(full).mtimeMs);
  }
  return newest;
}

/** Builds the bundle when it is missing or older than anything it is built from (tests use it). */
export async function ensureFreshBundle(root = process.cwd()): Promise<string> {
  const bundle = path.join(root, BUNDLE);
  const built = statSync(bundle, { throwIfNoEntry: false })?.mtimeMs ?? 0;
  const sources = Math.max(
    newestFile(path.join(root, 'app', 'src')),
    statSync(path.join(root, 'package-lock.json')).mtimeMs,
    statSync(path.join(root, 'scripts', 'build.ts')).mtimeMs,
  );
  if (built < sources) await buildLambda(root);
  return bundle;
}

async function main(): Promise<void> {
  await buildLambda();
  const { size } = await stat(BUNDLE);
  process.stdout.write(`${BUNDLE}: ${(size / 1024).toFixed(0)} KiB\n`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`${String(error)}\n`);
    process.exit(1);
  });
}

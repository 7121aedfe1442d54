// `npm run build`: the Lambda bundle, in app/dist/.
//
// esbuild bundles app/src/lambda.ts as ES modules with code splitting, so what only some
// requests need (a model SDK, the S3 client, the OpenAPI generator, a limiter store, the YAML
// reader) is a chunk of its own, read from disk on first use; each chunk then becomes a
// CommonJS file (its imports `require` calls, its dynamic imports a `require` on first use),
// so every module exists once and classes keep one identity across chunks (`instanceof` on the
// errors holds). app/dist/lambda.js is the entry Lambda names: a small loader
// (app/src/lambda/chunk-loader.ts) that loads the chunks with the V8 code cache when one lies
// beside them, and exports every export of the app's entry (`handler`, `streamingHandler`, ...).
//
// The dependencies are resolved lean: one copy of the mime-db table, zod's English messages
// only, Node's own streams for readable-stream, and no browser user-agent parser. The docs
// assets the bundle serves are copied to app/dist/docs-assets/.
import { readdirSync, statSync } from 'node:fs';
import { copyFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { build, transform, type BuildOptions, type Metafile, type Plugin } from 'esbuild';
import { BUNDLED_ASSETS_DIR, docsAssets } from '../app/src/http/docs-routes.js';

const ENTRY_SOURCE = 'app/src/lambda.ts';
export const DIST_DIR = path.join('app', 'dist');
/** The file Lambda loads (`lambda.handler`): the chunk loader. */
export const BUNDLE = path.join(DIST_DIR, 'lambda.js');
/** The chunks are named `app-<hash>.js` (the entry) and `chunk-<hash>.js` (the rest). */
export const CHUNK_FILE = /^(?:app|chunk)-[A-Z0-9]+\.js$/;

// Optional store drivers rate-limiter-flexible can use; this service never loads them.
const neverLoaded = [
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
];

type MimeEntry = { extensions?: string[]; charset?: string; source?: string };

/** The part of mime-db that mime-types reads (lookup, extension, charset, contentType). */
export function leanMimeDb(db: Record<string, MimeEntry>): Record<string, MimeEntry> {
  return Object.fromEntries(
    Object.entries(db)
      .filter(([, entry]) => entry.extensions !== undefined || entry.charset !== undefined)
      .map(([type, { extensions, charset, source }]) => [type, { extensions, charset, source }]),
  );
}

/** One table, one locale, no charset tables: see the header. */
function leanDependencies(root: string): Plugin {
  const inPackage = (importer: string, name: string) =>
    importer.includes(`${path.sep}node_modules${path.sep}${name}${path.sep}`);
  return {
    name: 'lean-dependencies',
    setup(b) {
      // Every package that asks for mime-db gets the top-level copy (the same JSON, newer), less
      // what mime-types never reads: a type with neither extensions nor a charset, and any
      // field but those two and `source` (which decides between types sharing an extension).
      const mimeDb = require.resolve('mime-db/db.json', { paths: [root] });
      b.onResolve({ filter: /^mime-db$/ }, () => ({ path: mimeDb, namespace: 'mime-db' }));
      b.onLoad({ filter: /.*/, namespace: 'mime-db' }, async (args) => ({
        contents: JSON.stringify(leanMimeDb(JSON.parse(await readFile(args.path, 'utf8')))),
        loader: 'json',
      }));
      // zod's `locales` namespace holds every language; the service speaks English.
      b.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
        inPackage(args.importer, 'zod')
          ? { path: path.join(path.dirname(args.importer), '..', 'locales'), namespace: 'zod-en' }
          : undefined,
      );
      b.onLoad({ filter: /.*/, namespace: 'zod-en' }, (args) => ({
        contents: `export { default as en } from ${JSON.stringify(path.join(args.path, 'en.js'))};`,
        loader: 'js',
        resolveDir: args.path,
      }));
      // A package a code path of ours never reaches: the browser user-agent parser the AWS
      // SDK's shared code imports for browsers only.
      b.onResolve({ filter: /^bowser$/ }, (args) => ({
        path: args.path,
        namespace: 'unused',
      }));
      b.onLoad({ filter: /^bowser$/, namespace: 'unused' }, () => ({
        contents: 'export const parse = () => ({}); export default { parse };',
        loader: 'js',
      }));
      // readable-stream is a copy of Node's own streams, for old Node versions: winston gets
      // Node 22's.
      b.onResolve({ filter: /^readable-stream(?:\/lib\/_stream_writable\.js)?$/ }, (args) => ({
        path: args.path,
        namespace: 'node-stream',
      }));
      b.onLoad({ filter: /.*/, namespace: 'node-stream' }, (args) => ({
        contents: args.path.endsWith('_stream_writable.js')
          ? `module.exports = require('node:stream').Writable;`
          : `module.exports = require('node:stream');`,
        loader: 'js',
      }));
    },
  };
}

/** The app's entry and its chunks as ES modules, in a scratch folder; returns the metafile. */
async function bundleModules(root: string, outdir: string): Promise<Metafile> {
  const result = await build({
    absWorkingDir: root,
    entryPoints: { app: ENTRY_SOURCE },
    outdir,
    entryNames: '[name]-[hash]',
    chunkNames: 'chunk-[hash]',
    bundle: true,
    splitting: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    minify: true,
    // Keeping every function's name costs ~130 KiB of shipped code; the errors that name
    // themselves (the AWS SDK's, AppError's codes) carry their own strings.
    keepNames: false,
    sourcemap: false,
    legalComments: 'none',
    logLevel: 'warning',
    metafile: true,
    // The ES module builds, where a package has one: esbuild drops what is not imported (the
    // AWS SDK clients' commands a service never sends), which it cannot in one CommonJS file.
    mainFields: ['module', 'main'],
    external: neverLoaded,
    plugins: [leanDependencies(root)],
  });
  return result.metafile;
}

/** What the image runs outside the chunks (the loader, the training run): one CommonJS file each. */
const oneCommonJsFile = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node22',
  legalComments: 'none',
  logLevel: 'warning',
} as const satisfies BuildOptions;

/** The loader, told which chunk is the entry and which names it exports. */
async function writeLoader(root: string, entry: string, names: readonly string[]): Promise<void> {
  const exportsLines = names.map((name) => `exports.${name} = entry.${name};`).join('\n');
  await build({
    absWorkingDir: root,
    stdin: {
      contents: [
        `const { loadEntry } = require('./chunk-loader.ts');`,
        `const entry = loadEntry(__dirname, ${JSON.stringify(entry)});`,
        exportsLines,
      ].join('\n'),
      resolveDir: path.join(root, 'app', 'src', 'lambda'),
      sourcefile: 'lambda.js',
      loader: 'js',
    },
    outfile: path.join(root, BUNDLE),
    ...oneCommonJsFile,
  });
}

/** The image's code cache training run (scripts/train-code-cache.ts), not shipped code. */
export const TRAINING_SCRIPT = path.join(DIST_DIR, 'train-code-cache.js');

async function writeTrainingScript(root: string): Promise<void> {
  await build({
    absWorkingDir: root,
    entryPoints: ['scripts/train-code-cache.ts'],
    outfile: path.join(root, TRAINING_SCRIPT),
    ...oneCommonJsFile,
  });
}

export async function buildLambda(root = process.cwd()): Promise<void> {
  const dist = path.join(root, DIST_DIR);
  const modules = path.join(root, 'app', '.build-modules');
  await rm(dist, { recursive: true, force: true });
  await rm(modules, { recursive: true, force: true });
  try {
    const metafile = await bundleModules(root, modules);
    if (process.env.BUILD_METAFILE)
      await writeFile(process.env.BUILD_METAFILE, JSON.stringify(metafile));
    await mkdir(dist, { recursive: true });
    let entry: { file: string; exports: readonly string[] } | undefined;
    for (const [output, info] of Object.entries(metafile.outputs)) {
      const file = path.basename(output);
      if (!file.endsWith('.js')) continue;
      const esm = await readFile(path.join(root, output), 'utf8');
      // ES module syntax to CommonJS: imports become `require`, dynamic imports a deferred one.
      const { code } = await transform(esm, {
        format: 'cjs',
        target: 'node22',
        // import() of a chunk becomes a deferred require, so it goes through the loader too.
        supported: { 'dynamic-import': false },
        minify: true,
        legalComments: 'none',
        sourcefile: file,
      });
      await writeFile(path.join(dist, file), code);
      // Dynamic imports are entry points too, to esbuild: the app's is the one named here.
      if (info.entryPoint === ENTRY_SOURCE) entry = { file, exports: info.exports };
    }
    if (!entry) throw new Error('esbuild wrote no entry chunk');
    await writeLoader(root, entry.file, entry.exports);
    await writeTrainingScript(root);
  } finally {
    await rm(modules, { recursive: true, force: true });
  }
  const assets = path.join(dist, BUNDLED_ASSETS_DIR);
  await mkdir(assets, { recursive: true });
  for (const [name, asset] of Object.entries(docsAssets)) {
    await copyFile(require.resolve(asset.packagePath), path.join(assets, name));
  }
}

/** The code that ships: the loader and every chunk (not the docs assets, not code caches). */
export function shippedCode(root = process.cwd()): { file: string; bytes: number }[] {
  const dist = path.join(root, DIST_DIR);
  return readdirSync(dist)
    .filter((file) => file === path.basename(BUNDLE) || CHUNK_FILE.test(file))
    .map((file) => ({ file, bytes: statSync(path.join(dist, file)).size }));
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
    ...['build.ts', 'train-code-cache.ts', 'apigw-events.ts'].map(
      (script) => statSync(path.join(root, 'scripts', script)).mtimeMs,
    ),
  );
  if (built < sources) await buildLambda(root);
  return bundle;
}

async function main(): Promise<void> {
  await buildLambda();
  const files = shippedCode();
  const total = files.reduce((sum, f) => sum + f.bytes, 0);
  process.stdout.write(
    `${DIST_DIR}: ${files.length} files of code, ${(total / 1024).toFixed(0)} KiB in all\n`,
  );
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`${String(error)}\n`);
    process.exit(1);
  });
}

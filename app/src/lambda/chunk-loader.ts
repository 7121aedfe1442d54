// The Lambda entry file (app/dist/lambda.js): a small CommonJS loader in front of the bundle's
// chunks. It loads each chunk as Node loads a CommonJS module, but compiles it through
// vm.Script with the V8 code cache the image's build wrote beside it (`<chunk>.cache`), so a
// cold start deserialises the code a first request runs instead of parsing and compiling it.
// V8 refuses a cache made by another Node version or with other V8 flags; the chunk is then
// compiled from source as usual, and the start-up line says so. Every export of the entry
// chunk is re-exported, whichever entries the bundle has.
//
// CODE_CACHE: `use` (the default) reads the caches; `off` ignores them; `write` records which
// chunks ran and writes their caches when the process exits (the image's training run).
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import vm from 'node:vm';

type Mode = 'use' | 'off' | 'write';
/** What became of a chunk's cache: used, refused by V8, failing its digest, or not there. */
export type CacheOutcome = 'accepted' | 'rejected' | 'corrupt' | 'absent' | 'off';

interface LoadedChunk {
  readonly module: { exports: unknown };
  readonly script: vm.Script;
  readonly outcome: CacheOutcome;
}

/** A cache file: the SHA-1 of V8's data, then the data (V8 checks only a header of its own). */
const DIGEST_BYTES = 20;
const digest = (data: Uint8Array) => createHash('sha1').update(data).digest();

/** The wrapper Node puts around a CommonJS module; kept on the first line, so lines match. */
const wrap = (source: string) =>
  `(function (exports, require, module, __filename, __dirname) { ${source}\n});`;

function readCache(file: string): Buffer | 'absent' | 'corrupt' {
  let data: Buffer;
  try {
    data = readFileSync(`${file}.cache`);
  } catch {
    return 'absent';
  }
  const payload = data.subarray(DIGEST_BYTES);
  if (data.length <= DIGEST_BYTES || !digest(payload).equals(data.subarray(0, DIGEST_BYTES))) {
    return 'corrupt';
  }
  return payload;
}

function log(fields: Record<string, unknown>): void {
  process.stderr.write(`${JSON.stringify({ level: 'info', event: 'code_cache', ...fields })}\n`);
}

export function loadEntry(dir: string, entry: string): Record<string, unknown> {
  const requested = process.env.CODE_CACHE ?? 'use';
  const mode: Mode = requested === 'off' || requested === 'write' ? requested : 'use';
  const chunks = new Map<string, LoadedChunk>();
  let started = false;

  function load(name: string): unknown {
    const file = path.join(dir, name);
    const known = chunks.get(file);
    if (known) return known.module.exports;
    const source = readFileSync(file, 'utf8');
    const cache = mode === 'use' ? readCache(file) : 'absent';
    const script = new vm.Script(wrap(source), {
      filename: file,
      cachedData: typeof cache === 'string' ? undefined : cache,
    });
    const outcome: CacheOutcome =
      mode === 'off'
        ? 'off'
        : typeof cache === 'string'
          ? cache
          : script.cachedDataRejected
            ? 'rejected'
            : 'accepted';
    const module = { exports: {} as unknown, id: file, filename: file, loaded: false };
    chunks.set(file, { module, script, outcome });
    // A chunk found after start-up (a first use) is reported on its own when its cache failed.
    if (started && (outcome === 'rejected' || outcome === 'corrupt')) log({ chunk: name, outcome });
    const nodeRequire = createRequire(file);
    const chunkRequire = Object.assign(
      (specifier: string) =>
        specifier.startsWith('./') ? load(specifier.slice(2)) : nodeRequire(specifier),
      { resolve: nodeRequire.resolve, cache: nodeRequire.cache, main: require.main },
    );
    const compiled = script.runInThisContext() as (...args: unknown[]) => void;
    compiled.call(module.exports, module.exports, chunkRequire, module, file, dir);
    module.loaded = true;
    return module.exports;
  }

  const exported = load(entry) as Record<string, unknown>;
  started = true;
  const byOutcome = (outcome: CacheOutcome) =>
    [...chunks.entries()].filter(([, c]) => c.outcome === outcome).map(([f]) => path.basename(f));
  log({
    mode,
    node: process.version,
    accepted: byOutcome('accepted').length,
    rejected: byOutcome('rejected'),
    corrupt: byOutcome('corrupt'),
    absent: byOutcome('absent').length,
  });
  if (mode === 'write') {
    // After the training invocations: each chunk's cache then holds the functions they ran.
    process.once('exit', () => {
      for (const [file, chunk] of chunks) {
        const data = chunk.script.createCachedData();
        writeFileSync(`${file}.cache`, Buffer.concat([digest(data), data]));
      }
      log({ mode, written: [...chunks.keys()].map((f) => path.basename(f)) });
    });
  }
  return exported;
}

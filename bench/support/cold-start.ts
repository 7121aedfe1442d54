// Cold starts of the Lambda bundle, each a fresh Node process timed from spawn to the answer
// on stdout (bench/support/invoke.cjs): the app's shipped loader and chunks with their V8 code
// cache and without it (CODE_CACHE=off), the baseline bundle, and the node floor (`node -e 0`).
// A code cache holds only for the Node binary and flags that made it, so each Node measured
// gets its own trained copy of app/dist.
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { TRAINING_SCRIPT } from '../../scripts/build.js';

export interface CacheLine {
  readonly mode: string;
  readonly accepted: number;
  readonly rejected: readonly string[];
  readonly corrupt: readonly string[];
  readonly absent: number;
}

export interface ColdStart {
  readonly ms: number;
  /** The loader's start-up line, when the bundle has the loader. */
  readonly cache?: CacheLine;
}

/**
 * Spawns `node invoke.cjs <bundle> [export]` and times it to the first line on stdout, which
 * must be `expected` (a status code, or `loaded` for an entry that is only loaded).
 */
export function coldStart(
  node: string,
  bundle: string,
  entry: string,
  expected: string,
  env: NodeJS.ProcessEnv,
): Promise<ColdStart> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(node, [path.join(__dirname, 'invoke.cjs'), bundle, entry], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    let ms = 0;
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.once('data', (chunk: Buffer) => {
      ms = Number(process.hrtime.bigint() - started) / 1e6;
      const answer = chunk.toString().trim();
      if (answer !== expected) reject(new Error(`${bundle} ${entry} answered ${answer}`));
    });
    child.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`${bundle} exited ${code}: ${stderr.slice(0, 500)}`));
      const line = stderr.split('\n').find((l) => l.includes('"event":"code_cache"'));
      resolve({ ms, cache: line ? (JSON.parse(line) as CacheLine) : undefined });
    });
  });
}

/** `node -e 0`: the floor no bundle can go below. */
export function nodeFloor(node: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(node, ['-e', '0'], { stdio: 'ignore' });
    child.once('exit', (code) =>
      code === 0
        ? resolve(Number(process.hrtime.bigint() - started) / 1e6)
        : reject(new Error(`${node} -e 0 exited ${code}`)),
    );
  });
}

/**
 * A copy of app/dist with the code cache trained by `node` as the image trains it (no extra
 * flags here, since the cold starts run with none); returns the copy's folder.
 */
export function trainedCopy(node: string, dist: string): string {
  const copy = mkdtempSync(path.join(tmpdir(), 'purposepath-bench-dist-'));
  cpSync(dist, copy, { recursive: true });
  const trained = spawnSync(node, [path.join(copy, path.basename(TRAINING_SCRIPT))], {
    cwd: copy,
    env: { PATH: process.env.PATH, NODE_NO_WARNINGS: '1' },
    encoding: 'utf8',
  });
  if (trained.status !== 0) throw new Error(`code cache training failed: ${trained.stderr}`);
  if (!readdirSync(copy).some((f) => f.endsWith('.cache'))) {
    throw new Error('code cache training wrote no cache');
  }
  return copy;
}

/** The Node binary's version (`v22.x.y`). */
export function nodeVersion(node: string): string {
  return spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim();
}

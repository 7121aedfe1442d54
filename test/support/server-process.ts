// The local server as `npm start` runs it, in a child process: its output, its URL once it
// listens, and how it ended. Start-up failures and signals can only be seen this way.
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { startChild, stopChild } from './child-processes.js';

export const quietEnv = {
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  NODE_NO_WARNINGS: '1',
};

const root = path.resolve(__dirname, '..', '..');

export interface ServerProcess {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** The URL from the banner, or the exit code when it stopped first. */
  readonly started: Promise<{ url: string } | { exitCode: number | null }>;
  readonly exited: Promise<number | null>;
}

const tsx = pathToFileURL(require.resolve('tsx')).href;

/**
 * Runs app/src/server.ts with `env` over this process's environment (undefined: unset), in the
 * repository or in `cwd` (where its `.env` is read from).
 */
export function runServer(
  env: Record<string, string | undefined>,
  args: string[] = [],
  cwd = root,
): ServerProcess {
  const merged = Object.fromEntries(
    Object.entries({ ...process.env, ...quietEnv, JWT_SECRET: '', ...env }).filter(
      ([, value]) => value !== undefined,
    ),
  );
  const entry = path.join(root, 'app', 'src', 'server.ts');
  const child = startChild(process.execPath, ['--import', tsx, entry, ...args], {
    cwd,
    env: merged,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()));
  // 'close', not 'exit': the exit can come before the last of stderr has been read, and a
  // failed start's one line is what the tests read.
  const exited = once(child, 'close').then(([code]) => code as number | null);
  const started = new Promise<{ url: string } | { exitCode: number | null }>((resolve) => {
    child.stdout?.on('data', () => {
      const url = /listening on (http:\/\/\S+)/.exec(out)?.[1];
      if (url && out.includes('npm run token')) resolve({ url });
    });
    void exited.then((exitCode) => resolve({ exitCode }));
  });
  return { child, stdout: () => out, stderr: () => err, started, exited };
}

/** The server on a free port with its store in `dataDir` and tokens signed with `jwtSecret`. */
export function runServerOn(
  dataDir: string,
  jwtSecret: string,
  env: Record<string, string | undefined> = {},
): ServerProcess {
  return runServer({ ...env, DATA_DIR: dataDir, PORT: '0', JWT_SECRET: jwtSecret });
}

/** Kills the server and anything of its process group still running, and waits for it. */
export async function stopServer(server: ServerProcess | undefined): Promise<void> {
  if (server) await stopChild(server.child);
}

/** Where the server listens once it does; a start-up that fails instead throws with its output. */
export async function listeningUrl(server: ServerProcess): Promise<string> {
  const started = await server.started;
  if (!('url' in started)) throw new Error(`did not start: ${server.stderr()}`);
  return started.url;
}

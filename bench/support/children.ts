// The processes a benchmark measures: each server runs in its own Node process (so its RSS is
// its own and autocannon does not share its event loop), started with tsx and driven over IPC.
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';

export interface Child {
  readonly url: string;
  readonly process: ChildProcess;
  /** The child's resident set size, in bytes. */
  rss(): Promise<number>;
  /** The child's heap in use after a forced full collection, in bytes (what it really keeps). */
  heapAfterGc(): Promise<number>;
  stop(): Promise<void>;
}

interface Ready {
  readonly type: 'ready';
  readonly url: string;
}

/** Forks `bench/support/<script>` under tsx and waits for its `ready` message. */
export async function startChild(script: string, env: NodeJS.ProcessEnv): Promise<Child> {
  const child = fork(path.join(__dirname, script), [], {
    // --expose-gc: memory is judged on the heap left after a forced collection.
    execArgv: ['--import', 'tsx', '--no-warnings', '--expose-gc'],
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const ready = await new Promise<Ready>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${script} did not start in 30 s`)), 30_000);
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
    child.on('message', (message: { type?: string }) => {
      if (message.type === 'ready') {
        clearTimeout(timer);
        resolve(message as Ready);
      }
    });
  });
  return {
    url: ready.url,
    process: child,
    rss: () => ask(child, 'rss'),
    heapAfterGc: () => ask(child, 'heap'),
    async stop() {
      if (child.exitCode !== null) return;
      const exited = once(child, 'exit');
      child.send({ type: 'stop' });
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Asks the child for one figure (`rss` or `heap`) and waits for its answer. */
function ask(child: ChildProcess, type: 'rss' | 'heap'): Promise<number> {
  return new Promise((resolve) => {
    const onMessage = (message: { type?: string; bytes?: number }) => {
      if (message.type !== type) return;
      child.off('message', onMessage);
      resolve(message.bytes ?? 0);
    };
    child.on('message', onMessage);
    child.send({ type });
  });
}

/** The child side: announce the URL, answer memory questions, and stop when told. */
export function serveParent(url: string, stop: () => Promise<void>): void {
  process.send?.({ type: 'ready', url });
  process.on('message', (message: { type?: string }) => {
    if (message.type === 'rss') process.send?.({ type: 'rss', bytes: process.memoryUsage().rss });
    if (message.type === 'heap') {
      // Twice: the first collection's finalisers can free more for the second.
      globalThis.gc?.();
      globalThis.gc?.();
      process.send?.({ type: 'heap', bytes: process.memoryUsage().heapUsed });
    }
    if (message.type === 'stop') void stop().finally(() => process.exit(0));
  });
  process.on('disconnect', () => void stop().finally(() => process.exit(0)));
}

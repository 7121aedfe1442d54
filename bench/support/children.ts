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
  stop(): Promise<void>;
}

interface Ready {
  readonly type: 'ready';
  readonly url: string;
}

/** Forks `bench/support/<script>` under tsx and waits for its `ready` message. */
export async function startChild(script: string, env: NodeJS.ProcessEnv): Promise<Child> {
  const child = fork(path.join(__dirname, script), [], {
    execArgv: ['--import', 'tsx', '--no-warnings'],
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
    rss() {
      return new Promise((resolve) => {
        const onMessage = (message: { type?: string; rss?: number }) => {
          if (message.type !== 'rss') return;
          child.off('message', onMessage);
          resolve(message.rss ?? 0);
        };
        child.on('message', onMessage);
        child.send({ type: 'rss' });
      });
    },
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

/** The child side: announce the URL, answer RSS questions, and stop when told. */
export function serveParent(url: string, stop: () => Promise<void>): void {
  process.send?.({ type: 'ready', url });
  process.on('message', (message: { type?: string }) => {
    if (message.type === 'rss') process.send?.({ type: 'rss', rss: process.memoryUsage().rss });
    if (message.type === 'stop') void stop().finally(() => process.exit(0));
  });
  process.on('disconnect', () => void stop().finally(() => process.exit(0)));
}

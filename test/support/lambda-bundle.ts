// The built Lambda bundle (app/dist/lambda.js) in its own process, as in Lambda: plain Node, no
// tsx, its own environment. Any event can be handed to its `handler`, as Lambda would hand it;
// the answer comes back, or the error the handler threw (which Lambda counts as a failed
// invocation, and retries or records per the function's asynchronous-invocation settings).
import type { ChildProcess } from 'node:child_process';
import { ensureFreshBundle } from '../../scripts/build.js';
import { startChild, stopChild } from './child-processes.js';

const RUNNER = `
const { handler } = require(process.env.BUNDLE_PATH);
process.on('message', async ({ id, event }) => {
  try {
    const result = await handler(event, { awsRequestId: 'ctx-' + id, functionName: process.env.AWS_LAMBDA_FUNCTION_NAME });
    process.send({ id, result: result === undefined ? null : result });
  } catch (error) {
    process.send({ id, error: String((error && error.message) || error) });
  }
});
process.send({ ready: true });
`;

export interface HandlerOutcome {
  /** What the handler answered (null for undefined); absent when it threw. */
  readonly result?: unknown;
  /** The message of what it threw. */
  readonly error?: string;
}

export interface LambdaBundle {
  /** Calls the handler with this event; resolves with what it answered or threw. */
  invoke(event: unknown): Promise<HandlerOutcome>;
  /** Everything the function wrote to stdout (its JSON log lines and EMF metrics). */
  readonly stdout: () => string;
  close(): Promise<void>;
}

export async function startLambdaBundle(env: Record<string, string>): Promise<LambdaBundle> {
  const bundle = await ensureFreshBundle(process.cwd());
  const child: ChildProcess = startChild(process.execPath, ['-e', RUNNER], {
    env: { PATH: process.env.PATH, BUNDLE_PATH: bundle, ...env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let stdout = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const pending = new Map<number, (outcome: HandlerOutcome) => void>();
  let next = 0;
  await new Promise<void>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`the bundle's process exited (${code})`)));
    child.on('message', (message: { ready?: boolean; id?: number } & Partial<HandlerOutcome>) => {
      if (message.ready) return resolve();
      const settle = pending.get(message.id ?? -1);
      pending.delete(message.id ?? -1);
      settle?.(message.error !== undefined ? { error: message.error } : { result: message.result });
    });
  });
  return {
    invoke: (event) =>
      new Promise<HandlerOutcome>((resolve) => {
        const id = ++next;
        pending.set(id, resolve);
        child.send({ id, event });
      }),
    stdout: () => stdout,
    close: () => stopChild(child),
  };
}

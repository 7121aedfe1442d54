// The built bundle's streamingHandler in a process of its own (plain Node, as in Lambda), with
// the runtime stand-in of lambda-streaming-runtime.cjs; the tests and the benchmarks send it
// REST API events and read back the bytes its response stream received.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { RestApiEvent } from '../../scripts/apigw-events.js';
import type { Invocation } from './lambda-streaming-runtime.cjs';

const RUNNER = `
const runtime = require(process.env.RUNTIME_PATH);
runtime.installAwsLambdaGlobal();
const bundle = require(process.env.BUNDLE_PATH);
process.on('message', async ({ id, event, options }) => {
  try {
    const context = { awsRequestId: 'ctx-' + id, functionName: 'coaching-stream' };
    const result = await runtime.invokeStreaming(bundle.streamingHandler, event, context, options);
    process.send({ id, result });
  } catch (error) {
    process.send({ id, failure: String((error && error.stack) || error) });
  }
});
process.send({ ready: true, exported: Object.keys(bundle).sort() });
`;

export interface StreamOptions {
  /** Bytes the stand-in stream buffers before asking for a pause. */
  readonly highWaterMark?: number;
  /** Time each chunk takes to leave the stand-in stream. */
  readonly sinkDelayMs?: number;
  /** The client hangs up (the stream is destroyed) once a chunk holds this text. */
  readonly hangUpOn?: string;
}

export interface StreamedInvocation {
  /** The content type the handler set on the runtime's stream. */
  readonly contentType: string;
  /** Everything the stream received, prelude included. */
  readonly bytes: Buffer;
  /** The prelude's JSON text and the body after the eight NUL bytes. */
  readonly preludeText: string;
  readonly prelude: {
    statusCode: number;
    headers: Record<string, string>;
    multiValueHeaders?: Record<string, string[]>;
  };
  readonly body: Buffer;
  /** When each chunk arrived (ms since the invocation began) and its size. */
  readonly chunks: readonly { readonly atMs: number; readonly length: number }[];
  readonly writesWhileFull: number;
  readonly endedAtMs?: number;
  /** What the runtime would report as the invocation's error, if any. */
  readonly error?: string;
}

const DELIMITER = Buffer.alloc(8);

/** Splits the stream's bytes as API Gateway does: JSON prelude, eight NULs, body. */
export function splitPrelude(bytes: Buffer): { preludeText: string; body: Buffer } {
  const end = bytes.indexOf(DELIMITER);
  if (end < 0) throw new Error('no prelude delimiter (eight NUL bytes) in the stream');
  return {
    preludeText: bytes.subarray(0, end).toString('utf8'),
    body: bytes.subarray(end + DELIMITER.length),
  };
}

export class StreamingBundle {
  private next = 0;
  private readonly pending = new Map<
    number,
    { resolve: (r: Invocation) => void; reject: (e: Error) => void }
  >();
  stdout = '';
  stderr = '';

  private constructor(
    private readonly child: ChildProcess,
    readonly exported: readonly string[],
  ) {
    child.stdout?.on('data', (chunk: Buffer) => (this.stdout += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    child.on('message', (message: { id: number; result?: Invocation; failure?: string }) => {
      const settle = this.pending.get(message.id);
      this.pending.delete(message.id);
      if (message.result) settle?.resolve(message.result);
      else settle?.reject(new Error(message.failure));
    });
  }

  /** Starts the bundle with this environment (and nothing of the parent's but PATH). */
  static async start(bundlePath: string, env: Record<string, string>): Promise<StreamingBundle> {
    const child = spawn(process.execPath, ['-e', RUNNER], {
      env: {
        PATH: process.env.PATH,
        BUNDLE_PATH: bundlePath,
        RUNTIME_PATH: path.resolve(__dirname, 'lambda-streaming-runtime.cjs'),
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    const exported = await new Promise<string[]>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (code) => reject(new Error(`the bundle exited (${code})`)));
      child.once('message', (message: { exported: string[] }) => resolve(message.exported));
    });
    child.removeAllListeners('exit');
    return new StreamingBundle(child, exported);
  }

  async invoke(event: RestApiEvent, options: StreamOptions = {}): Promise<StreamedInvocation> {
    const id = ++this.next;
    const raw = await new Promise<Invocation>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.child.send({ id, event, options });
    });
    const bytes = Buffer.from(raw.bytes, 'base64');
    if (raw.error && bytes.indexOf(DELIMITER) < 0) throw new Error(raw.error);
    const { preludeText, body } = splitPrelude(bytes);
    return {
      ...raw,
      bytes,
      preludeText,
      prelude: JSON.parse(preludeText) as StreamedInvocation['prelude'],
      body,
    };
  }

  stop(): void {
    this.child.kill();
  }
}

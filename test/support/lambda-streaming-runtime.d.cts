// Types of lambda-streaming-runtime.cjs, for the TypeScript that loads it in-process.
import type { Writable } from 'node:stream';

export interface StandInRecord {
  contentType: string;
  chunks: { atMs: number; bytes: Buffer }[];
  writesWhileFull: number;
  endedAtMs?: number;
}

export interface StandInOptions {
  highWaterMark?: number;
  sinkDelayMs?: number;
}

/** What one invocation sent its response stream (`bytes` in base64, so it can cross an IPC channel). */
export interface Invocation {
  contentType: string;
  bytes: string;
  chunks: { atMs: number; length: number }[];
  writesWhileFull: number;
  endedAtMs?: number;
  error?: string;
}

export function installAwsLambdaGlobal(): void;
export function createResponseStream(options?: StandInOptions): {
  stream: Record<string, unknown>;
  sink: Writable;
  record: StandInRecord;
};
export function invokeStreaming(
  handler: (event: unknown, stream: never, context: unknown) => Promise<void>,
  event: unknown,
  context: unknown,
  options?: StandInOptions,
): Promise<Invocation>;

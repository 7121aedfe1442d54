// A stand-in for what the Lambda Node.js runtime gives a response-streaming function, for the
// tests and the benchmarks that drive the built bundle's streamingHandler in plain Node:
// - the `awslambda` global: streamifyResponse marks the handler as the runtime does, and
//   HttpResponseStream.from sets the integration content type and, on the stream's first
//   write, writes the JSON prelude followed by eight NUL bytes (the documented format that API
//   Gateway splits the status and headers from the body by);
// - the response stream: only the methods and properties the runtime exposes, a content type
//   that can no longer be set once written, a sink that takes time, and a record of every
//   byte, when it arrived, and how often the handler wrote into a stream that had asked it to
//   wait (write returned false, no 'drain' yet);
// - the runtime's verdict: a handler that resolves before its stream has finished fails.
'use strict';

const { Buffer } = require('node:buffer');
const { performance } = require('node:perf_hooks');
const { Writable } = require('node:stream');
const { setImmediate, setTimeout } = require('node:timers');

const STREAMING = Symbol.for('aws.lambda.runtime.handler.streaming');
const PRELUDE_CONTENT_TYPE = 'application/vnd.awslambda.http-integration-response';
const DELIMITER = new Uint8Array(8);

function installAwsLambdaGlobal() {
  globalThis.awslambda = {
    streamifyResponse(handler) {
      handler[STREAMING] = 'response';
      return handler;
    },
    HttpResponseStream: {
      from(stream, prelude) {
        stream.setContentType(PRELUDE_CONTENT_TYPE);
        const text = JSON.stringify(prelude);
        stream._onBeforeFirstWrite = (write) => {
          write(text);
          write(DELIMITER);
        };
        return stream;
      },
    },
  };
}

// What the runtime's stream offers its handler (a subset of a Writable); nothing else is there.
const methods = [
  'cork',
  'destroy',
  'end',
  'uncork',
  'write',
  'addListener',
  'emit',
  'eventNames',
  'getMaxListeners',
  'listenerCount',
  'listeners',
  'off',
  'on',
  'once',
  'prependListener',
  'prependOnceListener',
  'rawListeners',
  'removeAllListeners',
  'removeListener',
  'setMaxListeners',
  'setContentType',
];
const readWrite = ['destroyed', 'writable', '_onBeforeFirstWrite'];
const readOnly = [
  'writableFinished',
  'writableObjectMode',
  'writableBuffer',
  'writableEnded',
  'writableNeedDrain',
  'writableHighWaterMark',
  'writableCorked',
  'writableLength',
];

/**
 * options.highWaterMark: bytes the stream buffers before write returns false (small values make
 * backpressure happen); options.sinkDelayMs: how long each chunk takes to leave.
 */
function createResponseStream(options = {}) {
  const started = performance.now();
  const record = {
    contentType: 'application/octet-stream',
    chunks: [],
    writesWhileFull: 0,
    endedAtMs: undefined,
  };
  const sink = new Writable({
    highWaterMark: options.highWaterMark ?? 16384,
    write(chunk, _encoding, done) {
      record.chunks.push({ atMs: performance.now() - started, bytes: Buffer.from(chunk) });
      // The client hangs up once it has seen this text: API Gateway drops the stream.
      if (options.hangUpOn && Buffer.from(chunk).includes(options.hangUpOn)) {
        setImmediate(() => sink.destroy());
      }
      if (options.sinkDelayMs > 0) setTimeout(done, options.sinkDelayMs);
      else setImmediate(done);
    },
  });
  sink.on('finish', () => (record.endedAtMs = performance.now() - started));

  let written = false;
  const write = sink.write.bind(sink);
  sink.setContentType = (contentType) => {
    if (written) throw new Error('Cannot set content-type, too late.');
    record.contentType = contentType;
  };
  sink.write = (chunk, encoding, callback) => {
    if (sink.writableNeedDrain) record.writesWhileFull += 1;
    const data =
      typeof chunk === 'string' || chunk instanceof Uint8Array ? chunk : JSON.stringify(chunk);
    if (!written && typeof sink._onBeforeFirstWrite === 'function') {
      sink._onBeforeFirstWrite((piece) => write(piece));
    }
    written = true;
    return write(data, encoding, callback);
  };

  const stream = Object.fromEntries(methods.map((name) => [name, sink[name].bind(sink)]));
  for (const name of readWrite) {
    Object.defineProperty(stream, name, {
      get: () => sink[name],
      set: (value) => {
        sink[name] = value;
      },
    });
  }
  for (const name of readOnly) Object.defineProperty(stream, name, { get: () => sink[name] });
  return { stream, sink, record };
}

/** Invokes a streaming handler as the runtime does; resolves with what the stream received. */
async function invokeStreaming(handler, event, context, options) {
  if (handler[STREAMING] !== 'response') throw new Error('the handler is not streamified');
  const { stream, sink, record } = createResponseStream(options);
  let error;
  try {
    await handler(event, stream, context);
    // The runtime fails an invocation whose handler returned before ending its stream.
    if (!sink.writableFinished) {
      await new Promise((resolve) => setImmediate(resolve));
      if (!sink.writableFinished) error = 'Response stream is not finished.';
    }
  } catch (thrown) {
    error = String((thrown && thrown.stack) || thrown);
    if (!sink.writableEnded && !sink.destroyed) sink.end();
  }
  return {
    contentType: record.contentType,
    bytes: Buffer.concat(record.chunks.map((chunk) => chunk.bytes)).toString('base64'),
    chunks: record.chunks.map((chunk) => ({ atMs: chunk.atMs, length: chunk.bytes.length })),
    writesWhileFull: record.writesWhileFull,
    endedAtMs: record.endedAtMs,
    error,
  };
}

module.exports = { installAwsLambdaGlobal, createResponseStream, invokeStreaming };

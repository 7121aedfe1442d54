// The Node response Koa writes to, wired to a Lambda response stream: when the head is written
// its status and headers become the HTTP prelude (HttpResponseStream.from), and the body's bytes
// follow as Koa writes them, with the stream's backpressure passed back to whoever writes.
// A real ServerResponse, so HEAD, 204 and 304 lose their bodies and headers are checked exactly
// as on a socket; only its connection is ours.
import {
  ServerResponse,
  type IncomingMessage,
  type OutgoingHttpHeader,
  type OutgoingHttpHeaders,
} from 'node:http';
import { Writable } from 'node:stream';

/** What the runtime hands a streaming handler: a writable with a content type to set. */
export interface LambdaResponseStream {
  write(chunk: Uint8Array | string, callback?: (error?: Error | null) => void): boolean;
  end(callback?: () => void): unknown;
  once(event: 'drain' | 'close', listener: () => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  removeListener(event: string, listener: (...args: never[]) => void): unknown;
  setContentType?(contentType: string): void;
}

/** The prelude API Gateway reads before the body (REST API streaming's documented fields). */
export interface HttpPrelude {
  readonly statusCode: number;
  readonly headers: Record<string, string>;
  readonly multiValueHeaders?: Record<string, string[]>;
}

/** `awslambda.HttpResponseStream.from`: the stream, set to write the prelude before its body. */
export type PreludeWriter = (
  stream: LambdaResponseStream,
  prelude: HttpPrelude,
) => LambdaResponseStream;

// Hop-by-hop headers describe a connection to the gateway that does not exist; the length is
// the stream's to tell (it ends), and a HEAD response's would promise bytes that never come.
const notForwarded = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'trailer',
  'content-length',
]);

export function preludeOf(statusCode: number, headers: OutgoingHttpHeaders): HttpPrelude {
  const single: Record<string, string> = {};
  const multi: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || notForwarded.has(name)) continue;
    if (Array.isArray(value)) multi[name] = value.map(String);
    else single[name] = String(value);
  }
  return Object.keys(multi).length > 0
    ? { statusCode, headers: single, multiValueHeaders: multi }
    : { statusCode, headers: single };
}

/**
 * The response's "socket": a Writable whose bytes go to the Lambda stream. After a write the
 * stream refuses (write returned false), nothing more is written until it drains; meanwhile
 * this Writable's own buffer fills and tells the response (and any pipe into it) to wait.
 * The wait starts at the refusal, not at the next write: a stream that drains in between
 * must not leave the next write waiting for a 'drain' that has already been.
 */
class LambdaConnection extends Writable {
  private full = false;
  private closedEarly = false;
  private waiting?: { then: () => void; fail: (error: Error) => void };

  constructor(private readonly target: LambdaResponseStream) {
    super();
    target.on('error', (error) => this.destroy(error));
    // The client hung up (API Gateway dropped the stream) before the response ended: nothing
    // more can reach it, so a write waiting for room fails, and this connection closes as a
    // socket does, which ends the response and its body for whoever writes to them.
    target.once('close', () => {
      if (this.writableFinished) return;
      this.closedEarly = true;
      const waiting = this.waiting;
      this.waiting = undefined;
      waiting?.fail(closedError());
      this.destroy(closedError());
    });
  }

  /** A write outside the body (the one that releases the prelude); its refusal counts too. */
  sendNow(chunk: Uint8Array): void {
    if (!this.target.write(chunk)) this.waitForDrain();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (e?: Error | null) => void) {
    this.whenWritable(() => {
      if (chunk.length > 0 && !this.target.write(chunk)) this.waitForDrain();
      done();
    }, done);
  }

  override _final(done: (e?: Error | null) => void) {
    this.whenWritable(() => this.target.end(() => done()), done);
  }

  private waitForDrain() {
    if (this.full) return;
    this.full = true;
    this.target.once('drain', () => {
      this.full = false;
      const waiting = this.waiting;
      this.waiting = undefined;
      waiting?.then();
    });
  }

  private whenWritable(then: () => void, fail: (error: Error) => void) {
    if (this.closedEarly) return fail(closedError());
    if (!this.full) return then();
    this.waiting = { then, fail };
  }

  // Asked of a socket by code that tunes connections; there is no connection to tune.
  setTimeout() {
    return this;
  }
  setNoDelay() {
    return this;
  }
  setKeepAlive() {
    return this;
  }
}

const closedError = () => new Error('the Lambda response stream closed before the response ended');

export class StreamedResponse extends ServerResponse {
  private readonly lambdaConnection: LambdaConnection;
  /** Settles when the Lambda stream has ended (or failed) after the whole response. */
  readonly delivered: Promise<void>;

  constructor(
    request: IncomingMessage,
    private readonly target: LambdaResponseStream,
    private readonly withPrelude: PreludeWriter,
  ) {
    super(request);
    // Bytes as written: no chunked framing on a stream that frames itself.
    this.useChunkedEncodingByDefault = false;
    const connection = new LambdaConnection(target);
    this.lambdaConnection = connection;
    this.delivered = new Promise<void>((resolve, reject) => {
      connection.once('finish', resolve);
      connection.once('close', () => {
        if (!connection.writableFinished) {
          reject(connection.errored ?? new Error('the response was destroyed before it ended'));
        }
      });
    });
    // Unhandled until the handler awaits it; a rejection is still seen there.
    this.delivered.catch(() => undefined);
    this.assignSocket(connection as never);
    // What Node's server does for its sockets: a drained connection lets the writer go on.
    connection.on('drain', () => {
      if (this.writableFinished) return;
      const needDrain = Object.getOwnPropertySymbols(this).find(
        (symbol) => symbol.description === 'kNeedDrain',
      );
      if (needDrain) (this as unknown as Record<symbol, boolean>)[needDrain] = false;
      this.emit('drain');
    });
    this.once('finish', () => connection.end());
  }

  override writeHead(
    statusCode: number,
    reasonOrHeaders?: string | OutgoingHttpHeaders | OutgoingHttpHeader[],
    maybeHeaders?: OutgoingHttpHeaders | OutgoingHttpHeader[],
  ): this {
    const reason = typeof reasonOrHeaders === 'string' ? reasonOrHeaders : undefined;
    const given = typeof reasonOrHeaders === 'string' ? maybeHeaders : reasonOrHeaders;
    // Headers handed to writeHead join the ones set before, so the prelude sees them all.
    if (given && !this.headersSent) {
      if (Array.isArray(given)) {
        for (let i = 0; i + 1 < given.length; i += 2) {
          this.setHeader(String(given[i]), given[i + 1] as OutgoingHttpHeader);
        }
      } else {
        for (const [name, value] of Object.entries(given)) {
          if (value !== undefined) this.setHeader(name, value);
        }
      }
    }
    if (reason === undefined) super.writeHead(statusCode);
    else super.writeHead(statusCode, reason);
    this.sendPrelude();
    return this;
  }

  private sendPrelude() {
    // Node would now put the HTTP/1.1 head in front of the first body bytes; the prelude
    // replaces it, so mark it as sent.
    (this as unknown as { _headerSent: boolean })._headerSent = true;
    this.withPrelude(this.target, preludeOf(this.statusCode, this.getHeaders()));
    // The runtime writes the prelude on the stream's first write; an empty one releases it at
    // once, so the client sees the status and headers before the first body byte (and a 204,
    // which has none, gets them at all).
    this.lambdaConnection.sendNow(Buffer.alloc(0));
  }
}

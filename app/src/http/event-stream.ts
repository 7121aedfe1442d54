// Server-sent events written to a Koa response body: named events with one line of JSON data,
// and a comment whenever the stream has been quiet for the keep-alive interval, so proxies and
// clients that give up on a silent connection keep it. A client that has gone away makes
// every later write a no-op, never an error of whatever produces the events.
import { PassThrough } from 'node:stream';

/** The contract's bound: a comment at least this often while nothing else is sent. */
export const KEEP_ALIVE_MS = 15_000;

export class EventStream {
  readonly body = new PassThrough();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly keepAliveMs: number = KEEP_ALIVE_MS) {
    // Koa destroys the body when the client disconnects; a write racing that is not a failure.
    this.body.on('error', () => undefined);
    this.body.on('close', () => clearTimeout(this.timer));
    this.arm();
  }

  /** Whether the client is still reading. */
  get open(): boolean {
    return !this.body.destroyed && !this.body.writableEnded;
  }

  /** One event; JSON.stringify escapes every line break, so the data is one line. */
  send(event: string, data: unknown): void {
    this.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  end(): void {
    clearTimeout(this.timer);
    if (this.open) this.body.end();
  }

  private write(text: string): void {
    if (!this.open) return;
    this.body.write(text);
    this.arm();
  }

  private arm(): void {
    clearTimeout(this.timer);
    if (this.open) this.timer = setTimeout(() => this.write(': keep-alive\n\n'), this.keepAliveMs);
  }
}

// A body over MAX_BODY_BYTES sent without a length (chunked) is refused part-way, with the rest
// of it still on the connection. The contract: the 413 leaves the connection usable, or says
// `Connection: close`; it never says keep-alive and then resets. Seen as a client sees it, on a
// raw socket.
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { expect } from 'chai';
import { startApi, type TestApi } from '../support/harness.js';

interface RawResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** A socket to the API, with what it received, how it ended, and its responses one by one. */
function openSocket(url: string) {
  const { hostname, port } = new URL(url);
  const socket: Socket = connect(Number(port), hostname);
  let buffer = '';
  let error: string | undefined;
  socket.on('data', (chunk: Buffer) => (buffer += chunk.toString('latin1')));
  socket.on('error', (e: NodeJS.ErrnoException) => (error = e.code ?? e.message));
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  /** The next whole response (its Content-Length body read), or undefined once the socket closed. */
  const nextResponse = async (): Promise<RawResponse | undefined> => {
    for (;;) {
      const end = buffer.indexOf('\r\n\r\n');
      if (end !== -1) {
        const [statusLine = '', ...lines] = buffer.slice(0, end).split('\r\n');
        const headers = Object.fromEntries(
          lines.map((line) => {
            const colon = line.indexOf(':');
            return [line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim()];
          }),
        );
        const length = Number(headers['content-length'] ?? 0);
        if (buffer.length >= end + 4 + length) {
          const body = buffer.slice(end + 4, end + 4 + length);
          buffer = buffer.slice(end + 4 + length);
          return { status: Number(statusLine.split(' ')[1]), headers, body };
        }
      }
      if (socket.destroyed) return undefined;
      await Promise.race([once(socket, 'data').catch(() => undefined), closed]);
    }
  };
  return { socket, nextResponse, closed, error: () => error };
}

const head = (token: string) =>
  [
    'POST /api/v1/conversations/initiate HTTP/1.1',
    'Host: localhost',
    `Authorization: Bearer ${token}`,
    'Content-Type: application/json',
    'Transfer-Encoding: chunked',
    '',
    '',
  ].join('\r\n');

/** `bytes` of a JSON body's text in chunks of 10,000 bytes. */
function chunks(bytes: number): string {
  const piece = 'x'.repeat(10_000);
  let text = '';
  for (let sent = 0; sent < bytes; sent += piece.length) {
    text += `${piece.length.toString(16)}\r\n${piece}\r\n`;
  }
  return text;
}

describe('a body over the limit, sent without a length', () => {
  let api: TestApi;
  let token: string;
  before(async () => {
    api = await startApi();
    token = await api.token('oda', 'acme');
  });
  after(() => api.close());

  it('when the body ends soon after the limit, then the 413 keeps the connection and the next request on it is answered', async () => {
    const client = openSocket(api.url);
    client.socket.write(head(token) + chunks(100_000) + '0\r\n\r\n');
    const refused = await client.nextResponse();
    expect(refused?.status).to.equal(413);
    expect(JSON.parse(refused?.body ?? '{}')).to.include({ error: 'payload_too_large' });
    expect(refused?.headers.connection).to.equal('keep-alive');

    client.socket.write('GET /api/v1/health/live HTTP/1.1\r\nHost: localhost\r\n\r\n');
    const next = await client.nextResponse();
    expect(next?.status, client.error()).to.equal(200);
    expect(JSON.parse(next?.body ?? '{}')).to.deep.equal({ status: 'ok' });
    client.socket.destroy();
    expect((await api.items('conversations')).length).to.equal(0);
  });

  it('when the body stalls past the limit, then the 413 says Connection: close and the connection ends cleanly', async () => {
    const client = openSocket(api.url);
    // Over the limit, then nothing more: the client waits for an answer with its body unfinished.
    client.socket.write(head(token) + chunks(80_000));
    const refused = await client.nextResponse();
    expect(refused?.status).to.equal(413);
    expect(refused?.headers.connection).to.equal('close');
    await client.closed;
    expect(client.error(), 'a reset').to.equal(undefined);
  });

  it('when the body goes on far past the limit, then whatever answer arrives says Connection: close, never keep-alive', async () => {
    const client = openSocket(api.url);
    // 4 MB at once: a reset is allowed here, once the answer said Connection: close.
    client.socket.write(head(token) + chunks(4_000_000));
    const refused = await client.nextResponse();
    if (refused) {
      expect(refused.status).to.equal(413);
      expect(refused.headers.connection).to.equal('close');
    }
    client.socket.destroy();
    expect((await api.items('conversations')).length).to.equal(0);
  });
});

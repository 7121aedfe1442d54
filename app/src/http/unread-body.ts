// A body refused before it was all read (413): what is left of it is still on the connection,
// in front of the client's next request. It is read and dropped, within bounds, so that the
// connection stays usable; past the bounds the answer says `Connection: close` instead, so that
// the client is never reset on a connection it was told is kept (the contract's rule).
import type { IncomingMessage } from 'node:http';

/** How much more of a refused body is read and dropped before the connection is given up. */
const DISCARD_BYTES = 256 * 1024;
/** How long a refused body may take to end: a client that stalls gets its 413 after this. */
const DISCARD_MS = 2000;

/** Reads and drops the rest of the request's body; true when it ended within the bounds. */
export function discardRest(request: IncomingMessage): Promise<boolean> {
  if (request.complete) return Promise.resolve(true);
  return new Promise((resolve) => {
    let dropped = 0;
    const finish = (ended: boolean) => {
      clearTimeout(timer);
      request.off('data', onData);
      request.off('end', onEnd);
      request.off('close', onClose);
      if (!ended) request.pause();
      resolve(ended);
    };
    const onData = (chunk: Buffer) => {
      dropped += chunk.length;
      if (dropped > DISCARD_BYTES) finish(false);
    };
    const onEnd = () => finish(true);
    const onClose = () => finish(request.complete);
    const timer = setTimeout(() => finish(false), DISCARD_MS);
    request.on('data', onData);
    request.once('end', onEnd);
    request.once('close', onClose);
    request.resume();
  });
}

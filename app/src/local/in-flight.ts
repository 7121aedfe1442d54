// Counts the requests a server is answering, so a stop can wait for them, for a bounded time;
// the wait itself (idleSignal) also serves the in-process job dispatcher's drain.
import type { Server } from 'node:http';

export interface InFlight {
  /** Resolves when no request is running or `graceMs` has passed, whichever comes first. */
  drain(graceMs: number): Promise<{ finished: number; cutOff: number }>;
}

/**
 * The moment running work runs out, for a stop that waits for it a bounded time: here the
 * server's requests, and the jobs of the local server's dispatcher (jobs/in-process-dispatcher.ts).
 */
export function idleSignal() {
  let onIdle: (() => void) | undefined;
  return {
    /** Nothing runs any more: a waiting `within` resolves now. */
    reached: () => onIdle?.(),
    /** Resolves at the next `reached()` or once `graceMs` has passed, whichever comes first. */
    async within(graceMs: number): Promise<void> {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, graceMs);
        onIdle = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      onIdle = undefined;
    },
  };
}

export function trackRequests(server: Server): InFlight {
  let running = 0;
  let finished = 0;
  const idle = idleSignal();
  server.on('request', (_request, response) => {
    running++;
    response.once('close', () => {
      running--;
      finished++;
      if (running === 0) idle.reached();
    });
  });
  return {
    async drain(graceMs) {
      const finishedBefore = finished;
      if (running > 0 && graceMs > 0) await idle.within(graceMs);
      return { finished: finished - finishedBefore, cutOff: running };
    },
  };
}

// Counts the requests a server is answering, so a stop can wait for them, for a bounded time.
import type { Server } from 'node:http';
import { idleSignal } from '../jobs/in-process-dispatcher.js';

export interface InFlight {
  /** Resolves when no request is running or `graceMs` has passed, whichever comes first. */
  drain(graceMs: number): Promise<{ finished: number; cutOff: number }>;
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

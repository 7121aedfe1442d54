// Streamed turns still running. A client that hangs up does not cancel its turn (it commits,
// and a retry with the same Idempotency-Key finds it), so its response may end long before the
// turn does: whatever ends the process's work (a Lambda streaming invocation returning, the
// local server stopping) waits for these first.
const running = new Set<Promise<void>>();

/** Counts the turn as running until it settles (it never rejects: its errors are events). */
export function trackStreamedTurn(turn: Promise<void>): void {
  running.add(turn);
  void turn.finally(() => running.delete(turn));
}

/** Resolves once every streamed turn started so far has settled. */
export async function streamedTurnsSettled(): Promise<void> {
  while (running.size > 0) await Promise.all([...running]);
}

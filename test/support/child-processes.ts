// Every process a test starts runs as the leader of its own process group, and is stopped by
// killing that whole group: a watcher's child, a shell's command or a server's worker goes with
// it. What a test leaves (it failed, or timed out) is killed when mocha exits or is interrupted.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { once } from 'node:events';

/** The groups started and not yet stopped, by their leader's pid (which is the group id). */
const running = new Set<number>();

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch (error) {
    // ESRCH: nothing of the group is left.
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

function killEveryGroup(): void {
  for (const pid of running) killGroup(pid, 'SIGKILL');
  running.clear();
}

// mocha --exit ends with process.exit, which runs 'exit' listeners; an interrupted run (Ctrl-C,
// a CI timeout) gets the signal, kills the groups, and then ends as the signal would have.
process.once('exit', killEveryGroup);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(signal, () => {
    killEveryGroup();
    process.kill(process.pid, signal);
  });
}

/** Starts `command` as the leader of a new process group (not in the test run's own). */
export function startChild(
  command: string,
  args: readonly string[],
  options: SpawnOptions = {},
): ChildProcess {
  const child = spawn(command, args, { ...options, detached: true });
  if (child.pid !== undefined) running.add(child.pid);
  return child;
}

/** True while the child itself has not exited. */
export function isRunning(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

/**
 * Sends `signal` to the child's whole group and waits for the child to exit; SIGKILL (the
 * default) also ends whatever else of the group is left, and forgets the group.
 */
export async function stopChild(
  child: ChildProcess,
  signal: NodeJS.Signals = 'SIGKILL',
): Promise<void> {
  const pid = child.pid;
  if (pid === undefined) return;
  const exited = isRunning(child) ? once(child, 'exit') : Promise.resolve();
  killGroup(pid, signal);
  await exited;
  if (signal === 'SIGKILL') running.delete(pid);
}

export interface Outcome {
  /** The exit code; 1 when the child was ended by a signal or the time limit. */
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs a command to its end in its own group, and kills whatever of the group outlives it (or
 * all of it after `timeoutMs`).
 */
export async function runChild(
  command: string,
  args: readonly string[],
  options: SpawnOptions & { readonly timeoutMs?: number } = {},
): Promise<Outcome> {
  const { timeoutMs = 60_000, ...spawnOptions } = options;
  const child = startChild(command, args, { ...spawnOptions, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const limit = setTimeout(() => void stopChild(child), timeoutMs);
  try {
    const [code] = (await once(child, 'close')) as [number | null];
    return { code: code ?? 1, stdout, stderr };
  } finally {
    clearTimeout(limit);
    await stopChild(child);
  }
}

interface ProcessRow {
  readonly pid: number;
  readonly ppid: number;
  /** A zombie (`Z`) has exited and only waits to be reaped. */
  readonly zombie: boolean;
}

async function processTable(): Promise<ProcessRow[]> {
  const { stdout } = await runChild('ps', ['-A', '-o', 'pid=,ppid=,stat=']);
  return stdout
    .trim()
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .map(([pid, ppid, stat]) => ({
      pid: Number(pid),
      ppid: Number(ppid),
      zombie: (stat ?? '').startsWith('Z'),
    }));
}

/** The pids of every live process below `pid` (its children, theirs, …), as `ps` sees them. */
export async function descendantsOf(pid: number): Promise<number[]> {
  const rows = (await processTable()).filter((row) => !row.zombie);
  const found: number[] = [];
  const visit = (parent: number) => {
    for (const row of rows.filter((r) => r.ppid === parent)) {
      found.push(row.pid);
      visit(row.pid);
    }
  };
  visit(pid);
  return found;
}

/** Those of `pids` still running (zombies count as ended). */
export async function stillRunning(pids: readonly number[]): Promise<number[]> {
  const live = new Set((await processTable()).filter((row) => !row.zombie).map((row) => row.pid));
  return pids.filter((pid) => live.has(pid));
}

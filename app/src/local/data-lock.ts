// One server per data folder: the embedded store's files cannot be shared by two processes, so
// the first takes a lock file holding its pid. A lock whose process has died is taken over.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { StartupError } from './startup-error.js';

export interface DataLock {
  release(): void;
}

function ownerOf(file: string): number | undefined {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function lockDataFolder(dataDir: string): DataLock {
  mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, 'server.lock');
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      writeFileSync(file, `${process.pid}\n`, { flag: 'wx' });
      return {
        release() {
          if (ownerOf(file) === process.pid) rmSync(file, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = ownerOf(file);
    if (owner !== undefined && isRunning(owner)) {
      throw new StartupError(
        `The data folder ${path.resolve(dataDir)} is in use by another server (pid ${owner}): stop that server, or give this one its own folder, e.g. DATA_DIR=.data-2 npm start`,
      );
    }
    rmSync(file, { force: true });
  }
  throw new StartupError(
    `The lock ${file} keeps changing hands: another server is starting on the same folder; start one at a time`,
  );
}

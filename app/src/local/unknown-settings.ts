// Keys of `.env` the service does not read (a typo such as LOG_LEVL, or CORS_ORIGIN for
// CORS_ORIGINS) would be ignored without a word, and the default used instead. They are
// reported at start, each with the nearest setting the service knows; the start goes on.
import { readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import { configVariables } from '../config.js';

export interface UnknownSetting {
  readonly variable: string;
  /** The known setting it most likely meant, when one is close. */
  readonly nearest?: string;
}

/** Edits (insert, delete, replace, swap two neighbours) from `a` to `b`. */
function distance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  const at = (i: number, j: number) => rows[i]?.[j] ?? Infinity;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, at(i - 2, j - 2) + 1);
      }
      (rows[i] as number[])[j] = best;
    }
  }
  return at(a.length, b.length);
}

/** The known name closest to `name` (in any case), if it is a plausible typo of it. */
export function nearestSetting(
  name: string,
  known: readonly string[] = configVariables,
): string | undefined {
  const upper = name.toUpperCase();
  // A few edits for a long name, fewer for a short one: PORT is not a typo of HOST.
  const allowed = Math.max(1, Math.floor(upper.length / 4));
  let nearest: { name: string; edits: number } | undefined;
  for (const candidate of known) {
    const edits = distance(upper, candidate);
    if (edits <= allowed && (!nearest || edits < nearest.edits))
      nearest = { name: candidate, edits };
  }
  return nearest?.name;
}

/** The keys of the `.env` file that the service does not read; none when there is no file. */
export function unknownDotEnvSettings(file = '.env'): UnknownSetting[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return []; // no file (or none readable): withDotEnv decides what that means
  }
  const known = new Set(configVariables);
  return Object.keys(parseEnv(text))
    .filter((variable) => !known.has(variable))
    .map((variable) => ({ variable, nearest: nearestSetting(variable) }));
}

/** The one line that reports it. */
export function unknownSettingLine(setting: UnknownSetting, file = '.env'): string {
  const hint = setting.nearest ? `did you mean ${setting.nearest}? ` : '';
  return `${file}: ${setting.variable} is not a setting of this service and is ignored (${hint}docs/configuration.md lists every setting)`;
}

// The program's own check of its config namespace. The Pulumi CLI hands the program every key a
// stack file sets, declared or not, so a misspelt key (`memmorySize: 4096`) would be ignored and
// its default used without a word. Every key the program reads is declared in Pulumi.yaml (the
// CLI wants a default for each), so a key set in the namespace and declared nowhere is a mistake.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';

/** The keys Pulumi.yaml declares in its `config:` block, without the project prefix. */
export function declaredConfigKeys(projectFile = path.resolve(__dirname, '..', 'Pulumi.yaml')) {
  const project = parseYaml(readFileSync(projectFile, 'utf8')) as {
    config?: Record<string, unknown>;
  };
  return Object.keys(project.config ?? {});
}

/**
 * One line for each key of `project`'s namespace that is set but not declared, naming the
 * nearest declared key when one is close enough to be the one meant.
 */
export function unknownConfigKeyProblems(
  project: string,
  setKeys: readonly string[],
  declared: readonly string[],
): string[] {
  const prefix = `${project}:`;
  return setKeys
    .filter((key) => key.startsWith(prefix))
    .map((key) => key.slice(prefix.length))
    .filter((key) => !declared.includes(key))
    .sort()
    .map((key) => {
      const nearest = nearestKey(key, declared);
      const hint = nearest ? `: did you mean ${nearest}?` : '';
      return `unknown key ${key}${hint} (the keys are declared in Pulumi.yaml)`;
    });
}

/** The declared key fewest edits away, if at most a third of the key's letters differ. */
export function nearestKey(key: string, declared: readonly string[]): string | undefined {
  let best: { key: string; distance: number } | undefined;
  for (const candidate of declared) {
    const distance = editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (!best || distance < best.distance) best = { key: candidate, distance };
  }
  return best && best.distance <= Math.max(1, Math.floor(key.length / 3)) ? best.key : undefined;
}

/** Levenshtein distance: insertions, deletions and substitutions, one each. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution);
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

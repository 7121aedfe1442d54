// The local entries (`npm start`, `npm run dev`, `npm run token`) refuse an older Node at once,
// in one line: on Node 18 the server used to start, say it was healthy, and then answer every
// authenticated call with a 500 (no global `crypto`). Imported first, before anything else loads.
// The deployed image runs Node 22 and never loads this.

/** The oldest Node the project runs on; package.json's `engines` says the same (tested). */
export const MINIMUM_NODE = '20.19';

/** Why `version` (e.g. "18.20.4") cannot run this project, or undefined when it can. */
export function unsupportedNode(version: string): string | undefined {
  const have = version.split('.').map(Number);
  const need = MINIMUM_NODE.split('.').map(Number);
  for (let i = 0; i < need.length; i++) {
    const [h = 0, n = 0] = [have[i], need[i]];
    if (h > n) return undefined;
    if (h < n) {
      return `PurposePath needs Node ${MINIMUM_NODE} or later; this is Node ${version}. Install Node 22 (what the deployed image runs), e.g. nvm install 22, and run it again`;
    }
  }
  return undefined;
}

const problem = unsupportedNode(process.versions.node);
if (problem) {
  process.stderr.write(`${problem}\n`);
  process.exit(1);
}

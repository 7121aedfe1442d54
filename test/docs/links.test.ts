// The README and the guides in docs/ link only to what a clone holds: every relative link names
// a file of the repository, every #anchor a heading of its target, and none leaves the clone.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { expect } from 'chai';

const root = process.cwd();
const documents = [
  'README.md',
  ...readdirSync(path.join(root, 'docs'))
    .filter((file) => file.endsWith('.md'))
    .map((file) => `docs/${file}`),
];

/** GitHub's heading anchors: lower case, punctuation dropped, each space a hyphen. */
function anchor(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');
}

function anchors(file: string): Set<string> {
  const text = readFileSync(path.join(root, file), 'utf8').replace(/```[\s\S]*?```/g, '');
  return new Set([...text.matchAll(/^#{1,6} (.+)$/gm)].map((m) => anchor(m[1] ?? '')));
}

function links(file: string): string[] {
  const text = readFileSync(path.join(root, file), 'utf8').replace(/```[\s\S]*?```/g, '');
  return [...text.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1] ?? '');
}

describe('links in the README and docs/', () => {
  for (const file of documents) {
    it(`when ${file} links inside the repository, then each target and anchor exists`, () => {
      const local = links(file).filter((link) => !/^[a-z]+:/.test(link));
      expect(local.length, `${file} has no local link to check`).to.be.above(0);
      for (const link of local) {
        const [target = '', hash] = link.split('#');
        const resolved = target ? path.normalize(path.join(path.dirname(file), target)) : file;
        expect(resolved.startsWith('..'), `${file}: ${link} leaves the clone`).to.equal(false);
        expect(existsSync(path.join(root, resolved)), `${file}: ${link}`).to.equal(true);
        if (hash) expect([...anchors(resolved)], `${file}: ${link}`).to.include(hash);
      }
    });
  }

  for (const file of documents) {
    it(`when ${file} is read in a clone, then it points at no team folder outside the repository`, () => {
      const text = readFileSync(path.join(root, file), 'utf8');
      expect(text).to.not.match(/\.\.\/shared|\/work\/shared|CONTRACT\.md|DESIGN\.md/);
    });
  }
});

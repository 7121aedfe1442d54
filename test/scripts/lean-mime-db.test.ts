// The build ships mime-db cut to what mime-types reads (scripts/build.ts, leanMimeDb): every
// answer mime-types gives must be the same with the cut table as with the whole one.
import { createRequire } from 'node:module';
import { expect } from 'chai';
import { leanMimeDb } from '../../scripts/build.js';

type MimeTypes = {
  lookup(path: string): string | false;
  extension(type: string): string | false;
  charset(type: string): string | false;
  contentType(type: string): string | false;
};

const load = createRequire(__filename);

/** A fresh copy of mime-types that reads `db` as its mime-db. */
function mimeTypesWith(db: unknown): MimeTypes {
  const dbPath = load.resolve('mime-db');
  const typesPath = load.resolve('mime-types');
  const saved = load.cache[dbPath];
  Reflect.deleteProperty(load.cache, typesPath);
  load.cache[dbPath] = { exports: db, loaded: true } as NodeJS.Module;
  try {
    return load('mime-types') as MimeTypes;
  } finally {
    Reflect.deleteProperty(load.cache, typesPath);
    if (saved) load.cache[dbPath] = saved;
    else Reflect.deleteProperty(load.cache, dbPath);
  }
}

describe('the lean mime-db the bundle ships', () => {
  const full = load('mime-db') as Record<string, { extensions?: string[] }>;
  const lean = leanMimeDb(full);
  const whole = mimeTypesWith(full);
  const cut = mimeTypesWith(lean);

  it('when it is cut, then it is much smaller', () => {
    expect(JSON.stringify(lean).length).to.be.below(JSON.stringify(full).length / 2);
  });

  it('when mime-types reads it, then every lookup, extension, charset and content type is the same', () => {
    const extensions = Object.values(full).flatMap((entry) => entry.extensions ?? []);
    expect(extensions.length).to.be.above(1000);
    for (const ext of [...extensions, 'nothing-like-this']) {
      expect(cut.lookup(`file.${ext}`), ext).to.equal(whole.lookup(`file.${ext}`));
      expect(cut.contentType(ext), ext).to.equal(whole.contentType(ext));
    }
    for (const type of [...Object.keys(full), 'text/unknown', 'application/unknown']) {
      expect(cut.extension(type), type).to.equal(whole.extension(type));
      expect(cut.charset(type), type).to.equal(whole.charset(type));
      expect(cut.contentType(type), type).to.equal(whole.contentType(type));
    }
  });
});

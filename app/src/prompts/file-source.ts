// Templates read from a folder without history: the image's copy of prompts/, read when the
// bucket cannot be reached.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileOf, type PromptKey } from './prompt-keys.js';
import type { PromptObject, PromptSource } from './prompt-store.js';

export function filePromptSource(dir: string): PromptSource {
  return {
    name: `files:${dir}`,
    async read(key: PromptKey, etag?: string): Promise<PromptObject | 'not-modified'> {
      const text = await readFile(path.join(dir, fileOf(key)), 'utf8');
      const hash = createHash('sha256').update(text).digest('hex');
      return hash === etag ? 'not-modified' : { text, etag: hash };
    },
  };
}

// Templates read from a folder (prompts/ locally, and the image's copy as the S3 fallback).
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { PromptObject, PromptSource } from './catalog.js';

export function filePromptSource(dir: string): PromptSource {
  const root = path.resolve(dir);
  return {
    name: `files:${dir}`,
    async read(key: string, etag?: string): Promise<PromptObject | 'not-modified'> {
      const file = path.resolve(root, key);
      if (!file.startsWith(root + path.sep)) throw new Error(`key ${key} leaves the prompts folder`);
      const text = await readFile(file, 'utf8');
      const hash = createHash('sha256').update(text).digest('hex');
      return hash === etag ? 'not-modified' : { text, etag: hash };
    },
  };
}

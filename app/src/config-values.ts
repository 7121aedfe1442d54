// The shapes of the environment's values, for config.ts: yes-or-no, whole numbers, optional
// text, comma lists, URLs, and CORS origins written as a browser sends them (each wrong entry
// said with its fix). Values only: config.ts alone reads the environment.
import { z } from 'zod';

export const boolText = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'expected true or false' })
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

export const positiveInt = z.coerce.number({ message: 'expected a whole number' }).int().positive();

export const optionalText = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .optional();

export const commaList = z.string().transform((v) =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
);

export const url = z.url({ message: 'expected a URL' });

/** What is wrong with one CORS_ORIGINS entry, said with the fix; undefined when it is fine. */
function originProblem(entry: string): string | undefined {
  if (entry === '*') {
    return '"*" is refused: credentials are allowed, and browsers refuse a wildcard with them; list each origin, e.g. http://localhost:5173';
  }
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(entry)) {
    return `"${entry}" has no scheme: write http://${entry} (or https://${entry})`;
  }
  let parsed: URL;
  try {
    parsed = new URL(entry);
  } catch {
    return `"${entry}" is not an origin such as http://localhost:5173`;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    return `"${entry}" is not an http:// or https:// origin`;
  }
  if (parsed.origin === entry) return undefined;
  const extra = parsed.pathname !== '/' || parsed.search !== '' || parsed.hash !== '';
  return extra || entry.endsWith('/')
    ? `"${entry}" has a path or a trailing slash, which a browser's Origin never has: write ${parsed.origin}`
    : `"${entry}" is not written the way a browser sends it: write ${parsed.origin}`;
}

export const originList = commaList.superRefine((origins, ctx) => {
  for (const origin of origins) {
    const problem = originProblem(origin);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  }
});

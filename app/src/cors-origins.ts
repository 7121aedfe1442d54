// CORS_ORIGINS, checked entry by entry: an origin exactly as a browser sends it in `Origin`,
// and for each mistake a message that says the fix (config.ts applies it to each entry).

/** What is wrong with one CORS_ORIGINS entry, said with the fix; undefined when it is fine. */
export function originProblem(entry: string): string | undefined {
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

// The `Prefer` request header (RFC 7240): a comma-separated list of preferences, each a token,
// optionally `=value`, then `;parameters`. The service honours one, `respond-async`; whatever it
// does not understand is ignored, as the RFC asks, so an unknown or malformed preference never
// fails a request: it is simply answered synchronously.
import type { AppContext } from './middleware.js';

/** The preferences' names, lower-cased; commas inside quoted values separate nothing. */
export function preferenceNames(header: string): string[] {
  const names: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < header.length; i++) {
    const c = header[i];
    if (c === '"') quoted = !quoted;
    else if (c === '\\' && quoted) i++;
    if (c === ',' && !quoted) {
      names.push(current);
      current = '';
    } else current += c;
  }
  names.push(current);
  return names
    .map((preference) => (preference.split(/[;=]/)[0] ?? '').trim().toLowerCase())
    .filter(Boolean);
}

/** True when the request asks to have its work accepted and answered at once (202). */
export function prefersRespondAsync(ctx: AppContext): boolean {
  return preferenceNames(ctx.get('Prefer')).includes('respond-async');
}

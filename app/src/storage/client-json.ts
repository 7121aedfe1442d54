// Client JSON (a conversation's context, a message's metadata) as DynamoDB holds it: one string
// of JSON text, never a DynamoDB document. Any object the client sent then reads back as a JSON
// parser read it, whatever its numbers (DynamoDB's number type refuses 1e-300 and the SDK's
// marshaller unsafe integers) and its depth, and it costs no more bytes than the client's text.

/** The shortest JSON text of a finite number: `1e20` stays `1e20`, not 21 digits. */
function numberText(n: number): string {
  const plain = String(n);
  const [mantissa = '', exponent = '0'] = n.toExponential().split('e');
  const [whole = '', fraction = ''] = mantissa.split('.');
  const power = Number(exponent) - fraction.length;
  const integral = power === 0 ? `${whole}${fraction}` : `${whole}${fraction}e${power}`;
  const pointed = `${mantissa}e${Number(exponent)}`;
  return [integral, pointed].reduce(
    (shortest, form) => (form.length < shortest.length ? form : shortest),
    plain,
  );
}

/** JSON text of a parsed JSON value, compact: no longer than any JSON text that parses to it. */
export function clientJsonText(value: unknown): string {
  if (typeof value === 'number') return Number.isFinite(value) ? numberText(value) : 'null';
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(clientJsonText).join(',')}]`;
  const members = Object.entries(value).map(
    ([key, member]) => `${JSON.stringify(key)}:${clientJsonText(member)}`,
  );
  return `{${members.join(',')}}`;
}

/**
 * The client's object from its stored text; `fallback` is the attribute an item written before
 * (or by the original service) holds instead, as a DynamoDB map.
 */
export function clientJsonObject(text: unknown, fallback: unknown): Record<string, unknown> {
  if (typeof text === 'string') {
    try {
      const value: unknown = JSON.parse(text);
      if (value && typeof value === 'object' && !Array.isArray(value)) {
        return value as Record<string, unknown>;
      }
    } catch {
      // Not JSON this service wrote: read as the older attribute would be.
    }
  }
  return fallback && typeof fallback === 'object' && !Array.isArray(fallback)
    ? (fallback as Record<string, unknown>)
    : {};
}

// Plain-text helpers of the offline answers: words and the words worth matching, stems that
// find a word's relatives, sentences, short quotes and "a, b and c" listings. The offline coach,
// the offline analyses and the offline onboarding suggestion read the user's text with these.

const stopWords = new Set(
  'a an and are as at be but by for from has have in into is it its of on or our that the their this to was we were will with you your who what when where which while than then they them there these those about over also more most very just only can could should would'.split(
    ' ',
  ),
);

export function words(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}']+/gu) ?? [];
}

/** Words worth matching: no stop words, at least four letters, each once. */
export function contentWords(text: string): string[] {
  return [...new Set(words(text).filter((w) => w.length >= 4 && !stopWords.has(w)))];
}

/** A word's matching stem, so "innovation" also finds "innovative" and "trust" finds "trusted". */
function stem(word: string): string {
  return word.slice(0, Math.max(4, Math.min(6, word.length - 2)));
}

export function mentions(textWords: readonly string[], term: string): boolean {
  const termWords = contentWords(term);
  const candidates = termWords.length > 0 ? termWords : words(term);
  return candidates.some((t) => textWords.some((w) => w.startsWith(stem(t))));
}

/** Short cues ("not", "new") must match a whole word; longer ones are stems. */
export function hasAnyStem(textWords: readonly string[], stems: readonly string[]): boolean {
  return stems.some((s) => textWords.some((w) => (s.length <= 3 ? w === s : w.startsWith(s))));
}

export function sentences(text: string): string[] {
  return text
    .split(/(?<=[.!?])\s+|\n+/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });

/**
 * At most `max` UTF-16 units, so at most `max` code points (what the output schemas count), cut
 * between graphemes: never through an emoji's surrogate pair or a letter and its accents.
 */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = 0;
  for (const { index, segment } of graphemes.segment(text)) {
    if (index + segment.length > max) break;
    end = index + segment.length;
  }
  return text.slice(0, end);
}

/** A sentence (or a term, with a smaller `max`) short enough to quote back. */
export function quote(text: string, max = 160): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${clip(flat, max - 3).trimEnd()}...` : flat;
}

export function listing(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

/**
 * `"a", "b" and "c"`: at most `max` of the owner's terms, each quoted short, and how many more
 * there were, so a sentence stays readable (and within its schema) however much was sent.
 */
export function quoted(items: readonly string[], max = 6): string {
  const shown = items.slice(0, max).map((i) => `"${quote(i, 60)}"`);
  const more = items.length - shown.length;
  return more > 0 ? `${shown.join(', ')} and ${more} more` : listing(shown);
}

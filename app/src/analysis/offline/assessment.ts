// What every offline analysis's assessment shares: the note that no model was used, and
// scores kept to whole numbers from 0 to 100.

export const OFFLINE_NOTE = 'Offline analysis (no language model was used):';

export const clampScore = (n: number) => Math.max(0, Math.min(100, Math.round(n)));

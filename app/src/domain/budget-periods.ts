// The periods spend is counted in and budgets hold for: the tenant's calendar month and the
// user's day, both in UTC. A model call counts in the period in which it finished.

/** A budget beyond this is a typo, not a limit (the environment and the admin route refuse it). */
export const MAX_BUDGET_USD = 1_000_000_000;

/**
 * A budget written as text (the environment, the stack's config): empty is none; otherwise US
 * dollars as plain digits with an optional fraction (`250`, `12.50`), and NaN for anything else.
 */
export function budgetFromText(text: string): number | undefined {
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  return /^\d+(\.\d+)?$/.test(trimmed) ? Number(trimmed) : Number.NaN;
}

/** A budget the service takes: dollars, 0 (which refuses every model call) up to the maximum. */
export function isBudget(usd: number): boolean {
  return Number.isFinite(usd) && usd >= 0 && usd <= MAX_BUDGET_USD;
}

/** `YYYY-MM` of a UTC time. */
export function monthOf(at: Date): string {
  return at.toISOString().slice(0, 7);
}

/** `YYYY-MM-DD` of a UTC time. */
export function dayOf(at: Date): string {
  return at.toISOString().slice(0, 10);
}

/** When the tenant's month that holds `at` ends: the first instant of the next month. */
export function monthEnd(at: Date): Date {
  return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + 1, 1));
}

/** When the user's day that holds `at` ends: the next midnight, UTC. */
export function dayEnd(at: Date): Date {
  return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate() + 1));
}

/** A `YYYY-MM` the API accepts: a real month of a four-digit year. */
export const MONTH_PATTERN = /^\d{4}-(0[1-9]|1[0-2])$/;

// dynalite's per-item locks, taken for every item a request touches. dynalite's own writes lock
// their one item the same way, so a write to any of them waits for the request to finish.
import type { Store } from './dynalite-parts.js';

export interface LockedItem {
  readonly table: string;
  /** The item's key as dynalite stores it. */
  readonly key: string;
}

const byTableThenKey = (a: LockedItem, b: LockedItem) =>
  a.table === b.table ? (a.key < b.key ? -1 : a.key > b.key ? 1 : 0) : a.table < b.table ? -1 : 1;

/**
 * Locks the items one by one in a fixed order (table, then key), so that two requests wanting
 * some of the same items cannot each hold one the other waits for. Resolves with the release.
 */
export async function lockItems(store: Store, items: readonly LockedItem[]): Promise<() => void> {
  const releases: (() => void)[] = [];
  for (const item of [...items].sort(byTableThenKey)) {
    await new Promise<void>((locked) =>
      store.getItemDb(item.table).lock(item.key, (release) => {
        releases.push(release());
        locked();
      }),
    );
  }
  return () => {
    for (const release of releases.reverse()) release();
  };
}

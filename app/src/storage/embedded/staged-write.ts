// One item write run by dynalite's own action (PutItem, UpdateItem, DeleteItem: its key checks,
// condition, update expression, size limit, index entries), but against a stand-in for the store
// that records what the action would write instead of writing it. The action stops where it
// would lock its item, so the caller can lock every item of a request first, in its own order;
// the recorded writes are then committed in one atomic LevelDB batch (or dropped), so no reader
// ever sees an item without its index entries, or half a transaction.
import {
  indexKeyPrefix,
  itemKeyPrefix,
  type BatchOperation,
  type Callback,
  type DynaliteError,
  type Item,
  type ItemAction,
  type Store,
  type SubDb,
} from './dynalite-parts.js';

/** What the action decided, once it has read its item. */
export interface WriteOutcome {
  /** The action's refusal: a failed condition, or an item the update leaves invalid. */
  readonly error?: DynaliteError;
  /** The action's own answer (`Attributes`, `ConsumedCapacity`) when it succeeded. */
  readonly answer?: object;
  /** The item as it stood when the action read it. */
  readonly before?: Item;
  /** The item as the action leaves it (none when it deletes it). */
  readonly after?: Item;
  /** The writes that make it so: the item and its index entries. */
  readonly batch: readonly BatchOperation[];
}

/** A write validated and keyed by its action, waiting for its item's lock. */
export interface PreparedWrite {
  readonly table: string;
  /** The item's key as dynalite stores it. */
  readonly key: string;
  /** Runs the rest of the action; the caller must hold the item's lock. */
  complete(): Promise<WriteOutcome>;
}

export interface StageOptions {
  /** Runs the action's checks but records no write (a transaction's ConditionCheck). */
  readonly readOnly?: boolean;
}

/**
 * Runs `action` up to its item's lock. Rejects with the action's own refusal when it refuses
 * before reading the item (no such table, a key that does not fit the table, an update of a key
 * attribute).
 */
export function prepareWrite(
  store: Store,
  action: ItemAction,
  data: Record<string, unknown>,
  options: StageOptions = {},
): Promise<PreparedWrite> {
  return new Promise((prepared, refused) => {
    const batch: BatchOperation[] = [];
    let before: Item | undefined;
    let after: Item | undefined;
    let finish: ((outcome: WriteOutcome) => void) | undefined;

    const record = (operation: BatchOperation) => {
      if (!options.readOnly) batch.push(operation);
    };
    const recording = (prefix: string, real?: SubDb): SubDb => ({
      lock: (key, proceed) =>
        prepared({
          table: String(data.TableName),
          key,
          complete: () =>
            new Promise((resolve) => {
              finish = resolve;
              // The caller holds the lock already: releasing it is the caller's.
              proceed((done) => done ?? (() => undefined));
            }),
        }),
      get: (key, callback) => {
        if (!real) throw new Error('an index is never read by an item write');
        real.get(key, (error, item) => {
          before = item;
          callback(error, item);
        });
      },
      put: (key, value, callback) => {
        if (real) after = value;
        record({ type: 'put', key: prefix + key, value });
        setImmediate(callback);
      },
      del: (key, callback) => {
        record({ type: 'del', key: prefix + key });
        setImmediate(callback);
      },
    });

    const staging: Store = {
      ...store,
      getItemDb: (table) => recording(itemKeyPrefix(table), store.getItemDb(table)),
      getIndexDb: (type, table, index) => recording(indexKeyPrefix(type, table, index)),
    };

    const answered: Callback<object> = (error, answer) => {
      if (!finish) {
        refused(error ?? new Error('a write action answered without reading its item'));
        return;
      }
      finish(
        error
          ? { error, before, batch: [] }
          : { answer, before, after: options.readOnly ? before : after, batch },
      );
    };
    action(staging, data, answered);
  });
}

/** Writes a request's recorded writes at once: a reader sees all of them or none. */
export function commit(store: Store, batch: readonly BatchOperation[]): Promise<void> {
  if (batch.length === 0) return Promise.resolve();
  return new Promise((resolve, reject) =>
    store.db.batch([...batch], (error) => (error ? reject(error) : resolve())),
  );
}

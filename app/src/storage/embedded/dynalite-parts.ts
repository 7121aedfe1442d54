// The parts of dynalite the embedded store composes beside dynalite's own server: its store (the
// LevelDB key spaces and per-item locks), its request validation and expression parsers, and its
// item actions. They are internals, not dynalite's API, so package.json pins dynalite to the
// version they were read from (4.0.0), and test/storage/embedded-dynalite-parts.test.ts fails
// when any of them changes.
import type { Server } from 'node:http';
import dynalite from 'dynalite';
import dynaliteDb from 'dynalite/db';
import deleteItem from 'dynalite/actions/deleteItem';
import getItem from 'dynalite/actions/getItem';
import putItem from 'dynalite/actions/putItem';
import updateItem from 'dynalite/actions/updateItem';
import validations from 'dynalite/validations';
import deleteItemValidation from 'dynalite/validations/deleteItem';
import getItemValidation from 'dynalite/validations/getItem';
import putItemValidation from 'dynalite/validations/putItem';
import updateItemValidation from 'dynalite/validations/updateItem';

export type {
  BatchOperation,
  Callback,
  DynaliteError,
  Item,
  Store,
  SubDb,
  TableDescription,
} from 'dynalite/db';
export type { MemberRules, OperationValidation } from 'dynalite/validations';
export { dynaliteDb, validations };

/** dynalite's item actions, each run as dynalite runs it for the operation of that name. */
export const actions = { putItem, updateItem, deleteItem, getItem };

/** dynalite's validation of each of those operations' requests. */
export const operationValidations = {
  putItem: putItemValidation,
  updateItem: updateItemValidation,
  deleteItem: deleteItemValidation,
  getItem: getItemValidation,
};

export type ItemAction = typeof putItem;

/** Where dynalite keeps a table's items in its LevelDB: `item-<table>~<item key>`. */
export const itemKeyPrefix = (table: string) => `item-${table}~`;

/** Where it keeps an index's entries: `index-<global|local>~<table>~<index>~<entry key>`. */
export const indexKeyPrefix = (indexType: string, table: string, index: string) =>
  `index-${indexType.toLowerCase()}~${table}~${index}~`;

/**
 * Starts dynalite's server and hands back the store it built. dynalite keeps its store to itself;
 * it builds it with `dynalite/db`'s `create`, which is looked up when the server is made, so
 * that call is watched for the moment it takes.
 */
export function startDynalite(options: dynalite.DynaliteOptions): {
  server: Server;
  store: dynaliteDb.Store;
} {
  const create = dynaliteDb.create;
  let store: dynaliteDb.Store | undefined;
  dynaliteDb.create = (storeOptions) => (store = create(storeOptions));
  let server: Server;
  try {
    server = dynalite(options);
  } finally {
    dynaliteDb.create = create;
  }
  if (!store) {
    throw new Error(
      'dynalite no longer builds its store through dynalite/db create(); the embedded store ' +
        'was written against dynalite 4.0.0 (see app/src/storage/embedded/dynalite-parts.ts)',
    );
  }
  return { server, store };
}

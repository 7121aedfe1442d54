// dynalite ships no type definitions; this is the part of it the local stack uses: its server,
// and (for app/src/storage/embedded/) the internals the embedded store composes, as dynalite
// 4.0.0 has them.
declare module 'dynalite' {
  import type { Server } from 'node:http';
  namespace dynalite {
    interface DynaliteOptions {
      path?: string;
      createTableMs?: number;
      deleteTableMs?: number;
      updateTableMs?: number;
      maxItemSizeKb?: number;
    }
  }
  function dynalite(options?: dynalite.DynaliteOptions): Server;
  export = dynalite;
}

declare module 'dynalite/db' {
  namespace db {
    /** An attribute value in DynamoDB's JSON form (`{ S: 'x' }`). */
    type AttributeValue = Record<string, unknown>;
    type Item = Record<string, AttributeValue>;

    /** An error dynalite answers with: the status and the body DynamoDB would send. */
    interface DynaliteError extends Error {
      statusCode?: number;
      body?: { __type: string; message?: string };
    }

    type Callback<T = unknown> = (error?: DynaliteError | null, value?: T) => void;

    interface TableDescription {
      TableName: string;
      KeySchema: { AttributeName: string; KeyType: 'HASH' | 'RANGE' }[];
      AttributeDefinitions: { AttributeName: string; AttributeType: string }[];
    }

    /** A key space of the store (a table's items, an index's entries), with per-key locks. */
    interface SubDb {
      lock(key: string, proceed: (release: (done?: Callback) => Callback) => void): void;
      get(key: string, callback: Callback<Item>): void;
      put(key: string, value: Item, callback: Callback): void;
      del(key: string, callback: Callback): void;
    }

    interface BatchOperation {
      type: 'put' | 'del';
      key: string;
      value?: Item;
    }

    interface Store {
      options: { maxItemSize: number };
      db: { batch(operations: BatchOperation[], callback: Callback): void };
      getTable(name: string, callback: Callback<TableDescription>): void;
      getItemDb(table: string): SubDb;
      getIndexDb(indexType: string, table: string, index: string): SubDb;
    }

    let create: (options: object) => Store;
    function createKey(item: Item, table: TableDescription): string;
    function validateKey(key: Item, table: TableDescription): DynaliteError | undefined;
    function validationError(message: string): DynaliteError;
    function itemSize(item: Item): number;
    function capacityUnits(item: Item | undefined, isRead: boolean, isConsistent: boolean): number;
  }
  export = db;
}

declare module 'dynalite/validations' {
  import type { Store } from 'dynalite/db';
  namespace validations {
    /** A request's members as dynalite describes them: type, constraints, children. */
    type MemberRules = Record<string, unknown>;
    /** A check beyond the members' own constraints: a message when the request is refused. */
    type Custom = (data: Record<string, unknown>, store: Store) => string | undefined;
    /** An operation's validation module (`dynalite/validations/putItem`, …). */
    interface OperationValidation {
      types: MemberRules;
      custom: Custom;
    }
    function checkTypes(data: unknown, types: MemberRules): Record<string, unknown>;
    function checkValidations(
      data: Record<string, unknown>,
      types: MemberRules,
      custom: Custom | undefined,
      store: Store,
    ): void;
  }
  export = validations;
}

declare module 'dynalite/validations/*' {
  import type { OperationValidation } from 'dynalite/validations';
  const validation: OperationValidation;
  export = validation;
}

declare module 'dynalite/actions/*' {
  import type { Callback, Store } from 'dynalite/db';
  function action(store: Store, data: Record<string, unknown>, callback: Callback<object>): void;
  export = action;
}

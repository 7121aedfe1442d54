// What a describe block's fixture returns at once, before its before hook has built the thing:
// a stand-in that reads the real one on every use, so a test can name it where it is declared.

/** Stands for what `started` returns, once it returns something; before that, it throws. */
export function standIn<T extends object>(what: string, started: () => T | undefined): T {
  const current = () => {
    const value = started();
    if (!value) throw new Error(`${what} is used before the describe block's before hook ran`);
    return value;
  };
  return new Proxy({} as T, { get: (_, property) => Reflect.get(current(), property) });
}

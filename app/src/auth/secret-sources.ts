// Signing-secret sources: a fixed value (JWT_SECRET, or the local generated one) and AWS
// Secrets Manager (JWT_SECRET_ARN, in secrets-manager.ts, loaded on the first read). A failing
// source is a 503, never a 401.
import type { SecretSource } from './jwt.js';

export function fixedSecret(value: string): SecretSource {
  return { read: () => Promise.resolve(value) };
}

/** A source built on its first read, so its client library loads only when a secret is read. */
export function loadedOnFirstRead(build: () => Promise<SecretSource>): SecretSource {
  let source: Promise<SecretSource> | undefined;
  return {
    async read() {
      source ??= build().catch((error: unknown) => {
        source = undefined;
        throw error;
      });
      return (await source).read();
    },
  };
}

// TransactWriteItems' ClientRequestToken, as DynamoDB documents it: a repeat of a transaction
// that succeeded, with the same token and the same parameters, within 10 minutes of its
// completion, succeeds again and writes nothing; the same token with other parameters is
// IdempotentParameterMismatchException; a repeat while the first is still running is
// TransactionInProgressException (which the SDK retries). A transaction that failed leaves its
// token unused. Tokens live in the store's process, for all its clients, and not across restarts.
import { createHash } from 'node:crypto';
import { dynamoError } from './answers.js';

export const TOKEN_WINDOW_MS = 10 * 60_000;

type TokenState =
  | { readonly fingerprint: string; readonly running: true }
  | {
      readonly fingerprint: string;
      readonly running: false;
      readonly completedAt: number;
      /** What a repeat reports as consumed: reading the items, per table. */
      readonly readUnits: ReadonlyMap<string, number>;
    };

/** A token's use by one request: a repeat of a completed transaction, or the first run. */
export type TokenUse =
  | { readonly repeat: true; readonly readUnits: ReadonlyMap<string, number> }
  | {
      readonly repeat: false;
      /** Records the transaction as completed; a repeat reports `readUnits`. */
      succeeded(readUnits: ReadonlyMap<string, number>): void;
      /** Ends the run; a token whose transaction did not succeed is free again. */
      end(): void;
    };

/** JSON with every object's keys sorted: the same parameters give the same text. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) =>
      a < b ? -1 : a > b ? 1 : 0,
    );
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** A digest of every parameter of the request but the token itself. */
export function parametersDigest(request: Record<string, unknown>): string {
  const parameters = Object.fromEntries(
    Object.entries(request).filter(([name]) => name !== 'ClientRequestToken'),
  );
  return createHash('sha256').update(canonical(parameters)).digest('hex');
}

export class RequestTokens {
  /** In order of first use, so the expired ones are at the front. */
  readonly #tokens = new Map<string, TokenState>();

  constructor(private readonly now: () => number) {}

  use(token: string, fingerprint: string): TokenUse {
    this.#forgetExpired();
    const known = this.#tokens.get(token);
    if (known && known.fingerprint !== fingerprint) {
      throw dynamoError('IdempotentParameterMismatchException', {
        Message:
          'DynamoDB rejected the request because you retried a request with a different ' +
          'payload but with an idempotent token that was already used.',
      });
    }
    if (known?.running) {
      throw dynamoError('TransactionInProgressException', {
        Message: 'The transaction with the given request token is already in progress.',
      });
    }
    if (known) return { repeat: true, readUnits: known.readUnits };
    this.#tokens.set(token, { fingerprint, running: true });
    let succeeded = false;
    return {
      repeat: false,
      succeeded: (readUnits) => {
        succeeded = true;
        this.#tokens.delete(token);
        this.#tokens.set(token, {
          fingerprint,
          running: false,
          completedAt: this.now(),
          readUnits,
        });
      },
      end: () => {
        if (!succeeded) this.#tokens.delete(token);
      },
    };
  }

  #forgetExpired(): void {
    const oldest = this.now() - TOKEN_WINDOW_MS;
    for (const [token, state] of this.#tokens) {
      if (state.running) continue;
      if (state.completedAt > oldest) break;
      this.#tokens.delete(token);
    }
  }
}

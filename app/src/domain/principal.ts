// Who is asking: the caller a verified token names. Every use case acts for one principal.

export interface Principal {
  readonly userId: string;
  readonly tenantId: string;
  readonly email?: string;
  readonly roles: readonly string[];
  readonly scopes: readonly string[];
}

const MAX_ID_CHARACTERS = 256;

/**
 * Whether a user or tenant id is one the contract allows: 1 to 256 characters of well-formed
 * Unicode without control characters. It becomes a storage key, a limiter key and a log field.
 */
export function isIdentifier(value: string): boolean {
  return (
    value.length > 0 && [...value].length <= MAX_ID_CHARACTERS && !/[\p{Cc}\p{Cs}]/u.test(value)
  );
}

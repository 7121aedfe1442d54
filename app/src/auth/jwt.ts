// Bearer-token verification: HS256 only, claims per the contract, and a secret that is cached
// and re-read after a signature failure (at most once a minute) so rotation needs no redeploy.
import { errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import { isIdentifier, type Principal } from '../domain/kernel.js';
import { AuthError } from '../errors.js';

/** Where the signing secret comes from: an environment value or Secrets Manager. */
export interface SecretSource {
  read(): Promise<string>;
}

export interface TokenVerifierOptions {
  readonly source: SecretSource;
  readonly issuer?: string;
  readonly audience?: string;
  /** How long a read secret is trusted before it is read again. */
  readonly cacheMs?: number;
  /** The least time between two forced re-reads after signature failures. */
  readonly refreshAfterFailureMs?: number;
  readonly now?: () => number;
}

const CLOCK_TOLERANCE_SECONDS = 30;

/** Accepts the secret as a raw string or as JSON `{"secret": "..."}`. */
export function secretFromValue(value: string): string {
  const trimmed = value.trim();
  if (trimmed.startsWith('{')) {
    try {
      const parsed = JSON.parse(trimmed) as { secret?: unknown };
      if (typeof parsed.secret === 'string' && parsed.secret.length > 0) return parsed.secret;
    } catch {
      // Not JSON after all: a raw secret that happens to start with a brace.
    }
  }
  return value;
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/**
 * A user or tenant id as the contract allows it, or undefined when the claim is absent or empty.
 * It becomes a storage key, a limiter key and a log field: a number, a boolean, an object, more
 * than 256 characters, a lone surrogate or a control character is an invalid token, not stored.
 */
function identifier(value: unknown): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string' || !isIdentifier(value)) {
    throw new AuthError('invalid_token', 'Token names its user or tenant with an unusable value');
  }
  return value;
}

function principalFrom(payload: JWTPayload): Principal {
  const userId = identifier(payload.user_id) ?? identifier(payload.sub);
  const tenantId = identifier(payload.tenant_id);
  if (!userId || !tenantId) {
    throw new AuthError('missing_claims', 'Token is missing the user_id or tenant_id claim');
  }
  const scopes =
    typeof payload.scope === 'string'
      ? payload.scope.split(' ').filter(Boolean)
      : stringList(payload.scopes);
  return {
    userId,
    tenantId,
    email: typeof payload.email === 'string' ? payload.email : undefined,
    roles: stringList(payload.roles),
    scopes,
  };
}

export class TokenVerifier {
  private secret?: { key: Uint8Array; readAt: number };
  private lastForcedRefresh = Number.NEGATIVE_INFINITY;
  private readonly cacheMs: number;
  private readonly refreshAfterFailureMs: number;
  private readonly now: () => number;

  constructor(private readonly options: TokenVerifierOptions) {
    this.cacheMs = options.cacheMs ?? 5 * 60_000;
    this.refreshAfterFailureMs = options.refreshAfterFailureMs ?? 60_000;
    this.now = options.now ?? Date.now;
  }

  /** Verifies an `Authorization` header value; throws AuthError with the contract's codes. */
  async verify(authorization: string | undefined): Promise<Principal> {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    if (!authorization?.trim())
      throw new AuthError('missing_token', 'Authorization header is required');
    if (!match?.[1]) throw new AuthError('invalid_token', 'Authorization must be "Bearer <token>"');
    const token = match[1];

    try {
      return principalFrom(await this.verifyWith(await this.key(false), token));
    } catch (error) {
      if (!(error instanceof joseErrors.JWSSignatureVerificationFailed))
        throw this.translate(error);
      // The secret may have been rotated: read it again, at most once a minute.
      if (this.now() - this.lastForcedRefresh < this.refreshAfterFailureMs)
        throw this.translate(error);
      this.lastForcedRefresh = this.now();
      try {
        return principalFrom(await this.verifyWith(await this.key(true), token));
      } catch (retryError) {
        throw this.translate(retryError);
      }
    }
  }

  private async verifyWith(key: Uint8Array, token: string): Promise<JWTPayload> {
    const { payload } = await jwtVerify(token, key, {
      algorithms: ['HS256'],
      issuer: this.options.issuer,
      audience: this.options.audience,
      requiredClaims: ['exp'],
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
    });
    return payload;
  }

  private async key(force: boolean): Promise<Uint8Array> {
    if (!force && this.secret && this.now() - this.secret.readAt < this.cacheMs)
      return this.secret.key;
    const value = secretFromValue(await this.options.source.read());
    this.secret = { key: new TextEncoder().encode(value), readAt: this.now() };
    return this.secret.key;
  }

  private translate(error: unknown): unknown {
    if (error instanceof AuthError) return error;
    if (error instanceof joseErrors.JWTExpired)
      return new AuthError('token_expired', 'Token has expired');
    if (error instanceof joseErrors.JOSEError)
      return new AuthError('invalid_token', 'Token is invalid');
    return error; // The secret source failed: not the caller's fault (the edge maps it to 503).
  }
}

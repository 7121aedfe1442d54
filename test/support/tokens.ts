// Bearer tokens as the tokens' issuer signs them: HS256 with the stage's JWT secret, an hour long.
import { SignJWT } from 'jose';

export const signedToken = (secret: string, claims: Record<string, unknown>): Promise<string> =>
  new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(new TextEncoder().encode(secret));

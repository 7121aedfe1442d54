// `npm run token -- --user u1 --tenant t1`: prints a bearer token the local server accepts
// (signed with JWT_SECRET, or the generated secret kept under the data folder).
import { parseArgs } from 'node:util';
import { SignJWT } from 'jose';
import { loadConfig } from '../app/src/config.js';
import { secretFromValue } from '../app/src/auth/jwt.js';
import { localJwtSecret } from '../app/src/auth/local-secret.js';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      user: { type: 'string', default: 'user_local' },
      tenant: { type: 'string', default: 'tenant_local' },
      email: { type: 'string' },
      hours: { type: 'string', default: '12' },
    },
  });
  const config = loadConfig();
  const secret = secretFromValue(localJwtSecret(config.dataDir, config.auth.secret));
  const hours = Number(values.hours);
  if (!Number.isFinite(hours) || hours <= 0) throw new Error('--hours must be a positive number');
  const jwt = new SignJWT({
    user_id: values.user,
    tenant_id: values.tenant,
    ...(values.email ? { email: values.email } : {}),
  })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(values.user)
    .setIssuedAt()
    .setExpirationTime(`${hours}h`);
  if (config.auth.issuer) jwt.setIssuer(config.auth.issuer);
  if (config.auth.audience) jwt.setAudience(config.auth.audience);
  process.stdout.write(`${await jwt.sign(new TextEncoder().encode(secret))}\n`);
}

main().catch((error: Error) => {
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
});

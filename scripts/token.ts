// `npm run token -- --user u1 --tenant t1`: prints a bearer token the local server accepts
// (signed with JWT_SECRET, or the generated secret kept under the data folder), or, on request,
// one it refuses: expired, without a claim, with claims of your choosing, or another secret.
import '../app/src/local/supported-node.js';
import { SignJWT } from 'jose';
import { loadConfig, withDotEnv } from '../app/src/config.js';
import { secretFromValue } from '../app/src/auth/jwt.js';
import { localJwtSecret } from '../app/src/auth/local-secret.js';
import { commandLine, fail } from './cli.js';

const usage = `
Usage: npm run --silent token -- [options]

Prints a bearer token for the local server: signed with JWT_SECRET, or else with the secret
generated under DATA_DIR (the one npm start uses), with iss and aud from JWT_ISSUER and
JWT_AUDIENCE when they are set. Reads .env like the server does.

Options:
  --user <id>        user_id and sub claims (default user_local)
  --tenant <id>      tenant_id claim (default tenant_local)
  --email <address>  email claim
  --hours <n>        lifetime in hours (default 12)
  --exp <time>       expiry instead of --hours: seconds since 1970 (1767225600), or relative
                     to now (90s, +2h, 1d; in the past with an equals sign: --exp=-10m)
  --expired          expired an hour ago, past the 30 s clock tolerance (401 token_expired)
  --iss <issuer>     iss claim (default JWT_ISSUER)
  --aud <audience>   aud claim (default JWT_AUDIENCE)
  --claim <k=v>      set any claim, repeatable, applied after the ones above; v is read as
                     JSON when it parses (5, true, ["admin"], {"a":1}), else as a string
  --omit <claim>     leave a claim out, repeatable (tenant_id: 401 missing_claims; exp: 401
                     invalid_token)
  --secret <text>    sign with this secret instead (401 invalid_token)
  -h, --help         print this help and exit

Examples:
  TOKEN=$(npm run --silent token -- --user u1 --tenant t1)
  npm run --silent token -- --expired
  npm run --silent token -- --claim 'roles=["admin"]' --claim scope="read write"
`;

/** `--exp`: an absolute time in seconds, or an offset from now such as -10m or +2h. */
function expiryOf(text: string, now: number): number {
  if (/^\d+$/.test(text)) return Number(text);
  const match = /^([+-]?)(\d+)([smhd])$/.exec(text);
  if (!match)
    fail(`--exp must be seconds since 1970 or an offset such as -10m or +2h, not "${text}"`);
  const seconds = { s: 1, m: 60, h: 3600, d: 86_400 }[match[3] as 's' | 'm' | 'h' | 'd'];
  return now + (match[1] === '-' ? -1 : 1) * Number(match[2]) * seconds;
}

function claimOf(text: string): [string, unknown] {
  const at = text.indexOf('=');
  if (at < 1) fail(`--claim takes name=value, not "${text}"`);
  const raw = text.slice(at + 1);
  try {
    return [text.slice(0, at), JSON.parse(raw) as unknown];
  } catch {
    return [text.slice(0, at), raw];
  }
}

async function main(): Promise<void> {
  const options = commandLine(usage, {
    user: { type: 'string', default: 'user_local' },
    tenant: { type: 'string', default: 'tenant_local' },
    email: { type: 'string' },
    hours: { type: 'string' },
    exp: { type: 'string' },
    expired: { type: 'boolean', default: false },
    iss: { type: 'string' },
    aud: { type: 'string' },
    claim: { type: 'string', multiple: true, default: [] },
    omit: { type: 'string', multiple: true, default: [] },
    secret: { type: 'string' },
  });
  const lifetimes = [options.hours, options.exp, options.expired || undefined].filter(Boolean);
  if (lifetimes.length > 1) fail('choose one of --hours, --exp and --expired');
  const hours = Number(options.hours ?? 12);
  if (!Number.isFinite(hours) || hours <= 0) fail('--hours must be a positive number');

  const config = loadConfig(withDotEnv());
  const now = Math.floor(Date.now() / 1000);
  let exp = now + Math.round(hours * 3600);
  if (options.exp !== undefined) exp = expiryOf(options.exp, now);
  if (options.expired) exp = now - 3600;
  const issuer = options.iss ?? config.auth.issuer;
  const audience = options.aud ?? config.auth.audience;
  const claims: Record<string, unknown> = {
    user_id: options.user,
    tenant_id: options.tenant,
    sub: options.user,
    ...(options.email ? { email: options.email } : {}),
    ...(issuer ? { iss: issuer } : {}),
    ...(audience ? { aud: audience } : {}),
    iat: options.expired ? exp - 3600 : now,
    exp,
    ...Object.fromEntries(options.claim.map(claimOf)),
  };
  const payload = Object.fromEntries(
    Object.entries(claims).filter(([name]) => !options.omit.includes(name)),
  );

  const secret =
    options.secret ?? secretFromValue(localJwtSecret(config.dataDir, config.auth.secret));
  const jwt = new SignJWT(payload).setProtectedHeader({ alg: 'HS256', typ: 'JWT' });
  process.stdout.write(`${await jwt.sign(new TextEncoder().encode(secret))}\n`);
}

main().catch((error: Error) => {
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
});

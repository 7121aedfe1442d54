// `npm run smoke`: the post-deploy check of a live stack (or of the local server), one line per
// step, exit 1 naming the step that failed. Its token comes from --token, or is minted with the
// stage's own secret read with the operator's AWS credentials, so nobody copies the secret.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SignJWT } from 'jose';
import { secretFromValue } from '../app/src/auth/jwt.js';
import { commandLine, fail } from './cli.js';
import { runSmoke, stepNames } from './smoke-steps.js';

const usage = `
Usage: npm run smoke -- --url <base URL> --token <bearer token>
       npm run smoke -- --url <base URL> --secret-arn <ARN> [--issuer <iss>] [--audience <aud>]
       npm run smoke -- --stack <dev|staging|prod> [--token <bearer token>]

Checks a running deployment as a client uses it, one line per step:
  ${stepNames.join(', ')}
(GET /api/v1/health is healthy; a conversation starts, answers a message, streams a turn from
the streaming_url GET / names, runs a Prefer: respond-async job to its end, and is deleted,
its job with it). It calls the model three times. Exits 0 when every step passes, 1 naming the
step that failed (the conversation is deleted then too), 2 for a wrong command line.

Options:
  --url <base>        the API's base URL: a stage's apiEndpoint or customDomainUrl, or
                      http://127.0.0.1:8000 for npm start
  --token <jwt>       the bearer token to call with (npm run token makes one for npm start)
  --secret-arn <arn>  mint a 15-minute token signed with this Secrets Manager secret instead,
                      read with your AWS credentials (the stage's jwtSecretArn output)
  --issuer <iss>      the token's iss claim when minting (default purposepath)
  --audience <aud>    the token's aud claim when minting, if the stage requires one
  --stack <name>      read --url (customDomainUrl, else apiEndpoint), --secret-arn, --issuer
                      and --audience from the stack's outputs (pulumi stack output), and mint
                      the token unless --token is given
  --user <id>         user_id and tenant_id of a minted token (default smoke-check)
  --job-timeout <s>   how long the job may take to finish (default 180)
  -h, --help          print this help and exit

Examples:
  npm run smoke -- --url http://127.0.0.1:8000 --token "$(npm run --silent token)"
  npm run smoke -- --stack staging
`;

interface StackOutputs {
  readonly apiEndpoint?: string;
  readonly customDomainUrl?: string;
  readonly jwtSecretArn?: string;
  readonly jwtIssuer?: string;
  readonly jwtAudience?: string;
}

/** The stack's outputs, as the Pulumi CLI prints them for the logged-in backend. */
async function stackOutputs(stack: string): Promise<StackOutputs> {
  try {
    const { stdout } = await promisify(execFile)('pulumi', [
      'stack',
      'output',
      '--json',
      '--stack',
      stack,
    ]);
    return JSON.parse(stdout) as StackOutputs;
  } catch (error) {
    const cause = error as NodeJS.ErrnoException & { stderr?: string };
    if (cause.code === 'ENOENT')
      fail(
        '--stack reads the stack outputs with the Pulumi CLI, which is not on PATH; pass --url and --token or --secret-arn instead',
      );
    return fail(
      `pulumi stack output --stack ${stack} failed: ${(cause.stderr ?? cause.message).trim()}`,
    );
  }
}

/** A short-lived token with the claims the service requires, signed with the stage's secret. */
async function mintToken(
  secretArn: string,
  claims: { user: string; issuer: string; audience?: string },
) {
  const region = secretArn.split(':')[3];
  if (!secretArn.startsWith('arn:aws:secretsmanager:') || !region) {
    fail(`--secret-arn must be a Secrets Manager ARN, not "${secretArn}"`);
  }
  const client = new SecretsManagerClient({ region });
  try {
    const { SecretString } = await client.send(new GetSecretValueCommand({ SecretId: secretArn }));
    if (!SecretString) throw new Error('the secret has no string value');
    const jwt = new SignJWT({ user_id: claims.user, tenant_id: claims.user })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(claims.user)
      .setIssuer(claims.issuer)
      .setIssuedAt()
      .setExpirationTime('15m');
    if (claims.audience) jwt.setAudience(claims.audience);
    return await jwt.sign(new TextEncoder().encode(secretFromValue(SecretString)));
  } catch (error) {
    console.error(`cannot mint a token from ${secretArn}: ${(error as Error).message}`);
    process.exit(1);
  } finally {
    client.destroy();
  }
}

async function main(): Promise<void> {
  const options = commandLine(usage, {
    url: { type: 'string' },
    token: { type: 'string' },
    'secret-arn': { type: 'string' },
    issuer: { type: 'string' },
    audience: { type: 'string' },
    stack: { type: 'string' },
    user: { type: 'string', default: 'smoke-check' },
    'job-timeout': { type: 'string', default: '180' },
  });
  const outputs = options.stack ? await stackOutputs(options.stack) : {};
  const url = options.url ?? outputs.customDomainUrl ?? outputs.apiEndpoint;
  if (!url)
    fail(
      options.stack
        ? `stack ${options.stack} has no apiEndpoint output`
        : 'name the deployment: --url <base URL> or --stack <name>',
    );
  if (!/^https?:\/\//.test(url)) fail(`--url must be an http(s) URL, not "${url}"`);
  const secretArn = options['secret-arn'] ?? outputs.jwtSecretArn;
  if (!options.token && !secretArn)
    fail('give a --token, or a --secret-arn (or --stack) to mint one');
  const jobTimeoutSeconds = Number(options['job-timeout']);
  if (!Number.isFinite(jobTimeoutSeconds) || jobTimeoutSeconds <= 0)
    fail('--job-timeout must be a positive number of seconds');
  const token =
    options.token ??
    (await mintToken(secretArn ?? '', {
      user: options.user,
      issuer: options.issuer ?? outputs.jwtIssuer ?? 'purposepath',
      audience: options.audience ?? (outputs.jwtAudience || undefined),
    }));

  console.log(`smoke check of ${url}`);
  const width = Math.max(...stepNames.map((name) => name.length));
  const result = await runSmoke({ baseUrl: url, token, jobTimeoutSeconds }, (outcome) => {
    const mark = outcome.ok ? 'ok  ' : 'FAIL';
    console.log(`${mark}  ${outcome.step.padEnd(width)}  ${outcome.detail} (${outcome.ms} ms)`);
  });
  if (result.cleanup) console.log(`cleanup: ${result.cleanup}`);
  if (result.failed) {
    console.log(`smoke check failed at step "${result.failed}"`);
    process.exit(1);
  }
  console.log(`smoke check passed: ${stepNames.length} steps`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});

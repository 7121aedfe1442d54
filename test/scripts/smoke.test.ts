// `npm run smoke`, run as its users run it: against the local server as `npm start` runs it,
// against the Lambda handlers behind stand-ins of the stage's two API Gateways, and through
// gateways that break one step at a time: each failure names its step, exits 1, and leaves no
// conversation behind.
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { decodeJwt, SignJWT } from 'jose';
import { loadConfig } from '../../app/src/config.js';
import { createDynamo } from '../../app/src/storage/dynamo.js';
import {
  ensureTables,
  startEmbeddedDynamo,
  type EmbeddedDynamo,
} from '../../app/src/storage/local-dynamo.js';
import { startApiGateway, type ApiGatewayStandIn } from '../support/api-gateway.js';
import { startFaultyGateway, type FaultyGateway } from '../support/faulty-gateway.js';
import { quietEnv, runServer, stopServer, type ServerProcess } from '../support/server-process.js';

const root = path.resolve(__dirname, '..', '..');
const SECRET = 'smoke-test-secret-of-at-least-32-bytes!';
const steps = ['health', 'initiate', 'message', 'streamed turn', 'job', 'delete'];

interface Outcome {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** The step of each `ok` or `FAIL` line, in order. */
  readonly ok: string[];
  readonly failed: string[];
}

/** Runs `npm run smoke -- <args>` as npm does (tsx), with `env` over a quiet environment. */
function smoke(args: string[], env: Record<string, string> = {}): Promise<Outcome> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'scripts/smoke.ts', ...args],
      { cwd: root, env: { ...process.env, ...quietEnv, ...env }, timeout: 90_000 },
      (error, stdout, stderr) => {
        const code = error ? Number((error as { code?: number }).code ?? 1) : 0;
        const marked = (mark: string) =>
          stdout
            .split('\n')
            .filter((line) => line.startsWith(mark))
            .map((line) => steps.find((step) => line.slice(6).startsWith(`${step} `)) ?? line);
        resolve({ code, stdout, stderr, ok: marked('ok  '), failed: marked('FAIL') });
      },
    );
  });
}

const sign = (claims: Record<string, unknown>, secret = SECRET) =>
  new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setExpirationTime('10m')
    .sign(new TextEncoder().encode(secret));

/** The conversations a user has, read directly from the server, past any gateway. */
async function conversationsOf(url: string, token: string): Promise<unknown[]> {
  const response = await fetch(`${url}/api/v1/conversations?active_only=false`, {
    headers: { authorization: `Bearer ${token}` },
  });
  const body = (await response.json()) as { conversations?: unknown[] };
  return body.conversations ?? [];
}

describe('npm run smoke against the local server, as npm start runs it', function () {
  this.timeout(180_000);
  let dataDir: string;
  let server: ServerProcess;
  let url: string;
  let gateway: FaultyGateway;
  let token: string;

  before(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'pp-smoke-'));
    server = runServer({
      DATA_DIR: dataDir,
      PORT: '0',
      JWT_SECRET: SECRET,
      JWT_ISSUER: 'purposepath',
    });
    const started = await server.started;
    if (!('url' in started)) throw new Error(`the server did not start: ${server.stderr()}`);
    url = started.url;
    gateway = await startFaultyGateway(url);
    token = await sign({ user_id: 'smoke-check', tenant_id: 'smoke-check', iss: 'purposepath' });
  });
  afterEach(() => {
    gateway.faults = [];
    gateway.requests.length = 0;
  });
  after(async () => {
    await gateway?.close();
    await stopServer(server);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('when every step works, then it prints one ok line per step, in order, exits 0 and leaves nothing behind', async () => {
    const outcome = await smoke(['--url', url, '--token', token]);
    expect(outcome.code, outcome.stdout + outcome.stderr).to.equal(0);
    expect(outcome.ok).to.deep.equal(steps);
    expect(outcome.stdout).to.contain('smoke check passed: 6 steps');
    expect(outcome.stdout).to.match(/ok {4}streamed turn {2}\d+ deltas/);
    expect(await conversationsOf(url, token)).to.deep.equal([]);
  });

  const failures: {
    story: string;
    step: string;
    says: RegExp;
    fault?: FaultyGateway['faults'][number];
    token?: () => Promise<string>;
  }[] = [
    {
      story: 'health reports a dependency down',
      step: 'health',
      says: /expected 200, got 503 degraded/,
      fault: {
        method: 'GET',
        path: /^\/api\/v1\/health$/,
        answer: { status: 503, body: { status: 'degraded', services: { database: 'unhealthy' } } },
      },
    },
    {
      story: 'the token was signed with another secret',
      step: 'initiate',
      says: /expected 201, got 401 invalid_token/,
      token: () => sign({ user_id: 'x', tenant_id: 'x', iss: 'purposepath' }, `other-${SECRET}`),
    },
    {
      story: 'the gateway fails a buffered turn',
      step: 'message',
      says: /expected 200, got 502 Internal Server Error/,
      fault: {
        method: 'POST',
        path: /\/message$/,
        answer: { status: 502, body: { message: 'Internal Server Error' } },
      },
    },
    {
      story:
        'the streamed turn reaches a gateway that buffers (it drops Accept: text/event-stream)',
      step: 'streamed turn',
      says: /expected 200 text\/event-stream, got 200 application\/json/,
      fault: { method: 'POST', path: /\/message$/, dropHeader: 'accept' },
    },
    {
      story: 'the gateway drops Prefer: respond-async, so no job is made',
      step: 'job',
      says: /expected 202, got 200/,
      fault: { method: 'POST', path: /\/message$/, dropHeader: 'prefer' },
    },
    {
      story: 'a DELETE is answered 204 but never reaches the service',
      step: 'delete',
      says: /conv_\w+ still answers 200 after its DELETE/,
      fault: {
        method: 'DELETE',
        path: /^\/api\/v1\/conversations\/conv_\w+$/,
        answer: { status: 204 },
      },
    },
  ];

  for (const { story, step, says, fault, token: tokenOf } of failures) {
    it(`when ${story}, then it fails at "${step}", names it, and exits 1`, async () => {
      if (fault) gateway.faults = [fault];
      const outcome = await smoke([
        '--url',
        gateway.url,
        '--token',
        tokenOf ? await tokenOf() : token,
      ]);
      expect(outcome.code, outcome.stdout + outcome.stderr).to.equal(1);
      expect(outcome.ok).to.deep.equal(steps.slice(0, steps.indexOf(step)));
      expect(outcome.failed).to.deep.equal([step]);
      expect(outcome.stdout).to.match(says);
      expect(outcome.stdout.trim().split('\n').at(-1)).to.equal(
        `smoke check failed at step "${step}"`,
      );
      if (['message', 'streamed turn', 'job'].includes(step)) {
        expect(outcome.stdout).to.match(/^cleanup: deleted conv_\w+$/m);
        expect(await conversationsOf(url, token)).to.deep.equal([]);
      }
    });
  }

  it('when the URL answers nothing, then it fails at "health" with the network’s reason', async () => {
    const closed = http.createServer();
    closed.listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const port = (closed.address() as AddressInfo).port;
    await new Promise((done) => closed.close(done));
    const outcome = await smoke(['--url', `http://127.0.0.1:${port}`, '--token', token]);
    expect(outcome.code).to.equal(1);
    expect(outcome.failed).to.deep.equal(['health']);
    expect(outcome.stdout).to.contain('ECONNREFUSED');
  });

  it('when no deployment or no token is named, then one line says what is missing and it exits 2', async () => {
    const noUrl = await smoke(['--token', token]);
    expect(noUrl.code).to.equal(2);
    expect(noUrl.stderr.trim()).to.equal(
      'name the deployment: --url <base URL> or --stack <name> (see --help)',
    );
    const noToken = await smoke(['--url', url]);
    expect(noToken.code).to.equal(2);
    expect(noToken.stderr).to.contain('give a --token, or a --secret-arn (or --stack) to mint one');
  });

  describe('with --stack: the outputs from the Pulumi CLI, the token minted from the stage’s secret', () => {
    let bin: string;
    let secretsManager: http.Server;
    const asked: { target: string; secretId: string }[] = [];
    const secretArn =
      'arn:aws:secretsmanager:us-east-1:123456789012:secret:purposepath/jwt-secret/dev-v3-AbCdEf';

    before(async () => {
      // A stand-in Pulumi CLI on PATH: `pulumi stack output --json --stack dev`, nothing else.
      bin = mkdtempSync(path.join(tmpdir(), 'pp-smoke-bin-'));
      // Its stage's endpoint is the gateway, which shows the token the smoke check sends.
      const outputs = JSON.stringify({
        apiEndpoint: gateway.url,
        jwtSecretArn: secretArn,
        jwtIssuer: 'purposepath',
      });
      writeFileSync(
        path.join(bin, 'pulumi'),
        `#!${process.execPath}\nconst a = process.argv.slice(2).join(' ');\nif (a !== 'stack output --json --stack dev') { console.error('no stack ' + a); process.exit(255); }\nprocess.stdout.write(${JSON.stringify(outputs)});\n`,
      );
      chmodSync(path.join(bin, 'pulumi'), 0o755);
      // A stand-in Secrets Manager: GetSecretValue of that one secret, as the real one answers.
      secretsManager = http.createServer((req, res) => {
        let body = '';
        req.on('data', (chunk: Buffer) => (body += chunk.toString()));
        req.on('end', () => {
          const { SecretId } = JSON.parse(body) as { SecretId: string };
          asked.push({ target: String(req.headers['x-amz-target']), secretId: SecretId });
          res.writeHead(SecretId === secretArn ? 200 : 400, {
            'content-type': 'application/x-amz-json-1.1',
          });
          res.end(
            SecretId === secretArn
              ? JSON.stringify({
                  ARN: secretArn,
                  Name: 'purposepath/jwt-secret/dev-v3',
                  SecretString: JSON.stringify({ secret: SECRET }),
                })
              : JSON.stringify({ __type: 'ResourceNotFoundException', message: 'no such secret' }),
          );
        });
      });
      secretsManager.listen(0, '127.0.0.1');
      await once(secretsManager, 'listening');
    });
    after(() => {
      secretsManager?.close();
      rmSync(bin, { recursive: true, force: true });
    });

    const withStandIns = () => ({
      PATH: `${bin}${path.delimiter}${process.env.PATH ?? ''}`,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: `http://127.0.0.1:${(secretsManager.address() as AddressInfo).port}`,
      AWS_ACCESS_KEY_ID: 'operator',
      AWS_SECRET_ACCESS_KEY: 'operator',
    });

    it('when the stack is named, then it reads its outputs, mints an issuer-signed token from the secret, and passes', async () => {
      const outcome = await smoke(['--stack', 'dev'], withStandIns());
      expect(outcome.code, outcome.stdout + outcome.stderr).to.equal(0);
      expect(outcome.ok).to.deep.equal(steps);
      expect(outcome.stdout).to.contain(`smoke check of ${gateway.url}`);
      expect(asked).to.deep.equal([
        { target: 'secretsmanager.GetSecretValue', secretId: secretArn },
      ]);
      // The minted token: the claims the service checks (it required iss above), 15 minutes.
      const tokens = new Set(gateway.requests.flatMap((r) => (r.token ? [r.token] : [])));
      expect(tokens.size).to.equal(1);
      const claims = decodeJwt([...tokens][0]!);
      expect(claims).to.include({
        user_id: 'smoke-check',
        tenant_id: 'smoke-check',
        sub: 'smoke-check',
        iss: 'purposepath',
      });
      expect(claims).to.not.have.property('aud');
      expect(Number(claims.exp) - Number(claims.iat)).to.equal(15 * 60);
    });

    it('when the Pulumi CLI knows no such stack, then its own words are shown and it exits 2', async () => {
      const wrongStack = await smoke(['--stack', 'prod'], withStandIns());
      expect(wrongStack.code).to.equal(2);
      expect(wrongStack.stderr).to.contain('pulumi stack output --stack prod failed: no stack');
    });

    it('when the secret cannot be read, then it says so before any step and exits 1', async () => {
      const outcome = await smoke(
        ['--url', url, '--secret-arn', `${secretArn}-other`],
        withStandIns(),
      );
      expect(outcome.code).to.equal(1);
      expect(outcome.ok).to.deep.equal([]);
      expect(outcome.stderr).to.contain(
        `cannot mint a token from ${secretArn}-other: no such secret`,
      );
    });
  });
});

describe('npm run smoke against the Lambda handlers behind the stage’s two API Gateways (stand-ins)', function () {
  this.timeout(180_000);
  let embedded: EmbeddedDynamo;
  let stage: ApiGatewayStandIn;
  let token: string;

  before(async () => {
    embedded = await startEmbeddedDynamo();
    const env = {
      STAGE: 'dev',
      NAME_SUFFIX: `-smoke${process.pid}`,
      DEFAULT_LLM_PROVIDER: 'offline',
      JWT_SECRET: SECRET,
      JWT_ISSUER: 'purposepath',
      DYNAMODB_ENDPOINT: embedded.endpoint,
      PROMPTS_DIR: path.join(root, 'prompts'),
      LOG_LEVEL: 'ERROR',
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
    };
    const dynamo = createDynamo({
      region: 'us-east-1',
      endpoint: embedded.endpoint,
      localCredentials: true,
    });
    await ensureTables(dynamo.client, loadConfig(env).tables);
    dynamo.client.destroy();
    stage = await startApiGateway(env);
    token = await sign({ user_id: 'smoke-check', tenant_id: 'smoke-check', iss: 'purposepath' });
  });
  after(async () => {
    await stage?.close();
    await embedded?.close();
  });

  it('when every step works, then it passes: the turn streamed through streamingHandler and the job ran from its event', async () => {
    const before = { ...stage.counts };
    const outcome = await smoke(['--url', stage.url, '--token', token]);
    expect(outcome.code, outcome.stdout + outcome.stderr).to.equal(0);
    expect(outcome.ok).to.deep.equal(steps);
    expect(stage.counts.streamed - before.streamed).to.equal(1);
    expect(stage.counts.jobEvents - before.jobEvents).to.equal(1);
  });

  it('when Lambda refuses to take the job’s event, then it fails at "job" with the 503 and deletes its conversation', async () => {
    stage.refuseNextJobHandOff();
    const outcome = await smoke(['--url', stage.url, '--token', token]);
    expect(outcome.code, outcome.stdout + outcome.stderr).to.equal(1);
    expect(outcome.failed).to.deep.equal(['job']);
    expect(outcome.stdout).to.match(/expected 202, got 503 service_unavailable/);
    expect(outcome.stdout).to.match(/^cleanup: deleted conv_\w+$/m);
    expect(await conversationsOf(stage.url, token)).to.deep.equal([]);
  });
});

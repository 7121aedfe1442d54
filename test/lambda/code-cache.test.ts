// The shipped loader (app/dist/lambda.js) and the V8 code cache the image's training run
// writes: trained under the runtime's flags, a cold start takes every cache; under other flags
// (another Node, other heap sizes) V8 refuses them, and a damaged file fails its digest; either
// way each chunk is compiled from source and the function answers as before, and the loader's
// start-up line says which. The chunks share one copy of each module, so an error class thrown
// in a chunk loaded on first use is still the class the error envelope knows.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { ensureFreshBundle, shippedCode, TRAINING_SCRIPT } from '../../scripts/build.js';

const root = process.cwd();
const MEMORY_MB = 1024;
const newSpace = Math.floor(MEMORY_MB / 10);
/** The V8 flags the Lambda runtime starts Node with for MEMORY_MB, as app/Dockerfile trains. */
const runtimeFlags = [
  '--expose-gc',
  `--max-semi-space-size=${Math.floor(newSpace / 2)}`,
  `--max-old-space-size=${MEMORY_MB - newSpace}`,
];

// One cold start: load lambda.js, invoke `handler` once per event, print the status codes.
const COLD_START = `
const { handler } = require(process.env.BUNDLE_PATH);
const events = JSON.parse(process.env.EVENTS);
(async () => {
  const statuses = [];
  for (const [i, event] of events.entries()) {
    const result = await handler(event, { awsRequestId: 'cc-' + i, functionName: 'cc' });
    statuses.push(result.statusCode);
  }
  process.stdout.write(JSON.stringify(statuses) + '\\n', () => process.exit(0));
})();
`;

const event = (rawPath: string, headers: Record<string, string> = {}) => ({
  version: '2.0',
  routeKey: '$default',
  rawPath,
  rawQueryString: '',
  headers,
  requestContext: {
    http: { method: 'GET', path: rawPath, protocol: 'HTTP/1.1', sourceIp: '198.51.100.7' },
    stage: '$default',
    requestId: 'cc',
  },
  isBase64Encoded: false,
});

interface CacheLine {
  mode: string;
  accepted: number;
  rejected: string[];
  corrupt: string[];
  absent: number;
}

describe('the Lambda loader and its V8 code cache', function () {
  this.timeout(180_000);
  let dist: string;
  let chunks: string[];

  before(async () => {
    await ensureFreshBundle(root);
    dist = mkdtempSync(path.join(tmpdir(), 'purposepath-code-cache-'));
    cpSync(path.join(root, 'app', 'dist'), dist, { recursive: true });
    chunks = shippedCode(root)
      .map((f) => f.file)
      .filter((f) => f !== 'lambda.js');
    const trained = spawnSync(
      process.execPath,
      [...runtimeFlags, path.join(dist, path.basename(TRAINING_SCRIPT))],
      { cwd: dist, env: { PATH: process.env.PATH }, encoding: 'utf8' },
    );
    expect(trained.status, trained.stderr).to.equal(0);
  });
  after(() => rmSync(dist, { recursive: true, force: true }));

  function coldStart(
    flags: readonly string[],
    events: unknown[],
    env: Record<string, string> = {},
  ): { statuses: number[]; cache: CacheLine } {
    const run = spawnSync(process.execPath, [...flags, '-e', COLD_START], {
      env: {
        PATH: process.env.PATH,
        BUNDLE_PATH: path.join(dist, 'lambda.js'),
        EVENTS: JSON.stringify(events),
        STAGE: 'dev',
        JWT_SECRET: 'code-cache-test-secret-of-at-least-32-bytes',
        RATE_LIMIT_STORE: 'memory',
        METRICS_ENABLED: 'false',
        LOG_SILENT: 'true',
        AWS_REGION: 'us-east-1',
        ...env,
      },
      encoding: 'utf8',
    });
    expect(run.status, run.stderr).to.equal(0);
    const line = run.stderr
      .split('\n')
      .filter((l) => l.includes('"event":"code_cache"'))
      .map((l) => JSON.parse(l) as CacheLine)[0];
    expect(line, run.stderr).to.not.equal(undefined);
    return { statuses: JSON.parse(run.stdout) as number[], cache: line! };
  }

  const firstRequests = [event('/api/v1/health/live'), event('/api/v1/conversations')];

  it('when the image is trained, then a cache lies beside the entry chunk and the chunks a first request loads', () => {
    const caches = readdirSync(dist).filter((f) => f.endsWith('.cache'));
    expect(caches.length).to.be.at.least(2);
    for (const cache of caches) expect(chunks).to.include(cache.replace(/\.cache$/, ''));
    expect(caches.some((c) => c.startsWith('app-'))).to.equal(true);
  });

  it('when the image is trained, then the admin module’s handlers are chunks of their own that no first request loads', () => {
    const read = (chunk: string) => readFileSync(path.join(dist, chunk), 'utf8');
    // A field only the usage routes' handlers and schemas write.
    const admin = chunks.filter((chunk) => read(chunk).includes('user_remaining_usd'));
    expect(admin).to.have.length.at.least(1);
    const caches = readdirSync(dist).filter((f) => f.endsWith('.cache'));
    for (const chunk of admin) {
      expect(chunk.startsWith('app-'), chunk).to.equal(false);
      expect(caches, chunk).not.to.include(`${chunk}.cache`);
    }
  });

  it('when a cold start runs under the flags it was trained with, then V8 takes every cache', () => {
    const { statuses, cache } = coldStart(runtimeFlags, firstRequests);
    expect(statuses).to.deep.equal([200, 401]);
    expect(cache.mode).to.equal('use');
    expect(cache.accepted).to.be.at.least(2);
    expect(cache.rejected).to.deep.equal([]);
    expect(cache.corrupt).to.deep.equal([]);
  });

  it('when the flags differ, then V8 refuses the caches, the loader says so and compiles from source', () => {
    const { statuses, cache } = coldStart(['--max-old-space-size=300'], firstRequests);
    expect(statuses).to.deep.equal([200, 401]);
    expect(cache.accepted).to.equal(0);
    expect(cache.rejected).to.include(chunks.find((c) => c.startsWith('app-')));
  });

  it('when a cache file is damaged, then its digest fails, it is not given to V8, and the function answers', () => {
    const entry = chunks.find((c) => c.startsWith('app-'))!;
    const file = path.join(dist, `${entry}.cache`);
    const good = readFileSync(file);
    try {
      const damaged = Buffer.from(good);
      damaged[damaged.length >> 1] = damaged[damaged.length >> 1]! ^ 0xff;
      writeFileSync(file, damaged);
      const flipped = coldStart(runtimeFlags, firstRequests);
      expect(flipped.statuses).to.deep.equal([200, 401]);
      expect(flipped.cache.corrupt).to.deep.equal([entry]);
      writeFileSync(file, good.subarray(0, 10));
      const truncated = coldStart(runtimeFlags, firstRequests);
      expect(truncated.statuses).to.deep.equal([200, 401]);
      expect(truncated.cache.corrupt).to.deep.equal([entry]);
    } finally {
      writeFileSync(file, good);
    }
  });

  it('when CODE_CACHE is off, then no cache is read', () => {
    const { statuses, cache } = coldStart(runtimeFlags, firstRequests, { CODE_CACHE: 'off' });
    expect(statuses).to.deep.equal([200, 401]);
    expect(cache).to.include({ mode: 'off', accepted: 0 });
  });

  it('when an error class is thrown from a chunk loaded on first use, then the envelope knows it (503, not 500)', () => {
    // The Secrets Manager client is its own chunk, loaded on the first token check; its failure
    // is a ServiceUnavailableError, which the envelope in the entry chunk must recognise.
    const token = 'eyJhbGciOiJIUzI1NiJ9.eyJ1c2VyX2lkIjoieCJ9.c2lnbmF0dXJl';
    const { statuses } = coldStart(
      runtimeFlags,
      [event('/api/v1/conversations', { authorization: `Bearer ${token}` })],
      {
        JWT_SECRET: '',
        JWT_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:jwt',
        SECRETS_MANAGER_ENDPOINT: 'http://127.0.0.1:9',
        AWS_ACCESS_KEY_ID: 'local',
        AWS_SECRET_ACCESS_KEY: 'local',
      },
    );
    expect(statuses).to.deep.equal([503]);
  });

  it('when the chunks are read, then each error class is defined in exactly one of them', () => {
    // The bundle is minified without keeping names, so each class is found by what only its
    // own definition holds.
    const definedBy = {
      AppError: 'this.name=new.target.name',
      ServiceUnavailableError: '"service_unavailable","A service this request needs',
      AuthError: '"WWW-Authenticate":"Bearer"',
      ValidationError: 'Request validation failed',
    };
    for (const [name, marker] of Object.entries(definedBy)) {
      const defining = chunks.filter((chunk) =>
        readFileSync(path.join(dist, chunk), 'utf8').includes(marker),
      );
      expect(defining, name).to.have.length(1);
    }
  });
});

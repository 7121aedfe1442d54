// `npm run bench`: cold start, throughput and latency, DynamoDB calls per route, bundle size,
// RSS and a streamed turn's time to its first words (on the local server and through the Lambda
// streaming handler), each figure measured beside its baseline
// in the same run. Loopback only; prints a
// table, or one JSON object with --json. `--quick` shortens every phase (for a smoke run).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, freemem, tmpdir, totalmem } from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { build } from 'esbuild';
import { SignJWT } from 'jose';
import { httpApiEvent } from '../support/apigw-events.js';
import { loadConfig } from '../app/src/config.js';
import { createDynamo } from '../app/src/storage/dynamo.js';
import { ensureTables } from '../app/src/storage/local-dynamo.js';
import { commandLine } from '../scripts/cli.js';
import { apiCall } from './support/api-call.js';
import { countDynamoCalls } from './support/dynamo-calls.js';
import { startChild, type Child } from './support/children.js';
import { timeLambdaStreamedTurn } from './support/lambda-streamed-turn.js';
import { timeStreamedTurn, type StreamTimes } from './support/streamed-turn.js';
import { restApiEvent } from '../support/apigw-events.js';
import { StreamingBundle } from '../support/streaming-bundle.js';
import { coachingTurn } from '../test/support/fake-answers.js';
import { fakeBedrockEnv, startFakeBedrock, toolPieces } from '../test/support/fake-bedrock.js';

const usage = `
Usage: npm run bench -- [--quick] [--json]

Measures the API beside a baseline in the same run, on loopback: cold start of the Lambda
bundle (built first with npm run build's settings), throughput and latency of two routes,
DynamoDB calls per route, bundle size, memory, and a streamed turn's time to its first delta
against its time to the full reply (a fake Bedrock that writes its answer in paced pieces), on
the local server and through the bundle's Lambda streaming handler. Prints tables on stdout and progress on
stderr; a full run takes a minute or two.

Options:
  --quick     shorter phases (3 cold starts, 2 s throughput runs): a smoke run, not figures
  --json      print one JSON object instead of the tables (no progress lines)
  -h, --help  print this help and exit
`;
const options = commandLine(usage, {
  quick: { type: 'boolean', default: false },
  json: { type: 'boolean', default: false },
});
const asJson = options.json;
const quick = options.quick;
const COLD_RUNS = quick ? 3 : 17;
const STREAM_RUNS = quick ? 3 : 9;
/** The paced model: its answer in this many pieces, this far apart (about 2 s in all). */
const STREAM_PACE = { pieces: 10, gapMs: 200 };
const THROUGHPUT = { connections: 10, seconds: quick ? 2 : 6, warmupSeconds: 1, rounds: 2 };
const SECRET = 'bench-secret-of-at-least-thirty-two-bytes!';
const USER = 'bench-user';
const TENANT = 'bench-tenant';
const APP_BUNDLE = path.resolve('app/dist/lambda.js');

const log = (line: string) => {
  if (!asJson) process.stderr.write(`${line}\n`);
};

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;

function token(): Promise<string> {
  return new SignJWT({ user_id: USER, tenant_id: TENANT })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuedAt()
    .setExpirationTime('2h')
    .sign(new TextEncoder().encode(SECRET));
}

/** Starts `node invoke.cjs <bundle>` and times spawn → the handler's response on stdout. */
function coldStart(bundle: string, env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, [path.join(__dirname, 'support/invoke.cjs'), bundle], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.once('data', (chunk: Buffer) => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const status = chunk.toString().trim();
      if (status !== '200') reject(new Error(`${bundle} answered ${status}`));
      else resolve(ms);
    });
    child.once('exit', (code) => {
      if (code !== 0) reject(new Error(`${bundle} exited ${code}: ${stderr.slice(0, 500)}`));
    });
  });
}

async function throughput(url: string, route: string, headers: Record<string, string>) {
  await autocannon({ url: `${url}${route}`, headers, connections: 4, duration: 1 });
  const result = await autocannon({
    url: `${url}${route}`,
    headers,
    connections: THROUGHPUT.connections,
    duration: THROUGHPUT.seconds,
  });
  if (result.non2xx > 0 || result.errors > 0) {
    throw new Error(`${url}${route}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  }
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99 };
}

interface ThroughputRow {
  route: string;
  app_rps: number;
  baseline_rps: number;
  ratio: number;
  p50_ms: number;
  p99_ms: number;
  baseline_p50_ms: number;
  baseline_p99_ms: number;
}

async function main(): Promise<void> {
  const started = Date.now();
  const dataDir = await mkdtemp(path.join(tmpdir(), 'purposepath-bench-'));
  const children: Child[] = [];
  try {
    log('starting the embedded DynamoDB');
    const store = await startChild('store-server.ts', {});
    children.push(store);
    const env: NodeJS.ProcessEnv = {
      STAGE: 'bench',
      JWT_SECRET: SECRET,
      DYNAMODB_ENDPOINT: store.url,
      LOG_LEVEL: 'ERROR',
      LOG_SILENT: 'true',
      DEFAULT_LLM_PROVIDER: 'offline',
      METRICS_ENABLED: 'false',
      HOST: '127.0.0.1',
      PORT: '0',
      DATA_DIR: dataDir,
      RATE_LIMIT_DEFAULT: '10000000/1',
      RATE_LIMIT_ANONYMOUS: '10000000/1',
      RATE_LIMIT_INITIATE: '10000000/1',
      RATE_LIMIT_ANALYSIS: '10000000/1',
      AWS_REGION: 'us-east-1',
      NODE_NO_WARNINGS: '1',
    };
    const config = loadConfig(env);
    const admin = createDynamo({
      region: 'us-east-1',
      endpoint: store.url,
      localCredentials: true,
    });
    await ensureTables(admin.client, config.tables);
    admin.client.destroy();
    const tablesEnv = {
      BENCH_CONVERSATIONS_TABLE: config.tables.conversations,
      BENCH_MESSAGES_TABLE: config.tables.messages,
      BENCH_SESSIONS_TABLE: config.tables.coachingSessions,
    };

    log('counting DynamoDB calls per route');
    const dynamodbCalls = await countDynamoCalls(env, SECRET);

    log('starting the API and the bare Koa baseline');
    const app = await startChild('app-server.ts', env);
    children.push(app);
    const bearer = await token();
    const seeded = await apiCall(app.url, 'POST', '/api/v1/conversations/initiate', bearer, {
      topic: 'core_values',
    });
    const conversationId = String(seeded.conversation_id);
    for (let i = 0; i < 4; i++) {
      await apiCall(app.url, 'POST', `/api/v1/conversations/${conversationId}/message`, bearer, {
        user_message: `I value honesty, craft and generosity (${i}).`,
      });
    }
    const bare = await startChild('bare-server.ts', {
      ...env,
      ...tablesEnv,
      BENCH_READ_SESSION: (dynamodbCalls.get ?? 0) > 2 ? 'true' : 'false',
    });
    children.push(bare);

    const auth = { Authorization: `Bearer ${bearer}` };
    const targets = [
      { route: '/api/v1/health/live', headers: {} },
      { route: `/api/v1/conversations/${conversationId}`, headers: auth },
    ];
    // RSS at start is taken once both routes have been warmed up (code loaded, JIT and pools
    // settled); the figure before any traffic is reported beside it.
    const rssCold = await app.rss();
    for (const target of targets) {
      await autocannon({ url: `${app.url}${target.route}`, headers: target.headers, duration: 2 });
    }
    const rssStart = await app.rss();
    const rows: ThroughputRow[] = [];
    for (const target of targets) {
      const appRuns = [];
      const bareRuns = [];
      for (let r = 0; r < THROUGHPUT.rounds; r++) {
        log(`throughput ${target.route.replace(conversationId, '{id}')}: round ${r + 1}`);
        appRuns.push(await throughput(app.url, target.route, target.headers));
        bareRuns.push(await throughput(bare.url, target.route, target.headers));
      }
      const mean = (runs: { rps: number }[]) => runs.reduce((s, x) => s + x.rps, 0) / runs.length;
      const appRps = mean(appRuns);
      const bareRps = mean(bareRuns);
      rows.push({
        route: `GET ${target.route.replace(conversationId, '{id}')}`,
        app_rps: Math.round(appRps),
        baseline_rps: Math.round(bareRps),
        ratio: round(appRps / bareRps),
        p50_ms: median(appRuns.map((x) => x.p50)),
        p99_ms: median(appRuns.map((x) => x.p99)),
        baseline_p50_ms: median(bareRuns.map((x) => x.p50)),
        baseline_p99_ms: median(bareRuns.map((x) => x.p99)),
      });
    }
    const rssEnd = await app.rss();
    await bare.stop();

    log('timing streamed turns against a paced model');
    const streaming = await streamedTurns(env, bearer);

    log('building the Lambda bundles');
    // The build's own output goes to stderr, so --json keeps stdout to the one object.
    const built = spawnSync('npm', ['run', '--silent', 'build'], { stdio: ['ignore', 2, 2] });
    if (built.status !== 0 || !existsSync(APP_BUNDLE)) throw new Error('npm run build failed');
    const baselineBundle = path.join(tmpdir(), 'purposepath-bench', 'baseline-lambda.js');
    await build({
      entryPoints: [path.join(__dirname, 'baseline/lambda.ts')],
      outfile: baselineBundle,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node22',
      minify: true,
      keepNames: true,
      legalComments: 'none',
      logLevel: 'warning',
    });

    const event = JSON.stringify(
      httpApiEvent({
        method: 'GET',
        rawPath: `/api/v1/conversations/${conversationId}`,
        headers: { authorization: `Bearer ${bearer}` },
      }),
    );
    const coldEnv = { ...process.env, ...env, ...tablesEnv, BENCH_EVENT: event };
    const appCold: number[] = [];
    const baseCold: number[] = [];
    for (let i = 0; i < COLD_RUNS; i++) {
      log(`cold start ${i + 1}/${COLD_RUNS}`);
      appCold.push(await coldStart(APP_BUNDLE, coldEnv));
      baseCold.push(await coldStart(baselineBundle, coldEnv));
    }
    const appMs = median(appCold);
    const baseMs = median(baseCold);

    log('timing streamed turns through the Lambda streaming handler');
    const lambdaStreaming = await lambdaStreamedTurns(env, bearer);

    const result = {
      cold_start: {
        app_ms: round(appMs, 1),
        baseline_ms: round(baseMs, 1),
        ratio: round(appMs / baseMs),
      },
      throughput: rows,
      streaming,
      lambda_streaming: lambdaStreaming,
      dynamodb_calls: dynamodbCalls,
      bundle_bytes: statSync(APP_BUNDLE).size,
      baseline_bundle_bytes: statSync(baselineBundle).size,
      rss_mb: {
        start: round(rssStart / 2 ** 20, 1),
        end: round(rssEnd / 2 ** 20, 1),
        before_warmup: round(rssCold / 2 ** 20, 1),
      },
      machine: {
        cpus: cpus().length,
        cpu_model: cpus()[0]?.model ?? 'unknown',
        memory_gb: round(totalmem() / 2 ** 30, 1),
        free_memory_gb: round(freemem() / 2 ** 30, 1),
        node: process.version,
      },
      settings: {
        cold_start_runs: COLD_RUNS,
        connections: THROUGHPUT.connections,
        seconds: THROUGHPUT.seconds,
        rounds: THROUGHPUT.rounds,
      },
      duration_s: round((Date.now() - started) / 1000, 1),
    };
    if (asJson) process.stdout.write(`${JSON.stringify(result)}\n`);
    else process.stdout.write(table(result));
  } finally {
    for (const child of children.reverse()) await child.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

/**
 * Streamed turns on the local server through a fake Bedrock that writes each answer in paced
 * pieces: the time to the first delta over the time to the full reply, both of the same turn.
 */
async function streamedTurns(env: NodeJS.ProcessEnv, bearer: string) {
  const fake = await pacedBedrock();
  const runs: StreamTimes[] = [];
  try {
    const server = await startChild('app-server.ts', { ...env, ...fakeBedrockEnv(fake) });
    try {
      const seeded = await apiCall(server.url, 'POST', '/api/v1/conversations/initiate', bearer, {
        topic: 'core_values',
      });
      const id = String(seeded.conversation_id);
      for (let i = 0; i < STREAM_RUNS; i++) {
        runs.push(await timeStreamedTurn(server.url, bearer, id, `What I value, take ${i + 1}.`));
      }
    } finally {
      await server.stop();
    }
  } finally {
    await fake.close();
  }
  return streamFigures(runs);
}

/** The paced fake Bedrock of both streaming measurements: the same answer, the same pace. */
async function pacedBedrock() {
  const fake = await startFakeBedrock();
  const answer = coachingTurn({
    ai_response:
      'Honesty runs through every story you told: the hard conversation with your manager, ' +
      'the customer you refused to mislead, the feedback you asked for when it stung.',
  });
  fake.otherwise(() => ({
    stream: toolPieces(answer, STREAM_PACE.pieces).flatMap((piece) => [
      { delayMs: STREAM_PACE.gapMs },
      piece,
    ]),
  }));
  return fake;
}

function streamFigures(runs: StreamTimes[]) {
  const firstDelta = median(runs.map((r) => r.firstDeltaMs));
  const fullReply = median(runs.map((r) => r.fullReplyMs));
  return {
    runs: runs.length,
    pieces: STREAM_PACE.pieces,
    gap_ms: STREAM_PACE.gapMs,
    first_delta_ms: round(firstDelta, 1),
    full_reply_ms: round(fullReply, 1),
    ratio: round(firstDelta / fullReply),
  };
}

/**
 * The same streamed turns through the built bundle's streamingHandler, driven with the REST
 * API's events and a stand-in for the runtime's awslambda global: the time to the first delta
 * on the Lambda response stream over the time to its end.
 */
async function lambdaStreamedTurns(env: NodeJS.ProcessEnv, bearer: string) {
  const fake = await pacedBedrock();
  const runs: StreamTimes[] = [];
  try {
    const defined = Object.fromEntries(
      Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined),
    );
    const bundle = await StreamingBundle.start(APP_BUNDLE, {
      ...defined,
      ...fakeBedrockEnv(fake),
      // The image keeps prompts/ beside the bundle; here they are the repository's.
      PROMPTS_DIR: path.resolve('prompts'),
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
    });
    try {
      const seeded = await bundle.invoke(
        restApiEvent({
          method: 'POST',
          path: '/api/v1/conversations/initiate',
          headers: { Authorization: `Bearer ${bearer}`, 'Content-Type': 'application/json' },
          body: JSON.stringify({ topic: 'core_values' }),
        }),
      );
      const id = String(
        (JSON.parse(seeded.body.toString('utf8')) as { conversation_id: string }).conversation_id,
      );
      for (let i = 0; i < STREAM_RUNS; i++) {
        runs.push(await timeLambdaStreamedTurn(bundle, bearer, id, `What I value, take ${i + 1}.`));
      }
    } finally {
      bundle.stop();
    }
  } finally {
    await fake.close();
  }
  return streamFigures(runs);
}

function table(r: {
  cold_start: { app_ms: number; baseline_ms: number; ratio: number };
  throughput: ThroughputRow[];
  streaming: {
    runs: number;
    pieces: number;
    gap_ms: number;
    first_delta_ms: number;
    full_reply_ms: number;
    ratio: number;
  };
  lambda_streaming: {
    runs: number;
    first_delta_ms: number;
    full_reply_ms: number;
    ratio: number;
  };
  dynamodb_calls: Record<string, number>;
  bundle_bytes: number;
  baseline_bundle_bytes: number;
  rss_mb: { start: number; end: number; before_warmup: number };
  machine: { cpus: number; cpu_model: string; memory_gb: number; node: string };
  settings: { cold_start_runs: number; connections: number; seconds: number; rounds: number };
  duration_s: number;
}): string {
  const check = (ok: boolean) => (ok ? 'met' : 'NOT met');
  const growth = (r.rss_mb.end - r.rss_mb.start) / r.rss_mb.start;
  const lines = [
    `Machine: ${r.machine.cpus} × ${r.machine.cpu_model}, ${r.machine.memory_gb} GB, Node ${r.machine.node}`,
    '',
    '| measure | app | baseline | ratio | target |',
    '|---|---|---|---|---|',
    `| cold start, median of ${r.settings.cold_start_runs} (ms) | ${r.cold_start.app_ms} | ${r.cold_start.baseline_ms} | ${r.cold_start.ratio} | ≤ 1.25: ${check(r.cold_start.ratio <= 1.25)} |`,
    ...r.throughput.map((t) => {
      const target = t.route.includes('health') ? 0.6 : 0.8;
      return `| ${t.route} (req/s; p50 / p99 ms) | ${t.app_rps} (${t.p50_ms} / ${t.p99_ms}) | ${t.baseline_rps} (${t.baseline_p50_ms} / ${t.baseline_p99_ms}) | ${t.ratio} | ≥ ${target}: ${check(t.ratio >= target)} |`;
    }),
    `| streamed turn, paced model (${r.streaming.pieces} pieces ${r.streaming.gap_ms} ms apart), median of ${r.streaming.runs}: first delta vs full reply (ms) | ${r.streaming.first_delta_ms} | ${r.streaming.full_reply_ms} | ${r.streaming.ratio} | ≤ 0.25: ${check(r.streaming.ratio <= 0.25)} |`,
    `| the same turn through the Lambda streaming handler (REST API events, runtime stand-in), median of ${r.lambda_streaming.runs}: first delta vs full reply (ms) | ${r.lambda_streaming.first_delta_ms} | ${r.lambda_streaming.full_reply_ms} | ${r.lambda_streaming.ratio} | ≤ 0.25: ${check(r.lambda_streaming.ratio <= 0.25)} |`,
    `| bundle size (bytes) | ${r.bundle_bytes} | ${r.baseline_bundle_bytes} | ${round(r.bundle_bytes / r.baseline_bundle_bytes)} | < 2 MB: ${check(r.bundle_bytes < 2 * 2 ** 20)} |`,
    `| RSS of the API, warmed-up start → end of throughput runs (MB; ${r.rss_mb.before_warmup} before any traffic) | ${r.rss_mb.start} → ${r.rss_mb.end} | | ${round(1 + growth)} | growth < 10%: ${check(growth < 0.1)} |`,
    '',
    '| route | DynamoDB calls | target |',
    '|---|---|---|',
    ...Object.entries(r.dynamodb_calls).map(([route, n]) => {
      const limit = { get: 2, get_long: 2, list: 2, message: 4 }[route];
      return `| ${route} | ${n} | ${limit === undefined ? '' : `≤ ${limit}: ${check(n <= limit)}`} |`;
    }),
    '',
    `Throughput: autocannon, ${r.settings.connections} connections, ${r.settings.seconds} s a run, ${r.settings.rounds} alternating rounds (mean). Whole run ${r.duration_s} s.`,
    '',
  ];
  return lines.join('\n');
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});

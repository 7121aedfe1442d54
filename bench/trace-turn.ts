// `npm run trace`: which files of app/src run code during one coaching turn, in each of its
// three deliveries — buffered, streamed (`Accept: text/event-stream`) and a job
// (`Prefer: respond-async`: the 202, the worker, the poll that reads the result). The count a
// new engineer would make by following a turn from the route to the store and back, taken by
// V8's precise coverage instead of by hand.
//
// The API is `npm start`'s server, in this process; the model is a fake Bedrock reached through
// the real SDK (the deployed path, not the offline coach); the store is the embedded DynamoDB in
// a child process, so its code is not counted (in a stage it is DynamoDB). Each delivery is sent
// once to warm up (lazy modules load, templates are read), then the counters are reset and the
// same request is sent to a fresh conversation: a file counts when a function of it ran.
import { Session } from 'node:inspector/promises';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startLocalServer } from '../app/src/server.js';
import { commandLine } from '../scripts/cli.js';
import { coachingTurn } from '../test/support/fake-answers.js';
import { fakeBedrockEnv, startFakeBedrock, toolPieces } from '../test/support/fake-bedrock.js';
import { apiCall } from './support/api-call.js';
import { startChild } from './support/children.js';
import { signedToken } from '../test/support/tokens.js';

const usage = `
Usage: npm run trace -- [--json] [--files]

Counts the files of app/src that run code during one coaching turn, buffered, streamed and as a
job, after a warm-up (V8 precise coverage; the embedded store runs in a child process and is
not counted). Prints one line per delivery, or one JSON object with --json.

Options:
  --files     also list each delivery's files
  --json      print { delivery: { status, count, files } }
  -h, --help  print this help and exit
`;
const options = commandLine(usage, {
  json: { type: 'boolean', default: false },
  files: { type: 'boolean', default: false },
});

const SECRET = 'trace-secret-of-at-least-thirty-two-bytes';
const SOURCE = `${path.sep}app${path.sep}src${path.sep}`;

interface ScriptCoverage {
  readonly url: string;
  readonly functions: readonly { readonly ranges: readonly { readonly count: number }[] }[];
}

/** The app/src files with a function run since the last call (taking coverage resets it). */
async function filesRun(session: Session): Promise<string[]> {
  const { result } = (await session.post('Profiler.takePreciseCoverage')) as unknown as {
    result: ScriptCoverage[];
  };
  return result
    .map((script) => ({
      script,
      file: script.url.startsWith('file:') ? new URL(script.url) : null,
    }))
    .filter(({ file }) => file !== null && decodeURIComponent(file.pathname).includes(SOURCE))
    .filter(({ script }) => script.functions.some((f) => f.ranges.some((r) => r.count > 0)))
    .map(({ file }) => decodeURIComponent(file?.pathname ?? '').split(SOURCE)[1] ?? '')
    .sort();
}

async function main() {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'trace-'));
  const store = await startChild('store-server.ts', {});
  const fake = await startFakeBedrock();
  const answer = coachingTurn();
  fake.otherwise(() => ({ stream: toolPieces(answer) }));
  const server = await startLocalServer({
    ...process.env,
    ...fakeBedrockEnv(fake),
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    DYNAMODB_ENDPOINT: store.url,
    DATA_DIR: dataDir,
    PORT: '0',
    LOG_LEVEL: 'error',
    JWT_SECRET: SECRET,
    RATE_LIMIT_PER_MINUTE: '100000',
  });
  const session = new Session();
  session.connect();
  try {
    const bearer = await signedToken(SECRET, { user_id: 'trace-user', tenant_id: 'trace-tenant' });
    const initiate = async () =>
      String(
        (
          await apiCall(server.url, 'POST', '/api/v1/conversations/initiate', bearer, {
            topic: 'core_values',
          })
        ).conversation_id,
      );
    /** One turn in `headers`' delivery, to its end (a job: until its poll reads it ended). */
    const turn = async (id: string, headers: Record<string, string>) => {
      const response = await fetch(`${server.url}/api/v1/conversations/${id}/message`, {
        method: 'POST',
        headers: {
          Authorization: `Bearer ${bearer}`,
          'Content-Type': 'application/json',
          ...headers,
        },
        body: JSON.stringify({ user_message: 'Honesty matters to me, even when it costs.' }),
      });
      const text = await response.text();
      if (response.status >= 300 && response.status !== 202)
        throw new Error(`the turn answered ${response.status}: ${text}`);
      if (response.status !== 202) return response.status;
      const jobId = String((JSON.parse(text) as { job_id: string }).job_id);
      for (;;) {
        const job = await apiCall(server.url, 'GET', `/api/v1/jobs/${jobId}`, bearer);
        if (job.status === 'succeeded') return response.status;
        if (job.status === 'failed') throw new Error(`the job failed: ${JSON.stringify(job)}`);
        await sleep(5);
      }
    };
    await session.post('Profiler.enable');
    await session.post('Profiler.startPreciseCoverage', { callCount: true, detailed: false });
    const deliveries = {
      buffered: {},
      stream: { Accept: 'text/event-stream' },
      job: { Prefer: 'respond-async' },
    } satisfies Record<string, Record<string, string>>;
    const traces: Record<string, { status: number; count: number; files: string[] }> = {};
    for (const [delivery, headers] of Object.entries(deliveries)) {
      await turn(await initiate(), headers);
      const id = await initiate();
      // Whatever the warm-up left running (a job's last write, timers) ends before the count.
      await sleep(100);
      await filesRun(session);
      const status = await turn(id, headers);
      const files = await filesRun(session);
      traces[delivery] = { status, count: files.length, files };
    }
    if (options.json) {
      process.stdout.write(`${JSON.stringify(traces, null, 2)}\n`);
    } else {
      for (const [delivery, trace] of Object.entries(traces)) {
        process.stdout.write(`${delivery.padEnd(9)} ${trace.status} ${trace.count} files\n`);
        if (options.files) for (const file of trace.files) process.stdout.write(`  ${file}\n`);
      }
    }
  } finally {
    session.disconnect();
    await server.close();
    await fake.close();
    await store.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(
    `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exitCode = 1;
});

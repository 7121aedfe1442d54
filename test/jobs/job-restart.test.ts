// The local server as `npm start` runs it, with a job in flight when it stops: a stop gives the
// job the grace period and fails it (503) when that runs out, a crash leaves it for the next
// start-up to fail; either way the job never reads running again and its conversation is free.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'chai';
import { coachingTurn } from '../support/fake-answers.js';
import { fakeBedrockEnv, startFakeBedrock, type FakeBedrock } from '../support/fake-bedrock.js';
import {
  listeningUrl,
  runServerOn,
  stopServer,
  type ServerProcess,
} from '../support/server-process.js';
import { slowModel } from '../support/slow-model.js';
import { signedToken } from '../support/tokens.js';

const SECRET = 'a-secret-for-the-job-restart-tests-32-bytes';

interface Job {
  job_id: string;
  status: string;
  error: Record<string, unknown> | null;
  result: Record<string, unknown> | null;
}

function logLines(server: ServerProcess, event: string): Record<string, unknown>[] {
  return server
    .stdout()
    .split('\n')
    .filter((line) => line.includes(`"${event}"`))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('jobs across a stop of the local server', () => {
  let dataDir: string;
  let fake: FakeBedrock;
  let server: ServerProcess | undefined;
  let token: string;

  before(async () => {
    fake = await startFakeBedrock();
    token = await signedToken(SECRET, { user_id: 'u1', tenant_id: 't1' });
  });
  beforeEach(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'pp-jobs-'));
    fake.reset();
    fake.otherwise({ tool: coachingTurn() });
  });
  afterEach(async () => {
    await stopServer(server);
    server = undefined;
    await rm(dataDir, { recursive: true, force: true });
  });
  after(() => fake.close());

  const start = async () => {
    server = runServerOn(dataDir, SECRET, fakeBedrockEnv(fake));
    return listeningUrl(server);
  };
  const call = async <T = Record<string, unknown>>(
    url: string,
    method: string,
    route: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ) => {
    const response = await fetch(`${url}${route}`, {
      method,
      headers: {
        Authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as T };
  };
  /** A conversation with a job whose model call is held: the job is running. */
  async function runningJob(url: string) {
    const conversation = await call<{ conversation_id: string }>(
      url,
      'POST',
      '/api/v1/conversations/initiate',
      { topic: 'vision' },
    );
    const id = conversation.body.conversation_id;
    const model = slowModel(fake);
    const accepted = await call<Job>(
      url,
      'POST',
      `/api/v1/conversations/${id}/message`,
      { user_message: 'Where am I heading?' },
      { Prefer: 'respond-async' },
    );
    expect(accepted.status).to.equal(202);
    await model.reached;
    return { id, jobId: accepted.body.job_id, model };
  }

  it('when SIGTERM arrives while a job runs past the grace period, then the job fails 503 and, after a restart, still reads failed while its conversation takes messages', async function () {
    this.timeout(60_000);
    const url = await start();
    const { id, jobId, model } = await runningJob(url);
    server?.child.kill('SIGTERM');
    expect(await server?.exited).to.equal(0);
    expect(logLines(server!, 'server_stopped')[0]).to.include({ jobs_failed: 1, jobs_finished: 0 });
    model.answer();

    const again = await start();
    const job = await call<Job>(again, 'GET', `/api/v1/jobs/${jobId}`);
    expect(job.body).to.include({ status: 'failed', result: null });
    expect(job.body.error).to.deep.include({ status: 503, error: 'service_unavailable' });
    const turn = await call(again, 'POST', `/api/v1/conversations/${id}/message`, {
      user_message: 'Again, then.',
    });
    expect(turn.status).to.equal(200);
    const conversation = await call<{ messages: { content: string }[] }>(
      again,
      'GET',
      `/api/v1/conversations/${id}`,
    );
    expect(conversation.body.messages.map((m) => m.content)).to.not.include('Where am I heading?');
  });

  it('when SIGTERM arrives and the job finishes within the grace period, then it succeeds and reads succeeded after a restart', async function () {
    this.timeout(60_000);
    const url = await start();
    const { jobId, model } = await runningJob(url);
    server?.child.kill('SIGTERM');
    await sleep(300);
    model.answer();
    expect(await server?.exited).to.equal(0);
    expect(logLines(server!, 'server_stopped')[0]).to.include({ jobs_failed: 0, jobs_finished: 1 });
    const again = await start();
    const job = await call<Job>(again, 'GET', `/api/v1/jobs/${jobId}`);
    expect(job.body.status).to.equal('succeeded');
  });

  it('when the server dies with a job running (SIGKILL), then the next start-up fails the job (503) and frees its conversation at once', async function () {
    this.timeout(60_000);
    const url = await start();
    const { id, jobId, model } = await runningJob(url);
    server?.child.kill('SIGKILL');
    await server?.exited;
    model.answer();

    const again = await start();
    expect(logLines(server!, 'jobs_failed_at_start')[0]).to.include({ jobs: 1 });
    const job = await call<Job>(again, 'GET', `/api/v1/jobs/${jobId}`);
    expect(job.body.status).to.equal('failed');
    expect(job.body.error).to.deep.include({ status: 503, error: 'service_unavailable' });
    const turn = await call(again, 'POST', `/api/v1/conversations/${id}/message`, {
      user_message: 'Still here?',
    });
    expect(turn.status).to.equal(200);
  });
});

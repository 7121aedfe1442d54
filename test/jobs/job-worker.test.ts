// The worker's side of a job, driven directly: the app is given a dispatcher that only records
// what it was handed, and the test calls the worker entry itself, as a redelivering queue or a
// retrying Lambda would (twice, at once, late). And the budgets: a job's model call may take
// LLM_ASYNC_TIMEOUT_MS while a buffered turn keeps LLM_TIMEOUT_MS, through Bedrock and OpenAI.
import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'chai';
import { FINISH_MARGIN_MS, START_WITHIN_MS } from '../../app/src/jobs/job-timing.js';
import { coachingTurn } from '../support/fake-answers.js';
import { fakeBedrockEnv, startFakeBedrock } from '../support/fake-bedrock.js';
import { fakeOpenAiEnv, startFakeOpenAi, type FakeOpenAi } from '../support/fake-openai.js';
import { useApiWithFakeBedrock } from '../support/fixtures.js';
import {
  initiate,
  startApi,
  type Response,
  type TestApi,
  sendMessage,
} from '../support/harness.js';
import { slowModel } from '../support/slow-model.js';

const ASYNC = { Prefer: 'respond-async' };
const BUDGET_MS = 120_000;

interface Job {
  job_id: string;
  status: string;
  result: Record<string, unknown> | null;
  error: Record<string, unknown> | null;
}

async function settled(api: TestApi, token: string, jobId: string): Promise<Response<Job>> {
  for (;;) {
    const response = await api.request<Job>('GET', `/api/v1/jobs/${jobId}`, { token });
    if (response.body.status === 'succeeded' || response.body.status === 'failed') return response;
    await sleep(20);
  }
}

describe('the job worker', () => {
  let token: string;
  let worker: (jobId: string) => Promise<unknown>;
  const dispatched: string[] = [];
  let clockOffsetMs = 0;
  const recorded: string[] = [];
  const { api, fake } = useApiWithFakeBedrock({
    overrides: {
      now: () => new Date(Date.now() + clockOffsetMs),
      metrics: { add: (name) => void recorded.push(name) },
      jobDispatcher: (run) => {
        worker = run;
        return { dispatch: (job) => Promise.resolve(void dispatched.push(job.jobId)) };
      },
    },
  });

  before(async () => {
    token = await api.token('wendy', 'acme');
  });
  beforeEach(() => {
    dispatched.length = 0;
    clockOffsetMs = 0;
    recorded.length = 0;
  });

  const send = (id: string, text: string, headers: Record<string, string> = ASYNC) =>
    sendMessage<Job>(api, token, id, text, headers);
  const read = (jobId: string) => api.request<Job>('GET', `/api/v1/jobs/${jobId}`, { token });
  const turnsOf = async (id: string) =>
    (await api.items('messages')).filter((item) => item.conversation_id === id);
  const storedJob = async (jobId: string) =>
    (await api.items('jobs')).find((item) => item.job_id === jobId);

  it('when a job is accepted, then its id is handed to the dispatcher, and it reads queued (with Retry-After) until a worker runs it', async () => {
    const id = await initiate(api, token);
    const accepted = await send(id, 'Queued, then.');
    expect(dispatched).to.deep.equal([accepted.body.job_id]);
    const queued = await read(accepted.body.job_id);
    expect(queued.body.status).to.equal('queued');
    expect(queued.headers.get('retry-after')).to.equal('1');
    expect(await worker(accepted.body.job_id)).to.equal('succeeded');
    expect((await read(accepted.body.job_id)).body.status).to.equal('succeeded');
  });

  it('when the worker is delivered the same job twice at once, then one runs it and the other does nothing: the model is asked once and one turn is stored', async () => {
    const id = await initiate(api, token);
    const accepted = await send(id, 'Twice delivered.');
    const outcomes = await Promise.all([
      worker(accepted.body.job_id),
      worker(accepted.body.job_id),
    ]);
    expect([...outcomes].sort()).to.deep.equal(['not_run', 'succeeded']);
    expect(fake.requests).to.have.length(1);
    expect(await turnsOf(id)).to.have.length(2);
  });

  it('when a redelivery arrives while the first worker is still running, or after it finished, then it does nothing and the result stays the first one', async () => {
    const id = await initiate(api, token);
    const model = slowModel(fake);
    const accepted = await send(id, 'Slowly.');
    const first = worker(accepted.body.job_id);
    await model.reached;
    expect(await worker(accepted.body.job_id)).to.equal('not_run');
    model.answer();
    expect(await first).to.equal('succeeded');
    const result = (await read(accepted.body.job_id)).body.result;
    fake.script({ tool: coachingTurn({ ai_response: 'A second answer that must not land.' }) });
    expect(await worker(accepted.body.job_id)).to.equal('not_run');
    expect((await read(accepted.body.job_id)).body.result).to.deep.equal(result);
    expect(await turnsOf(id)).to.have.length(2);
    expect(fake.requests).to.have.length(1);
  });

  it('when no worker ran a job by its deadline, then it reads failed with 503 service_unavailable, a late worker refuses it, and the conversation is free', async () => {
    const id = await initiate(api, token);
    const accepted = await send(id, 'Nobody came.');
    clockOffsetMs = START_WITHIN_MS + BUDGET_MS + FINISH_MARGIN_MS + 1000;
    const expired = await read(accepted.body.job_id);
    expect(expired.body.status).to.equal('failed');
    expect(expired.body.error).to.deep.include({ status: 503, error: 'service_unavailable' });
    expect(expired.headers.get('retry-after')).to.equal(null);
    expect(await worker(accepted.body.job_id)).to.equal('not_run');
    expect((await storedJob(accepted.body.job_id))?.status).to.equal('failed');
    expect(fake.requests).to.have.length(0);
    expect((await send(id, 'Anyone now?', {})).status).to.equal(200);
  });

  it('when a worker arrives after the time a job could still start, then the job fails for good (503) at once and its conversation is let go before its lease would lapse', async () => {
    const id = await initiate(api, token);
    const accepted = await send(id, 'Too late to start.');
    clockOffsetMs = START_WITHIN_MS + 1000;
    expect((await send(id, 'Busy?', {})).status).to.equal(409);
    expect(await worker(accepted.body.job_id)).to.equal('not_run');
    const job = await read(accepted.body.job_id);
    expect(job.body.error).to.deep.include({ status: 503, error: 'service_unavailable' });
    expect(fake.requests).to.have.length(0);
    expect(recorded.filter((name) => name === 'JobExpired')).to.have.length(1);
    expect((await send(id, 'Free again.', {})).status).to.equal(200);
  });

  it('when a job’s model call fails, then the job fails and JobFailed is counted once, however often the job is delivered', async () => {
    const id = await initiate(api, token);
    fake.script({ error: 'ThrottlingException' });
    const accepted = await send(id, 'Throttled.');
    expect(await worker(accepted.body.job_id)).to.equal('failed');
    expect(await worker(accepted.body.job_id)).to.equal('not_run');
    expect(recorded.filter((name) => name === 'JobFailed')).to.have.length(1);
    expect(recorded).to.not.include('JobExpired');
  });

  it('when the worker’s turn ends past the deadline, then the job keeps reading failed: a late result never turns it round', async () => {
    const id = await initiate(api, token);
    const model = slowModel(fake);
    const accepted = await send(id, 'Just in time?');
    const running = worker(accepted.body.job_id);
    await model.reached;
    clockOffsetMs = START_WITHIN_MS + BUDGET_MS + FINISH_MARGIN_MS + 1000;
    expect((await read(accepted.body.job_id)).body.status).to.equal('failed');
    model.answer();
    await running;
    const job = await read(accepted.body.job_id);
    expect(job.body).to.include({ status: 'failed', result: null });
    expect((await storedJob(accepted.body.job_id))?.status).to.equal('running');
  });

  it('when an unknown job id reaches the worker, then it does nothing and stores nothing', async () => {
    const before = await api.items('jobs');
    expect(await worker('job_neverwasone')).to.equal('not_run');
    expect(await api.items('jobs')).to.deep.equal(before);
  });
});

describe('a job whose work cannot be handed on', () => {
  it('when the dispatcher refuses it, then the request is 503, the job reads failed, and the conversation is free', async () => {
    const fake = await startFakeBedrock();
    fake.otherwise({ tool: coachingTurn() });
    const api = await startApi({
      env: fakeBedrockEnv(fake),
      overrides: {
        jobDispatcher: () => ({ dispatch: () => Promise.reject(new Error('invoke refused')) }),
      },
    });
    try {
      const token = await api.token('dora', 'acme');
      const id = await initiate(api, token);
      const response = await api.request('POST', `/api/v1/conversations/${id}/message`, {
        token,
        body: { user_message: 'Will it run?' },
        headers: ASYNC,
      });
      expect(response.status).to.equal(503);
      expect(response.body).to.include({ error: 'service_unavailable' });
      const jobs = (await api.items('jobs')).filter((item) => item.record_kind === 'job');
      expect(jobs.map((job) => job.status)).to.deep.equal(['failed']);
      expect(JSON.stringify(jobs)).to.not.include('Will it run?');
      const buffered = await api.request('POST', `/api/v1/conversations/${id}/message`, {
        token,
        body: { user_message: 'Then now.' },
      });
      expect(buffered.status).to.equal(200);
      expect(fake.requests).to.have.length(1);
    } finally {
      await api.close();
      await fake.close();
    }
  });
});

describe('a job’s model budget', () => {
  // LLM_TIMEOUT_MS stays the buffered budget (its default); jobs get LLM_ASYNC_TIMEOUT_MS's.
  const { api, fake } = useApiWithFakeBedrock();
  let token: string;

  before(async () => {
    token = await api.token('bea', 'acme');
  });

  it('when the model takes 34 s, then the turn succeeds as a job, past the buffered budget and API Gateway’s 30 s', async function () {
    this.timeout(60_000);
    expect(api.config.llm.timeoutMs).to.be.below(30_000);
    expect(api.config.llm.asyncTimeoutMs).to.equal(BUDGET_MS);
    fake.reset();
    fake.script({
      delayMs: 34_000,
      then: { tool: coachingTurn({ ai_response: 'Worth the wait.' }) },
    });
    const id = await initiate(api, token);
    const accepted = await api.request<Job>('POST', `/api/v1/conversations/${id}/message`, {
      token,
      body: { user_message: 'Take your time.' },
      headers: ASYNC,
    });
    expect(accepted.status).to.equal(202);
    const done = await settled(api, token, accepted.body.job_id);
    expect(done.body.status).to.equal('succeeded');
    expect(done.body.result).to.include({ ai_response: 'Worth the wait.' });
  });
});

describe('the budgets, kept apart', () => {
  it('when the model is slower than LLM_TIMEOUT_MS but within LLM_ASYNC_TIMEOUT_MS, then the buffered turn is 503 and the job succeeds; slower than both, the job fails 503 (Bedrock)', async function () {
    this.timeout(30_000);
    const fake = await startFakeBedrock();
    const api = await startApi({
      env: { ...fakeBedrockEnv(fake), LLM_TIMEOUT_MS: '500', LLM_ASYNC_TIMEOUT_MS: '3000' },
    });
    try {
      const token = await api.token('kim', 'acme');
      const id = await initiate(api, token);
      const slow = { delayMs: 1500, then: { tool: coachingTurn() } };
      fake.script(slow);
      const buffered = await api.request('POST', `/api/v1/conversations/${id}/message`, {
        token,
        body: { user_message: 'Hurry.' },
      });
      expect(buffered.status).to.equal(503);
      await sleep(1200); // the fake's abandoned answer arrives and goes nowhere
      fake.script(slow, { delayMs: 5000, then: { tool: coachingTurn() } });
      const post = (text: string) => sendMessage<Job>(api, token, id, text, ASYNC);
      const withinBudget = await settled(api, token, (await post('No hurry.')).body.job_id);
      expect(withinBudget.body.status).to.equal('succeeded');
      const pastBudget = await settled(api, token, (await post('Too slow.')).body.job_id);
      expect(pastBudget.body.error).to.deep.include({ status: 503, error: 'service_unavailable' });
    } finally {
      await api.close();
      await fake.close();
    }
  });

  it('when the OpenAI-compatible server is slower than LLM_TIMEOUT_MS, then the buffered turn is 503 and the same answer as a job succeeds', async function () {
    this.timeout(30_000);
    const fake: FakeOpenAi = await startFakeOpenAi();
    const api = await startApi({
      env: { ...fakeOpenAiEnv(fake), LLM_TIMEOUT_MS: '500', LLM_ASYNC_TIMEOUT_MS: '5000' },
    });
    try {
      const token = await api.token('olga', 'acme');
      const id = await initiate(api, token);
      const slow = { delayMs: 1500, then: { json: coachingTurn() } };
      fake.script(slow);
      const buffered = await api.request('POST', `/api/v1/conversations/${id}/message`, {
        token,
        body: { user_message: 'Hurry.' },
      });
      expect(buffered.status).to.equal(503);
      await sleep(1200);
      fake.script(slow);
      const accepted = await api.request<Job>('POST', `/api/v1/conversations/${id}/message`, {
        token,
        body: { user_message: 'No hurry.' },
        headers: ASYNC,
      });
      expect((await settled(api, token, accepted.body.job_id)).body.status).to.equal('succeeded');
    } finally {
      await api.close();
      await fake.close();
    }
  });
});

// A turn's lease, short and renewed by its live holder, with a model slower than the renewal
// period (a fake Bedrock that answers when the test lets it): a second message is told a short
// wait whichever way the first is delivered, a holder that stops renewing is replaced after the
// real wait it announced, and a renewal that finds the conversation erased or paused stops the
// turn (and its model call) at once. The leases here last 3 s and are renewed every 0.5 s, so
// each test outlives an unrenewed lease; the crashed server's are the real ones (10 s, 3 s).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'chai';
import type { LeaseTiming } from '../../app/src/coaching/conversation-lease.js';
import { coachingTurn } from '../support/fake-answers.js';
import {
  fakeBedrockEnv,
  startFakeBedrock,
  toolPieces,
  type FakeBedrock,
} from '../support/fake-bedrock.js';
import { jobClaim, on } from '../support/dynamo-hooks.js';
import { openEventStream } from '../support/event-stream.js';
import { useApiWithFakeBedrock } from '../support/fixtures.js';
import { initiate, sendMessage } from '../support/harness.js';
import {
  listeningUrl,
  runServerOn,
  stopServer,
  type ServerProcess,
} from '../support/server-process.js';
import { slowModel } from '../support/slow-model.js';
import { signedToken } from '../support/tokens.js';

const LEASES: LeaseTiming = { ttlMs: 3000, renewEveryMs: 500 };
/** Longer than a lease lives unrenewed: a conversation still held after it was renewed. */
const PAST_AN_UNRENEWED_LEASE = LEASES.ttlMs + LEASES.renewEveryMs;

interface Conversation {
  messages: { role: string; content: string }[];
}

const isRenewal = (_name: string, input: Record<string, unknown>) =>
  input.UpdateExpression === 'SET lease_expires_at = :expires';

/** Waits for what the fake sees a moment after the app does (a stream's cancellation). */
async function eventually(check: () => boolean, withinMs = 2000): Promise<boolean> {
  for (const until = Date.now() + withinMs; Date.now() < until; await sleep(20)) {
    if (check()) return true;
  }
  return check();
}

describe('leases: short, and renewed while the model works', () => {
  const { api, fake } = useApiWithFakeBedrock({ overrides: { leases: LEASES } });
  let token: string;

  before(async () => {
    token = await api.token('lea', 'acme');
  });

  const send = (id: string, text: string, headers: Record<string, string> = {}) =>
    sendMessage(api, token, id, text, headers);
  const contents = async (id: string) =>
    (
      await api.request<Conversation>('GET', `/api/v1/conversations/${id}`, { token })
    ).body.messages.map((m) => m.content);
  /** The second message's 409: busy, with a short wait, and whether a job holds it. */
  function expectShortBusy(response: Awaited<ReturnType<typeof send>>) {
    expect(response.status, response.text).to.equal(409);
    expect(response.body.error).to.equal('conversation_busy');
    expect(Number(response.headers.get('retry-after'))).to.be.within(1, 2);
  }

  it('when a second message comes during a buffered turn that outlives an unrenewed lease, then it is 409 busy with Retry-After at most 2, and the first turn commits', async () => {
    const id = await initiate(api, token);
    const model = slowModel(fake);
    const first = send(id, 'The slow one.');
    await model.reached;
    await sleep(PAST_AN_UNRENEWED_LEASE);

    const second = await send(id, 'The second one.');
    expectShortBusy(second);
    expect(second.body).to.not.have.property('job_id');

    model.answer();
    expect((await first).status).to.equal(200);
    expect(await contents(id))
      .to.include('The slow one.')
      .and.not.include('The second one.');
  });

  it('when a second message comes during a stream that outlives an unrenewed lease, then it is 409 busy with Retry-After at most 2, and the stream ends with its turn', async () => {
    const id = await initiate(api, token);
    const pieces = toolPieces(coachingTurn(), 3);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    fake.script({ stream: [pieces[0]!, { until: held }, ...pieces.slice(1)] });
    const first = await openEventStream(api, `/api/v1/conversations/${id}/message`, {
      token,
      body: { user_message: 'Streamed slowly.' },
    });
    expect((await first.next())?.event).to.equal('delta');
    await sleep(PAST_AN_UNRENEWED_LEASE);

    expectShortBusy(await send(id, 'Meanwhile.'));

    release();
    expect((await first.rest()).events.at(-1)?.event).to.equal('turn');
    expect(await contents(id))
      .to.include('Streamed slowly.')
      .and.not.include('Meanwhile.');
  });

  it('when a second message comes while a job waits for its worker, and again while the worker outlives an unrenewed lease, then each is 409 busy with Retry-After at most 2 and the job’s id', async () => {
    const id = await initiate(api, token);
    const claim = api.hooks.hold(jobClaim);
    const model = slowModel(fake);
    const accepted = await send(id, 'As a job.', { Prefer: 'respond-async' });
    expect(accepted.status).to.equal(202);
    const jobId = accepted.body.job_id;
    await claim.reached;

    const whileQueued = await send(id, 'While it waits.');
    expectShortBusy(whileQueued);
    expect(whileQueued.body.job_id).to.equal(jobId);

    claim.release();
    await model.reached;
    await sleep(PAST_AN_UNRENEWED_LEASE);
    const whileRunning = await send(id, 'While it runs.', { Prefer: 'respond-async' });
    expectShortBusy(whileRunning);
    expect(whileRunning.body.job_id).to.equal(jobId);

    model.answer();
    for (;;) {
      const job = await api.request('GET', `/api/v1/jobs/${String(jobId)}`, { token });
      if (job.body.status === 'succeeded') break;
      expect(job.body.status).to.be.oneOf(['queued', 'running']);
      await sleep(20);
    }
    expect(await contents(id))
      .to.include('As a job.')
      .and.not.include.members(['While it waits.', 'While it runs.']);
  });

  it('when the holder stops renewing, then 409 busy says the real wait until its lease lapses, the next request after that wait takes the conversation over, and the old turn can no longer commit', async () => {
    const id = await initiate(api, token);
    const model = slowModel(fake);
    // The holder's first renewal never reaches the store: it is as good as dead.
    const renewal = api.hooks.hold(
      on('UpdateItemCommand', api.config.tables.conversations, isRenewal),
    );
    const stuck = send(id, 'Left behind.');
    await model.reached;
    await renewal.reached;
    // Past one missed renewal, the lease reads stale.
    await sleep(2 * LEASES.renewEveryMs + 500);

    const busy = await send(id, 'Too early.');
    expect(busy.status).to.equal(409);
    const wait = Number(busy.headers.get('retry-after'));
    expect(wait).to.be.within(1, Math.ceil(LEASES.ttlMs / 1000));
    await sleep(wait * 1000);
    fake.script({ tool: coachingTurn({ ai_response: 'The new holder’s answer.' }) });
    const taken = await send(id, 'Taken over.');
    expect(taken.status, taken.text).to.equal(200);

    // The old holder comes back: its renewal finds the lease taken, and its model answers late.
    renewal.release();
    model.answer();
    const lost = await stuck;
    expect(lost.status).to.equal(409);
    expect(lost.body.error).to.equal('conversation_busy');
    const stored = await contents(id);
    expect(stored)
      .to.include('Taken over.')
      .and.not.include.members(['Left behind.', 'Too early.']);
    expect(stored.filter((text) => text === 'The new holder’s answer.')).to.have.length(1);
  });

  it('when the conversation is erased while the model works, then the next renewal stops the turn: 404 before the model answers, the model call is cancelled, and nothing is stored', async () => {
    const id = await initiate(api, token);
    const model = slowModel(fake);
    const turn = send(id, 'Erase me mid-turn.');
    await model.reached;
    expect((await api.request('DELETE', `/api/v1/conversations/${id}`, { token })).status).to.equal(
      204,
    );
    const answered = await Promise.race([turn, sleep(LEASES.ttlMs).then(() => undefined)]);
    expect(answered, 'the turn still waits on its model').to.not.equal(undefined);
    expect(answered?.status).to.equal(404);
    expect(answered?.body.error).to.equal('conversation_not_found');
    expect(await eventually(() => fake.cancelled() === 1), 'the model call is cancelled').to.equal(
      true,
    );
    model.answer();
    expect(JSON.stringify(await api.items('messages'))).to.not.include('Erase me mid-turn.');
  });

  it('when the conversation is paused while the model works, then the next renewal stops the turn: 409 not active before the model answers, and the conversation is free once resumed', async () => {
    const id = await initiate(api, token);
    const model = slowModel(fake);
    const turn = send(id, 'Paused mid-turn.');
    await model.reached;
    expect(
      (await api.request('POST', `/api/v1/conversations/${id}/pause`, { token })).status,
    ).to.equal(204);
    const answered = await Promise.race([turn, sleep(LEASES.ttlMs).then(() => undefined)]);
    expect(answered?.status).to.equal(409);
    expect(answered?.body).to.include({
      error: 'conversation_not_active',
      current_status: 'paused',
    });
    expect(await eventually(() => fake.cancelled() === 1), 'the model call is cancelled').to.equal(
      true,
    );
    model.answer();
    expect(
      (await api.request('POST', `/api/v1/conversations/${id}/resume`, { token })).status,
    ).to.equal(204);
    expect((await send(id, 'Back.')).status).to.equal(200);
  });
});

describe('leases: a holder that died', () => {
  const SECRET = 'a-secret-for-the-lease-crash-test-of-32-bytes';
  let dataDir: string;
  let fake: FakeBedrock;
  let server: ServerProcess | undefined;

  before(async () => {
    fake = await startFakeBedrock();
    dataDir = await mkdtemp(path.join(tmpdir(), 'pp-leases-'));
  });
  after(async () => {
    await stopServer(server);
    await fake.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  const start = async () => {
    server = runServerOn(dataDir, SECRET, fakeBedrockEnv(fake));
    return listeningUrl(server);
  };

  it('when the server is killed mid-turn (SIGKILL) and started again, then the conversation takes messages within 15 s of the restart, each 409 meanwhile saying how long to wait', async function () {
    this.timeout(60_000);
    const token = await signedToken(SECRET, { user_id: 'u1', tenant_id: 't1' });
    const call = async (url: string, route: string, body: unknown) => {
      const response = await fetch(`${url}${route}`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
      return {
        status: response.status,
        retryAfter: response.headers.get('retry-after'),
        body: (await response.json()) as Record<string, unknown>,
      };
    };
    const url = await start();
    const id = String(
      (await call(url, '/api/v1/conversations/initiate', { topic: 'goals' })).body.conversation_id,
    );
    const model = slowModel(fake);
    const cut = call(url, `/api/v1/conversations/${id}/message`, {
      user_message: 'Cut off.',
    }).catch((error: unknown) => error);
    await model.reached;
    server!.child.kill('SIGKILL');
    await server!.exited;
    expect(await cut).to.be.instanceOf(Error);

    fake.otherwise({ tool: coachingTurn() });
    const again = await start();
    const restarted = Date.now();
    for (;;) {
      const sent = await call(again, `/api/v1/conversations/${id}/message`, {
        user_message: 'Back.',
      });
      if (sent.status === 200) break;
      expect(sent.status).to.equal(409);
      expect(sent.body.error).to.equal('conversation_busy');
      const wait = Number(sent.retryAfter);
      expect(wait).to.be.within(1, 10);
      await sleep(wait * 1000);
    }
    expect(Date.now() - restarted).to.be.below(15_000);
  });
});

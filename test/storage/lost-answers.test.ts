// The fault campaign: the app's DynamoDB client talks to the store through the fault proxy
// (dynamo-fault-proxy.ts), which for 30% of the writes drops the answer after the store applied
// them, throttles them, answers 500 or resets the connection first. A client that does what
// docs/reliability.md asks (the same Idempotency-Key on every retry of a turn) runs initiates,
// buffered, streamed and job turns, pauses and resumes, and DELETEs through the API; then the
// audit reads every conversation back through the API and in the store: each turn stored once
// or not at all, the conversation item's counters equal to its turns, no lease left, the
// session's and the usage counters' calls equal to the model calls made, no job failed while its
// turn is in the history, every DELETE complete, no answer of 500 and none past 30 s. Seeds are
// fixed, so a run can be repeated; the proxy's log says which faults were met.
import { expect } from 'chai';
import type { TokenUsage } from '../../app/src/domain/kernel.js';
import { createOfflineProvider } from '../../app/src/llm/offline.js';
import type { LlmProvider, StructuredRequest, StructuredResult } from '../../app/src/llm/port.js';
import { usageOf } from '../support/budgets.js';
import type { FaultKind, FaultRule } from '../support/dynamo-fault-proxy.js';
import { openEventStream } from '../support/event-stream.js';
import { startApi, type Response, type TestApi } from '../support/harness.js';

const WRITES = ['PutItem', 'UpdateItem', 'DeleteItem', 'TransactWriteItems', 'BatchWriteItem'];

/** What every model call bills: non-zero, so a call counted twice or lost shows in the sums. */
const BILL: TokenUsage = { inputTokens: 100, outputTokens: 10 };

/** API Gateway's integration timeout. */
const ROUTE_BUDGET_MS = 30_000;

/**
 * Turns per fault setting: 30 in the suite; a longer run from outside sets LOST_ANSWERS_TURNS
 * (docs/reliability.md quotes one).
 */
const TURNS = Number(process.env.LOST_ANSWERS_TURNS ?? 30);

/** A client's patience: a request retried this often and still failing is a finding. */
const ATTEMPTS = 12;

/** A turn's patience: tried again (as Retry-After asks) for this long before it is given up. */
const TURN_PATIENCE_MS = 20_000;

/**
 * Leases short enough that one a failed release left lapses within the run (the contract's
 * 15 s holds for any ttl): a turn that finds it waits as Retry-After says.
 */
const LEASES = { ttlMs: 3000, renewEveryMs: 1000 };

/** How long a job may take to settle before the audit calls it stuck. */
const JOB_SETTLES_MS = 20_000;

/** The offline coach, billing each call and counting them by user. */
function billedCoach() {
  const offline = createOfflineProvider();
  const calls = new Map<string, number>();
  const billed = <T>(request: StructuredRequest<T>, result: StructuredResult<T>) => {
    const user = request.attribution?.userId ?? '';
    calls.set(user, (calls.get(user) ?? 0) + 1);
    return { ...result, usage: BILL };
  };
  const provider: LlmProvider = {
    name: 'offline',
    generate: async (request) => billed(request, await offline.generate(request)),
    stream: async (request, sink) => billed(request, await offline.stream(request, sink)),
    check: () => offline.check(),
  };
  return { provider, calls };
}

type Delivery = 'buffered' | 'stream' | 'job';

/** What the campaign saw, for the audit and the report. */
interface Tally {
  answers: number;
  serverErrors: string[];
  slow: string[];
  /** Turns the client was finally told were stored, by conversation. */
  acknowledged: Map<string, string[]>;
  /** Turns the client finally gave up on (told nothing was stored), by conversation. */
  abandoned: Map<string, string[]>;
  /** Jobs that read failed, with the message they were for. */
  failedJobs: { conversationId: string; message: string }[];
  stuckJobs: string[];
  erased: string[];
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function campaign(api: TestApi, tally: Tally) {
  const seen = (label: string, status: number, ms: number, text: string) => {
    tally.answers++;
    if (status >= 500 && status !== 503) tally.serverErrors.push(`${label}: ${status} ${text}`);
    if (ms > ROUTE_BUDGET_MS) tally.slow.push(`${label}: ${ms} ms`);
  };
  const timed = async <T>(label: string, send: () => Promise<Response<T>>) => {
    const started = Date.now();
    const response = await send();
    seen(label, response.status, Date.now() - started, response.text.slice(0, 200));
    return response;
  };
  /** Waits as the answer asks (Retry-After); a 503's wait is kept short, the store being back. */
  const backOff = (response: { status?: number; headers: Headers }) =>
    pause(response.status === 409 ? Number(response.headers.get('retry-after') ?? 1) * 1000 : 50);

  async function initiateUntilDone(token: string): Promise<string> {
    for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
      const response = await timed<{ conversation_id: string }>('initiate', () =>
        api.request('POST', '/api/v1/conversations/initiate', {
          token,
          body: { topic: 'core_values', context: {} },
        }),
      );
      if (response.status === 201) return response.body.conversation_id;
      expect(response.status, response.text).to.equal(503);
      await backOff(response);
    }
    throw new Error(`initiate failed ${ATTEMPTS} times`);
  }

  /** One attempt at a turn: 'stored', or the answer's status when it says nothing was stored. */
  async function attempt(
    token: string,
    id: string,
    message: string,
    delivery: Delivery,
  ): Promise<{ outcome: 'stored' | number; headers: Headers }> {
    const path = `/api/v1/conversations/${id}/message`;
    const body = { user_message: message };
    const headers = { 'Idempotency-Key': `key-${message}` };
    if (delivery === 'stream') {
      const started = Date.now();
      const stream = await openEventStream(api, path, { token, body, headers });
      const { events, text } = await stream.rest();
      seen(`stream ${message}`, stream.status, Date.now() - started, text.slice(0, 200));
      if (stream.status !== 200) return { outcome: stream.status, headers: stream.headers };
      const last = events.at(-1);
      if (last?.event === 'turn') return { outcome: 'stored', headers: stream.headers };
      const status = (last?.data as { status?: number } | undefined)?.status ?? 0;
      if (status >= 500 && status !== 503) tally.serverErrors.push(`stream ${message}: ${text}`);
      return { outcome: status, headers: stream.headers };
    }
    const response = await timed<{ job_id?: string }>(`${delivery} ${message}`, () =>
      api.request('POST', path, {
        token,
        body,
        headers: delivery === 'job' ? { ...headers, Prefer: 'respond-async' } : headers,
      }),
    );
    if (delivery === 'buffered' || response.status !== 202) {
      return {
        outcome: response.status === 200 ? 'stored' : response.status,
        headers: response.headers,
      };
    }
    const jobId = response.body.job_id;
    for (const settleBy = Date.now() + JOB_SETTLES_MS; ;) {
      if (Date.now() > settleBy) {
        tally.stuckJobs.push(`${id}: job ${String(jobId)} for "${message}"`);
        return { outcome: 503, headers: response.headers };
      }
      const job = await api.request<{ status: string; error?: { status: number } }>(
        'GET',
        `/api/v1/jobs/${jobId}`,
        { token },
      );
      if (job.status === 200 && job.body.status === 'succeeded') {
        return { outcome: 'stored', headers: job.headers };
      }
      if (job.status === 200 && job.body.status === 'failed') {
        tally.failedJobs.push({ conversationId: id, message });
        return { outcome: job.body.error?.status ?? 0, headers: job.headers };
      }
      await pause(20);
    }
  }

  /** A turn sent until it is stored, with the same key every time. */
  async function turn(token: string, id: string, message: string, delivery: Delivery) {
    for (const giveUpAt = Date.now() + TURN_PATIENCE_MS; Date.now() < giveUpAt;) {
      const { outcome, headers } = await attempt(token, id, message, delivery);
      if (outcome === 'stored') {
        tally.acknowledged.set(id, [...(tally.acknowledged.get(id) ?? []), message]);
        return;
      }
      expect([503, 409], `${delivery} ${message} answered ${outcome}`).to.include(outcome);
      await backOff({ status: outcome, headers });
    }
    tally.abandoned.set(id, [...(tally.abandoned.get(id) ?? []), message]);
  }

  /** A status change sent until it is answered 204 (or found already made). */
  async function change(token: string, id: string, action: 'pause' | 'resume') {
    for (let n = 1; n <= ATTEMPTS; n++) {
      const response = await timed(action, () =>
        api.request('POST', `/api/v1/conversations/${id}/${action}`, { token }),
      );
      if (response.status === 204) return;
      expect([503, 409], `${action}: ${response.text}`).to.include(response.status);
      if (response.status === 409) {
        const read = await api.request<{ status: string }>('GET', `/api/v1/conversations/${id}`, {
          token,
        });
        const wanted = action === 'pause' ? 'paused' : 'active';
        expect(read.body.status, `${action} answered 409: ${response.text}`).to.equal(wanted);
        throw new Error(`${action} answered 409 though it had been made: ${response.text}`);
      }
      await backOff(response);
    }
    throw new Error(`${action} failed ${ATTEMPTS} times`);
  }

  async function erase(token: string, id: string) {
    for (let n = 1; n <= ATTEMPTS; n++) {
      const response = await timed('delete', () =>
        api.request('DELETE', `/api/v1/conversations/${id}`, { token }),
      );
      if (response.status === 204 || (n > 1 && response.status === 404)) {
        tally.erased.push(id);
        return;
      }
      expect(response.status, `delete: ${response.text}`).to.equal(503);
      await backOff(response);
    }
    throw new Error(`delete failed ${ATTEMPTS} times`);
  }

  return { initiateUntilDone, turn, change, erase };
}

interface ConversationView {
  status: string;
  messages: { role: string; content: string }[];
}

/** Everything the audit finds wrong with one conversation; empty when it is sound. */
async function audit(
  api: TestApi,
  token: string,
  id: string,
  tally: Tally,
  modelCalls: number,
): Promise<string[]> {
  const problems: string[] = [];
  const acknowledged = tally.acknowledged.get(id) ?? [];
  const abandoned = tally.abandoned.get(id) ?? [];
  const read = await api.request<ConversationView>('GET', `/api/v1/conversations/${id}`, {
    token,
  });
  if (read.status !== 200) return [`${id} reads ${read.status}`];
  const said = read.body.messages.filter((m) => m.role === 'user').map((m) => m.content);
  for (const message of acknowledged) {
    const times = said.filter((m) => m === message).length;
    if (times !== 1) problems.push(`${id}: acknowledged "${message}" is stored ${times} times`);
  }
  for (const message of abandoned) {
    if (said.includes(message)) problems.push(`${id}: phantom turn "${message}" (answered failed)`);
  }
  for (const message of said) {
    if (!acknowledged.includes(message) && !abandoned.includes(message)) {
      problems.push(`${id}: "${message}" was never sent`);
    }
  }
  for (const job of tally.failedJobs.filter((j) => j.conversationId === id)) {
    if (said.includes(job.message) && !acknowledged.includes(job.message)) {
      problems.push(`${id}: job for "${job.message}" read failed with its turn stored`);
    }
  }

  const item = (await api.items('conversations')).find((i) => i.conversation_id === id) ?? {};
  const turnItems = (await api.items('messages')).filter(
    (i) => i.conversation_id === id && Number(i.turn) > 0,
  );
  const turns = said.length;
  const expectCount = (name: string, actual: unknown, expected: number) => {
    if (Number(actual ?? 0) !== expected) {
      problems.push(`${id}: ${name} is ${String(actual)}, the history says ${expected}`);
    }
  };
  expectCount('turn_count', item.turn_count, turns);
  expectCount('user_turns', item.user_turns, turns);
  expectCount('message_count', item.message_count, 1 + 2 * turns);
  expectCount('turn items', turnItems.length, turns);
  const leaseLeft = Number(item.lease_expires_at ?? 0) - Date.now();
  if (item.lease_id !== undefined && leaseLeft > LEASES.ttlMs) {
    problems.push(`${id}: a lease is left for ${leaseLeft} ms`);
  }

  const session = (await api.items('coachingSessions')).find((s) => s.conversation_id === id);
  if (!session) problems.push(`${id}: no session`);
  else {
    expectCount('session turns', session.turns, turns);
    expectCount('session calls', Number(session.turns) + Number(session.failed_calls), modelCalls);
    expectCount('session input tokens', session.input_tokens, modelCalls * BILL.inputTokens);
  }
  const usage = await usageOf(api, token);
  expectCount('usage calls', usage.month.calls, modelCalls);
  expectCount('usage input tokens', usage.month.input_tokens, modelCalls * BILL.inputTokens);
  return problems;
}

/** What a conversation holds of its user's words once erased: nothing. */
async function leftAfterErasure(api: TestApi, id: string): Promise<string[]> {
  const left: string[] = [];
  for (const table of ['conversations', 'messages', 'jobs'] as const) {
    const items = (await api.items(table)).filter(
      (i) => i.conversation_id === id && JSON.stringify(i).includes('said '),
    );
    if (items.length > 0) left.push(`${id}: ${table} still holds its words`);
  }
  return left;
}

const settings: { readonly name: string; readonly fault: FaultKind; readonly seed: number }[] = [
  { name: 'answers dropped after the store applied the write', fault: 'drop-after-apply', seed: 7 },
  { name: 'writes throttled', fault: 'throttle', seed: 11 },
  { name: 'writes answered 500', fault: 'server-error', seed: 13 },
  { name: 'connections reset before the write reached the store', fault: 'reset', seed: 17 },
];

describe('lost answers: the fault campaign', function () {
  this.timeout(120_000 + TURNS * 2000);

  for (const setting of settings) {
    it(`when 30% of ${setting.name}, then ${TURNS} turns of every delivery, initiates, status changes and DELETEs leave nothing corrupted, duplicated, phantom, double-counted or stuck`, async () => {
      const coach = billedCoach();
      const api = await startApi({
        faults: { seed: setting.seed },
        overrides: { llm: coach.provider, leases: LEASES },
      });
      try {
        const tally: Tally = {
          answers: 0,
          serverErrors: [],
          slow: [],
          acknowledged: new Map(),
          abandoned: new Map(),
          failedJobs: [],
          stuckJobs: [],
          erased: [],
        };
        const run = campaign(api, tally);
        const rule: FaultRule = { fault: setting.fault, operations: WRITES, probability: 0.3 };
        api.proxy?.add(rule);
        const deliveries: Delivery[] = ['buffered', 'stream', 'job'];
        const users = [0, 1, 2].map((n) => `${setting.fault}-user-${n}`);
        const tokens = await Promise.all(users.map((user) => api.token(user, 'fault-co')));
        const conversations: string[] = [];
        for (const token of tokens) conversations.push(await run.initiateUntilDone(token));
        for (let n = 0; n < TURNS; n++) {
          const c = n % 3;
          if (n === 12) await run.change(tokens[c]!, conversations[c]!, 'pause');
          if (n === 12) await run.change(tokens[c]!, conversations[c]!, 'resume');
          await run.turn(
            tokens[c]!,
            conversations[c]!,
            `said ${n}`,
            deliveries[((n / 3) % 3) | 0]!,
          );
        }
        // A fourth conversation, talked to and erased under the same faults.
        const doomedToken = await api.token(`${setting.fault}-doomed`, 'fault-co');
        const doomed = await run.initiateUntilDone(doomedToken);
        await run.turn(doomedToken, doomed, 'said to be erased', 'buffered');
        await run.erase(doomedToken, doomed);
        api.proxy?.clear();

        const problems = [...tally.serverErrors, ...tally.slow, ...tally.stuckJobs];
        for (const [i, id] of conversations.entries()) {
          problems.push(
            ...(await audit(api, tokens[i]!, id, tally, coach.calls.get(users[i]!) ?? 0)),
          );
        }
        problems.push(...(await leftAfterErasure(api, doomed)));
        const gone = await api.request('GET', `/api/v1/conversations/${doomed}`, {
          token: doomedToken,
        });
        if (gone.status !== 404) problems.push(`the erased conversation reads ${gone.status}`);
        const faults = api.proxy?.faults()[setting.fault] ?? 0;
        const abandoned = [...tally.abandoned.values()].flat().length;
        // The numbers the report quotes: faults met, answers, turns stored and given up.
        console.log(
          `      ${setting.fault}: ${faults} faults over ${tally.answers} answers; ` +
            `${[...tally.acknowledged.values()].flat().length} turns stored, ${abandoned} given up, ` +
            `${tally.failedJobs.length} job failures, ${problems.length} problems`,
        );
        expect(faults, 'the proxy met no fault').to.be.greaterThan(20);
        expect(problems).to.deep.equal([]);
        expect(abandoned, 'turns given up').to.equal(0);
      } finally {
        await api.close();
      }
    });
  }
});

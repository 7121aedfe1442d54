// Failing dependencies, injected for real: the embedded DynamoDB stopped mid-run and started
// again on the same port and folder, the secret store unreachable at first use, the prompt
// store failing after warm-up. Every request answers promptly, never with a 500, the running
// service recovers without a restart, and no conversation loses or duplicates a turn.
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { expect } from 'chai';
import { secretsManagerSecret } from '../../app/src/auth/secrets-manager.js';
import type { LlmProvider, StructuredRequest } from '../../app/src/llm/port.js';
import { createOfflineProvider } from '../../app/src/llm/offline.js';
import type { PromptSource } from '../../app/src/prompts/prompt-store.js';
import { filePromptSource } from '../../app/src/prompts/file-source.js';
import { startEmbeddedDynamo, type EmbeddedDynamo } from '../../app/src/storage/local-dynamo.js';
import {
  initiate,
  startApi,
  TEST_SECRET,
  type Response,
  type TestApi,
  sendMessage,
} from '../support/harness.js';

const relaxedLimits = {
  RATE_LIMIT_DEFAULT: '100000/1',
  RATE_LIMIT_ANONYMOUS: '100000/1',
  RATE_LIMIT_INITIATE: '100000/1',
  RATE_LIMIT_ANALYSIS: '100000/1',
};

/** Generous enough for the SDK's retries, short enough to catch a hang. */
const PROMPT_MS = 5000;

async function timed<T>(call: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = Date.now();
  const value = await call();
  return { value, ms: Date.now() - started };
}

function expectUnavailable(response: Response, ms: number, label: string): void {
  expect(ms, `${label} took ${ms} ms`).to.be.below(PROMPT_MS);
  expect(response.status, `${label}: ${response.text.slice(0, 200)}`).to.equal(503);
  expect(response.headers.get('retry-after'), label).to.match(/^\d+$/);
  expect(response.headers.get('x-request-id'), label).to.be.a('string');
}

/** The offline coach behind a gate, so a test can hold turns in flight. */
function gatedProvider() {
  const offline = createOfflineProvider();
  const state = { waiting: 0, gate: undefined as Promise<void> | undefined };
  const provider: LlmProvider = {
    name: 'offline',
    async generate<T>(request: StructuredRequest<T>) {
      if (state.gate) {
        state.waiting++;
        await state.gate;
        state.waiting--;
      }
      return offline.generate(request);
    },
    stream: (request, sink) => offline.stream(request, sink),
    check: () => offline.check(),
  };
  return { provider, state };
}

async function until(condition: () => boolean | Promise<boolean>, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('faults: DynamoDB stopped mid-run', () => {
  let folder: string;
  let store: EmbeddedDynamo;
  let api: TestApi;
  let token: string;
  const model = gatedProvider();
  /** Each conversation's user messages the API acknowledged with 200. */
  const acknowledged = new Map<string, string[]>();

  before(async () => {
    folder = await mkdtemp(path.join(tmpdir(), 'purposepath-faults-'));
    store = await startEmbeddedDynamo({ path: folder });
    api = await startApi({
      embedded: store,
      env: relaxedLimits,
      overrides: { llm: model.provider },
    });
    token = await api.token('faulty', 'acme');
  });
  after(async () => {
    await api.close();
    await store.close().catch(() => undefined);
    await rm(folder, { recursive: true, force: true });
  });

  const send = (id: string, text: string, key?: string) =>
    sendMessage(api, token, id, text, key ? { 'Idempotency-Key': key } : {});

  async function userMessages(id: string): Promise<string[]> {
    const response = await api.request<{ messages: { role: string; content: string }[] }>(
      'GET',
      `/api/v1/conversations/${id}`,
      { token },
    );
    expect(response.status, response.text.slice(0, 200)).to.equal(200);
    return response.body.messages.filter((m) => m.role === 'user').map((m) => m.content);
  }

  it('when the store stops with turns in flight and comes back on the same port, then every request answers promptly with 503 meanwhile, the service recovers, and no turn is lost or duplicated', async function () {
    this.timeout(60_000);
    const ids: string[] = [];
    for (let c = 0; c < 3; c++) {
      const id = await initiate(api, token);
      ids.push(id);
      acknowledged.set(id, []);
      for (let t = 0; t < 2; t++) {
        const text = `before ${c}.${t}`;
        expect((await send(id, text, `k-${c}-${t}`)).status).to.equal(200);
        acknowledged.get(id)!.push(text);
      }
    }

    // Hold one turn per conversation inside the model call, then pull the store away.
    let open!: () => void;
    model.state.gate = new Promise<void>((resolve) => (open = resolve));
    const inFlight = ids.map((id, c) => timed(() => send(id, `in flight ${c}`, `flight-${c}`)));
    await until(() => model.state.waiting === ids.length, 5000);
    await store.close();
    model.state.gate = undefined;
    open();
    for (const { value, ms } of await Promise.all(inFlight)) {
      expectUnavailable(value, ms, 'a turn whose commit met the stopped store');
    }

    // While it is down, every route that touches the store is a prompt 503.
    const [first] = ids as [string];
    const down: [string, string, unknown][] = [
      ['GET', `/api/v1/conversations/${first}`, undefined],
      ['GET', '/api/v1/conversations', undefined],
      ['POST', '/api/v1/conversations/initiate', { topic: 'goals' }],
      ['POST', `/api/v1/conversations/${first}/message`, { user_message: 'while down' }],
      ['POST', `/api/v1/conversations/${first}/pause`, {}],
      ['POST', `/api/v1/conversations/${first}/resume`, undefined],
      ['POST', `/api/v1/conversations/${first}/complete`, {}],
      ['DELETE', `/api/v1/conversations/${first}`, undefined],
    ];
    const answers = await Promise.all(
      down.map(([method, route, body]) => timed(() => api.request(method, route, { token, body }))),
    );
    answers.forEach(({ value, ms }, i) =>
      expectUnavailable(value, ms, down[i]!.slice(0, 2).join(' ')),
    );
    const health = await timed(() => api.request('GET', '/api/v1/health'));
    expect(health.ms).to.be.below(PROMPT_MS);
    expect(health.value.status).to.equal(503);
    expect(health.value.body.status).to.equal('degraded');
    expect((health.value.body.services as Record<string, string>).database).to.equal(
      'unhealthy: table not reachable',
    );
    expect((await api.request('GET', '/api/v1/health/live')).status).to.equal(200);

    // Back on the same port and folder; the same running app must find it again.
    store = await startEmbeddedDynamo({ path: folder, port: store.port });
    await until(
      async () => (await api.request('GET', '/api/v1/conversations', { token })).status === 200,
      10_000,
    );
    for (const id of ids) {
      expect(await userMessages(id), id).to.deep.equal(acknowledged.get(id));
    }

    // A fresh turn on a conversation the outage did not hold, and a fresh conversation, work.
    const fresh = await initiate(api, token);
    expect((await send(fresh, 'after the outage')).status).to.equal(200);
    expect(await userMessages(fresh)).to.deep.equal(['after the outage']);

    // The interrupted turns are retried with their keys: once the lease of the failed attempt
    // is released or lapses, each is stored exactly once, and a second retry replays it.
    for (const [c, id] of ids.entries()) {
      const retry = await send(id, `in flight ${c}`, `flight-${c}`);
      expect([200, 409], retry.text.slice(0, 200)).to.include(retry.status);
      if (retry.status === 200) {
        acknowledged.get(id)!.push(`in flight ${c}`);
        const replay = await send(id, `in flight ${c}`, `flight-${c}`);
        expect(replay.status).to.equal(200);
        expect(replay.body).to.deep.equal(retry.body);
      } else {
        expect(retry.body.error).to.equal('conversation_busy');
      }
      expect(await userMessages(id), id).to.deep.equal(acknowledged.get(id));
    }
  });
});

describe('faults: the secret store unreachable at first use', () => {
  let api: TestApi;
  let secretServer: Server | undefined;
  let port: number;

  before(async () => {
    // Reserve a port, then leave it closed: connections are refused until the fake comes up.
    const probe = createServer();
    probe.listen(0, '127.0.0.1');
    await once(probe, 'listening');
    port = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const client = new SecretsManagerClient({
      region: 'us-east-1',
      endpoint: `http://127.0.0.1:${port}`,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts: 2,
    });
    api = await startApi({
      env: relaxedLimits,
      overrides: {
        secretSource: secretsManagerSecret('purposepath/jwt-secret/test', client),
      },
    });
  });
  after(async () => {
    await api.close();
    secretServer?.close();
  });

  it('when the secret cannot be read, then authenticated routes answer 503 promptly, public ones still answer, and the first read after it is back lets the same token in', async function () {
    this.timeout(20_000);
    const token = await api.token('secretive', 'acme');
    for (const route of ['/api/v1/conversations', '/api/v1/conversations/conv_x']) {
      const { value, ms } = await timed(() => api.request('GET', route, { token }));
      expectUnavailable(value, ms, `GET ${route}`);
      expect(value.body.error).to.equal('service_unavailable');
    }
    expect((await api.request('GET', '/api/v1/health/live')).status).to.equal(200);
    expect((await api.request('GET', '/')).status).to.equal(200);

    secretServer = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'Content-Type': 'application/x-amz-json-1.1' });
        res.end(JSON.stringify({ Name: 'purposepath/jwt-secret/test', SecretString: TEST_SECRET }));
      });
    });
    secretServer.listen(port, '127.0.0.1');
    await once(secretServer, 'listening');
    const up = await api.request('GET', '/api/v1/conversations', { token });
    expect(up.status, up.text).to.equal(200);
    const id = await initiate(api, token);
    expect((await api.request('GET', `/api/v1/conversations/${id}`, { token })).status).to.equal(
      200,
    );
  });
});

describe('faults: the prompt store failing after warm-up', () => {
  let api: TestApi;
  let token: string;
  const failing = { on: false, reads: 0 };
  const files = filePromptSource('prompts');
  const source: PromptSource = {
    name: 'flaky-files',
    read(key, etag) {
      failing.reads++;
      if (failing.on) return Promise.reject(new Error('prompt store unreachable'));
      return files.read(key, etag);
    },
  };

  before(async () => {
    api = await startApi({
      env: { ...relaxedLimits, PROMPT_CACHE_SECONDS: '1' },
      overrides: { promptSource: source },
    });
    token = await api.token('prompted', 'acme');
  });
  after(() => api.close());

  it('when the store fails after the templates were read once, then the cached templates keep serving initiate and messages, and health says storage is unhealthy', async function () {
    this.timeout(20_000);
    const warm = await initiate(api, token, 'purpose');
    failing.on = true;
    await new Promise((resolve) => setTimeout(resolve, 1100)); // past the cache interval
    const readsBefore = failing.reads;

    const id = await initiate(api, token, 'purpose');
    for (const conversation of [warm, id]) {
      const response = await api.request('POST', `/api/v1/conversations/${conversation}/message`, {
        token,
        body: { user_message: 'I care about honesty and craft.' },
      });
      expect(response.status, response.text.slice(0, 200)).to.equal(200);
    }
    expect(failing.reads, 'the failing store was asked again').to.be.above(readsBefore);

    const unseen = await timed(() =>
      api.request('POST', '/api/v1/conversations/initiate', { token, body: { topic: 'goals' } }),
    );
    expectUnavailable(unseen.value, unseen.ms, 'a topic never read before');
    const health = await api.request('GET', '/api/v1/health');
    expect(health.status).to.equal(503);
    expect((health.body.services as Record<string, string>).storage).to.match(/^unhealthy/);

    failing.on = false;
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect(
      (
        await api.request('POST', '/api/v1/conversations/initiate', {
          token,
          body: { topic: 'goals' },
        })
      ).status,
    ).to.equal(201);
  });
});

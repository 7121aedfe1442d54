import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { expect } from 'chai';
import type { LlmProvider, StructuredRequest } from '../../app/src/llm/port.js';
import { createOfflineProvider } from '../../app/src/llm/offline.js';
import { startLocalServer } from '../../app/src/server.js';
import { initiate, startApi, type TestApi, sendMessage } from '../support/harness.js';
import { signedToken } from '../support/tokens.js';

interface Conversation {
  status: string;
  current_phase: string;
  messages: { role: string; content: string; timestamp: string }[];
  identified_values: string[];
  insights: string[];
  created_at: string;
  completed_at: string | null;
}

/** The offline coach, with a switchboard: count calls, hold them, or fail them. */
function controllableProvider() {
  const offline = createOfflineProvider();
  const state = {
    calls: 0,
    failNext: 0,
    gate: undefined as Promise<void> | undefined,
  };
  const provider: LlmProvider = {
    name: 'offline',
    async generate<T>(request: StructuredRequest<T>) {
      state.calls++;
      if (state.gate) await state.gate;
      if (state.failNext > 0) {
        state.failNext--;
        throw new Error('model exploded');
      }
      return offline.generate(request);
    },
    stream: (request, sink) => offline.stream(request, sink),
    check: () => offline.check(),
  };
  return { provider, state };
}

describe('turns, storage and isolation', () => {
  let api: TestApi;
  let alice: string;
  const control = controllableProvider();

  before(async () => {
    api = await startApi({ overrides: { llm: control.provider } });
    alice = await api.token('alice', 'acme');
  });
  after(() => api.close());

  const send = (id: string, text: string, headers: Record<string, string> = {}, token = alice) =>
    sendMessage(api, token, id, text, headers);
  const read = async (id: string, token = alice) =>
    (await api.request<Conversation>('GET', `/api/v1/conversations/${id}`, { token })).body;

  it('when a history adds up to well over 400 KB, then it reads back whole and in order', async function () {
    this.timeout(120_000);
    const id = await initiate(api, alice);
    const turns = 120;
    for (let i = 0; i < turns; i++) {
      const text = `${String(i).padStart(4, '0')} ${'answer '.repeat(570)}`.slice(0, 4000);
      const response = await send(id, text);
      expect(response.status, `turn ${i}`).to.equal(200);
    }
    const conversation = await read(id);
    expect(conversation.messages).to.have.length(1 + 2 * turns);
    const users = conversation.messages.filter((m) => m.role === 'user');
    expect(users.map((m) => Number(m.content.slice(0, 4)))).to.deep.equal([...Array(turns).keys()]);
    const bytes = Buffer.byteLength(JSON.stringify(conversation.messages));
    expect(bytes).to.be.above(450 * 1024);
  });

  it('when ten messages race to one conversation, then every acknowledged turn is stored once and the rest are 409 busy', async () => {
    const id = await initiate(api, alice);
    let release!: () => void;
    control.state.gate = new Promise((resolve) => (release = resolve));
    const racing = Array.from({ length: 10 }, (_, i) => send(id, `racer ${i}`));
    await new Promise((resolve) => setTimeout(resolve, 300));
    release();
    control.state.gate = undefined;
    const responses = await Promise.all(racing);
    const ok = responses.filter((r) => r.status === 200);
    const busy = responses.filter((r) => r.status === 409);
    expect(ok.length + busy.length).to.equal(10);
    expect(ok.length).to.be.at.least(1);
    for (const r of busy) {
      expect(r.body.error).to.equal('conversation_busy');
      // At the latest when the first one's lease lapses: 30 seconds after it was taken.
      expect(Number(r.headers.get('retry-after'))).to.be.within(1, 31);
    }
    const users = (await read(id)).messages.filter((m) => m.role === 'user').map((m) => m.content);
    expect(users).to.have.length(ok.length);
    expect(new Set(users).size).to.equal(users.length);
  });

  it('when messages are sent one after another, then none is refused as busy', async () => {
    const id = await initiate(api, alice);
    for (let i = 0; i < 5; i++) expect((await send(id, `turn ${i}`)).status).to.equal(200);
    expect((await read(id)).messages).to.have.length(11);
  });

  describe('Idempotency-Key', () => {
    it('when a retry repeats the key and body, then it gets the first response and the model is called once', async () => {
      const id = await initiate(api, alice);
      const before = control.state.calls;
      const first = await send(id, 'I value courage', { 'Idempotency-Key': 'retry-1' });
      const second = await send(id, 'I value courage', { 'Idempotency-Key': 'retry-1' });
      expect(first.status).to.equal(200);
      expect(second.status).to.equal(200);
      expect(second.body).to.deep.equal(first.body);
      expect(control.state.calls - before).to.equal(1);
      expect((await read(id)).messages).to.have.length(3);
    });

    it('when the key was used with another body, then it is 422 idempotency_key_reused and nothing is stored', async () => {
      const id = await initiate(api, alice);
      await send(id, 'first body', { 'Idempotency-Key': 'k-2' });
      const reused = await send(id, 'second body', { 'Idempotency-Key': 'k-2' });
      expect(reused.status).to.equal(422);
      expect(reused.body.error).to.equal('idempotency_key_reused');
      expect((await read(id)).messages).to.have.length(3);
    });

    it('when the same key is used on another conversation, then it is a fresh request there', async () => {
      const one = await initiate(api, alice);
      const two = await initiate(api, alice);
      await send(one, 'same text', { 'Idempotency-Key': 'shared' });
      const other = await send(two, 'same text', { 'Idempotency-Key': 'shared' });
      expect(other.status).to.equal(200);
      expect(other.body.conversation_id).to.equal(two);
    });

    it('when the first request with a key is still in flight, then a retry is 409 conversation_busy', async () => {
      const id = await initiate(api, alice);
      let release!: () => void;
      control.state.gate = new Promise((resolve) => (release = resolve));
      const first = send(id, 'slow one', { 'Idempotency-Key': 'k-3' });
      await new Promise((resolve) => setTimeout(resolve, 200));
      const retry = await send(id, 'slow one', { 'Idempotency-Key': 'k-3' });
      release();
      control.state.gate = undefined;
      expect(retry.status).to.equal(409);
      expect(retry.body.error).to.equal('conversation_busy');
      expect((await first).status).to.equal(200);
      const replay = await send(id, 'slow one', { 'Idempotency-Key': 'k-3' });
      expect(replay.status).to.equal(200);
      expect((await read(id)).messages).to.have.length(3);
    });

    for (const key of ['__proto__', 'constructor', 'hasOwnProperty']) {
      it(`when the key is ${key}, then it behaves like any key: a retry replays, another body is 422`, async () => {
        const id = await initiate(api, alice);
        const before = control.state.calls;
        const first = await send(id, 'A plain key', { 'Idempotency-Key': key });
        const retry = await send(id, 'A plain key', { 'Idempotency-Key': key });
        const reused = await send(id, 'Another body', { 'Idempotency-Key': key });
        expect(first.status, first.text).to.equal(200);
        expect(retry.status, retry.text).to.equal(200);
        expect(retry.body).to.deep.equal(first.body);
        expect(reused.status).to.equal(422);
        expect(reused.body.error).to.equal('idempotency_key_reused');
        expect(control.state.calls - before).to.equal(1);
        expect((await read(id)).messages).to.have.length(3);
      });
    }

    it('when the first request with a key failed, then the key is free and the conversation is unchanged', async () => {
      const id = await initiate(api, alice);
      const before = await read(id);
      control.state.failNext = 1;
      const failed = await send(id, 'try me', { 'Idempotency-Key': 'k-4' });
      expect(failed.status).to.equal(500);
      expect(await read(id)).to.deep.equal(before);
      const retried = await send(id, 'try me', { 'Idempotency-Key': 'k-4' });
      expect(retried.status).to.equal(200);
      expect((await read(id)).messages).to.have.length(3);
    });
    it('when a retry sends the metadata’s members in another order, then it is the same body: the first answer again, the model called once', async () => {
      const id = await initiate(api, alice);
      const before = control.state.calls;
      const post = (text: string) =>
        api.request('POST', `/api/v1/conversations/${id}/message`, {
          token: alice,
          rawBody: text,
          headers: { 'Content-Type': 'application/json', 'Idempotency-Key': 'ordered' },
        });
      const first = await post(
        '{"user_message":"Order","metadata":{"x":1,"y":{"b":2,"a":[1,{"d":4,"c":3}]}}}',
      );
      expect(first.status, first.text).to.equal(200);
      const retry = await post(
        '{"metadata":{"y":{"a":[1,{"c":3,"d":4}],"b":2},"x":1.0},"user_message":"Order"}',
      );
      expect(retry.status, retry.text).to.equal(200);
      expect(retry.body).to.deep.equal(first.body);
      const reordered = await post(
        '{"user_message":"Order","metadata":{"x":1,"y":{"b":2,"a":[{"d":4,"c":3},1]}}}',
      );
      expect(reordered.status).to.equal(422);
      expect(control.state.calls - before).to.equal(1);
      expect((await read(id)).messages).to.have.length(3);
    });

    it('when a key’s record holds the digest written before bodies were compared whatever their members’ order, then a retry of the same body still replays it', async () => {
      const id = await initiate(api, alice);
      const metadata = { y: 2, x: 1 };
      const headers = { 'Idempotency-Key': 'kept-over-deploy' };
      const first = await api.request('POST', `/api/v1/conversations/${id}/message`, {
        token: alice,
        body: { user_message: 'Before the deploy', metadata },
        headers,
      });
      expect(first.status).to.equal(200);
      // The record as the service wrote it before: the digest of the body's JSON as it came.
      const stored = (await api.items('conversations')).find((i) => i.conversation_id === id);
      const [keyDigest] = Object.keys(stored?.idempotency as object);
      const oldDigest = createHash('sha256')
        .update(JSON.stringify(['Before the deploy', metadata]))
        .digest('base64url')
        .slice(0, 22);
      await api.dynamo.doc.send(
        new UpdateCommand({
          TableName: api.config.tables.conversations,
          Key: { conversation_id: id },
          UpdateExpression: 'SET idempotency.#key.h = :old',
          ExpressionAttributeNames: { '#key': String(keyDigest) },
          ExpressionAttributeValues: { ':old': oldDigest },
        }),
      );
      const before = control.state.calls;
      const retry = await api.request('POST', `/api/v1/conversations/${id}/message`, {
        token: alice,
        body: { user_message: 'Before the deploy', metadata },
        headers,
      });
      expect(retry.status, retry.text).to.equal(200);
      expect(retry.body).to.deep.equal(first.body);
      expect(control.state.calls).to.equal(before);
    });
  });

  describe('conversations stored by the original service', () => {
    const legacyId = 'conv_legacy_0001';

    before(async () => {
      await api.dynamo.doc.send(
        new PutCommand({
          TableName: api.config.tables.conversations,
          Item: {
            conversation_id: legacyId,
            user_id: 'alice',
            tenant_id: 'acme',
            topic: 'core_values',
            status: 'active',
            messages: [
              {
                role: 'assistant',
                content: 'Welcome (original)',
                timestamp: '2025-10-10T09:00:00+00:00',
                metadata: {},
              },
              {
                role: 'user',
                content: 'I value honesty',
                timestamp: '2025-10-10T09:01:00',
                metadata: {},
              },
              {
                role: 'assistant',
                content: 'Tell me more',
                timestamp: '2025-10-10T09:01:05+00:00',
                metadata: {},
              },
            ],
            context: {
              current_phase: 'exploration',
              insights: ['Honesty matters'],
              response_count: 1,
              progress_percentage: 30,
              metadata: {},
            },
            created_at: '2025-10-10T09:00:00+00:00',
            updated_at: '2025-10-10T09:01:05+00:00',
            completed_at: null,
            metadata: { source: 'v1' },
            ttl: 1893456000,
          },
        }),
      );
    });

    it('when read, then its inline messages and context come back through the same route', async () => {
      const conversation = await read(legacyId);
      expect(conversation.messages.map((m) => m.content)).to.deep.equal([
        'Welcome (original)',
        'I value honesty',
        'Tell me more',
      ]);
      expect(conversation.messages[1]?.timestamp).to.equal('2025-10-10T09:01:00.000Z');
      expect(conversation).to.include({
        current_phase: 'exploration',
        status: 'active',
        created_at: '2025-10-10T09:00:00.000Z',
      });
      expect(conversation.insights).to.deep.equal(['Honesty matters']);
    });

    it('when listed, then it appears with its message count', async () => {
      const list = await api.request<{
        conversations: { conversation_id: string; message_count: number }[];
      }>('GET', '/api/v1/conversations?page_size=100', { token: alice });
      const item = list.body.conversations.find((c) => c.conversation_id === legacyId);
      expect(item?.message_count).to.equal(3);
    });

    it('when a message is added, then the history continues after the inline messages', async () => {
      expect((await send(legacyId, 'And family too')).status).to.equal(200);
      const conversation = await read(legacyId);
      expect(conversation.messages.map((m) => m.role)).to.deep.equal([
        'assistant',
        'user',
        'assistant',
        'user',
        'assistant',
      ]);
      expect(conversation.messages[3]?.content).to.equal('And family too');
      expect(conversation.insights[0]).to.equal('Honesty matters');
    });
  });

  describe('isolation', () => {
    let id: string;
    let bob: string;
    let mallory: string;

    before(async () => {
      id = await initiate(api, alice);
      await send(id, 'private thoughts');
      bob = await api.token('bob', 'acme');
      mallory = await api.token('mallory', 'evil-corp');
    });

    const attempts: [string, string, unknown?][] = [
      ['GET', ''],
      ['POST', '/message', { user_message: 'hijack' }],
      ['POST', '/pause'],
      ['POST', '/resume'],
      ['POST', '/complete'],
      ['DELETE', ''],
    ];

    for (const [method, suffix, body] of attempts) {
      it(`when another user of the tenant calls ${method} ${suffix || '/'}, then it is 403 and nothing changes`, async () => {
        const before = await read(id);
        const response = await api.request(method, `/api/v1/conversations/${id}${suffix}`, {
          token: bob,
          body,
        });
        expect(response.status).to.equal(403);
        expect(response.body.error).to.equal('permission_denied');
        expect(await read(id)).to.deep.equal(before);
      });

      it(`when another tenant calls ${method} ${suffix || '/'}, then it is 404 as if it did not exist`, async () => {
        const before = await read(id);
        const response = await api.request(method, `/api/v1/conversations/${id}${suffix}`, {
          token: mallory,
          body,
        });
        const missing = await api.request(method, `/api/v1/conversations/conv_nope${suffix}`, {
          token: mallory,
          body,
        });
        expect(response.status).to.equal(404);
        expect(response.body.error).to.equal('conversation_not_found');
        expect(missing.status).to.equal(404);
        expect(Object.keys(response.body).sort()).to.deep.equal(Object.keys(missing.body).sort());
        expect(await read(id)).to.deep.equal(before);
      });
    }

    it('when others list, then they never see the conversation', async () => {
      for (const token of [bob, mallory]) {
        const list = await api.request<{
          conversations: { conversation_id: string }[];
          total: number;
        }>('GET', '/api/v1/conversations?page_size=100', { token });
        expect(list.body.conversations.map((c) => c.conversation_id)).to.not.include(id);
      }
    });

    it('when a token names the same user in another tenant, then the conversation is not listed for it', async () => {
      const twin = await api.token('alice', 'other-tenant');
      const list = await api.request<{ total: number }>('GET', '/api/v1/conversations', {
        token: twin,
      });
      expect(list.body.total).to.equal(0);
    });
  });
});

describe('the local server', () => {
  it('when it is stopped and started again on the same data folder, then conversations survive', async function () {
    this.timeout(30_000);
    const dataDir = await mkdtemp(path.join(tmpdir(), 'pp-restart-'));
    const env = { DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', LOG_SILENT: 'true' };
    try {
      const first = await startLocalServer(env);
      const { readFile } = await import('node:fs/promises');
      const secret = (await readFile(path.join(dataDir, 'jwt-secret'), 'utf8')).trim();
      const token = await signedToken(secret, { user_id: 'u1', tenant_id: 't1' });
      const headers = { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' };
      const created = await fetch(`${first.url}/api/v1/conversations/initiate`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ topic: 'goals' }),
      });
      const { conversation_id: id } = (await created.json()) as { conversation_id: string };
      await fetch(`${first.url}/api/v1/conversations/${id}/message`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ user_message: 'Grow the team to twenty people' }),
      });
      await first.close();

      const second = await startLocalServer(env);
      try {
        const again = await fetch(`${second.url}/api/v1/conversations/${id}`, { headers });
        expect(again.status).to.equal(200);
        const body = (await again.json()) as Conversation;
        expect(body.messages.map((m) => m.content)).to.include('Grow the team to twenty people');
      } finally {
        await second.close();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

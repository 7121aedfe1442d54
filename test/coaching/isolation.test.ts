// Random interleavings of two users of one tenant and one user of another, checked against a
// model of who owns what: nobody reads, lists, changes or erases another's conversation, and
// the other tenant gets the very answer a missing conversation gets.
import { expect } from 'chai';
import fc from 'fast-check';
import { startApi, type Response, type TestApi } from '../support/harness.js';

const relaxedLimits = {
  RATE_LIMIT_DEFAULT: '100000/1',
  RATE_LIMIT_ANONYMOUS: '100000/1',
  RATE_LIMIT_INITIATE: '100000/1',
  RATE_LIMIT_ANALYSIS: '100000/1',
};

type Status = 'active' | 'paused' | 'completed';
type Action = 'get' | 'message' | 'pause' | 'resume' | 'complete' | 'delete';

interface ModelConversation {
  readonly id: string;
  readonly owner: number;
  status: Status;
  userMessages: string[];
  erased: boolean;
}

type Operation =
  | { readonly kind: 'initiate'; readonly actor: number }
  | { readonly kind: 'list'; readonly actor: number }
  | { readonly kind: 'missing'; readonly actor: number }
  | { readonly kind: Action; readonly actor: number; readonly target: number };

/** Actors 0 and 1 share a tenant; actor 2 is in another. */
const actorTenants = ['acme', 'acme', 'globex'];
const actions: Action[] = ['get', 'message', 'pause', 'resume', 'complete', 'delete'];

const operation: fc.Arbitrary<Operation> = fc.oneof(
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('initiate' as const), actor: fc.nat(2) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('list' as const), actor: fc.nat(2) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('missing' as const), actor: fc.nat(2) }) },
  {
    weight: 8,
    arbitrary: fc.record({ kind: fc.constantFrom(...actions), actor: fc.nat(2), target: fc.nat() }),
  },
);

/** What a caller could compare: everything but the per-request and per-id details. */
function observable(response: Response, id: string) {
  const headers = [...response.headers.keys()]
    .filter((h) => !['date', 'x-request-id', 'content-length'].includes(h))
    .sort();
  const body = { ...response.body, request_id: undefined };
  return {
    status: response.status,
    headers,
    body: JSON.parse(JSON.stringify(body).replaceAll(id, '<id>')) as unknown,
  };
}

/** What the owner's action should answer, given the model's status. */
function ownerExpectation(action: Action, status: Status): number {
  switch (action) {
    case 'get':
    case 'delete':
      return action === 'get' ? 200 : 204;
    case 'message':
      return status === 'active' ? 200 : 409;
    case 'pause':
    case 'resume':
    case 'complete':
      return status === 'completed' ? 409 : 204;
  }
}

const nextStatus: Record<'pause' | 'resume' | 'complete', Status> = {
  pause: 'paused',
  resume: 'active',
  complete: 'completed',
};

describe('isolation under random interleavings', () => {
  let api: TestApi;
  let run = 0;

  before(async () => {
    api = await startApi({ env: relaxedLimits });
  });
  after(() => api.close());

  async function perform(
    op: Operation,
    actors: string[],
    tokens: string[],
    model: ModelConversation[],
  ) {
    const token = tokens[op.actor]!;
    const label = `${actors[op.actor]} ${op.kind}`;
    if (op.kind === 'initiate') {
      const response = await api.request<{ conversation_id: string }>(
        'POST',
        '/api/v1/conversations/initiate',
        { token, body: { topic: 'purpose' } },
      );
      expect(response.status, label).to.equal(201);
      model.push({
        id: response.body.conversation_id,
        owner: op.actor,
        status: 'active',
        userMessages: [],
        erased: false,
      });
      return;
    }
    if (op.kind === 'list') {
      const response = await api.request<{
        conversations: { conversation_id: string }[];
        total: number;
      }>('GET', '/api/v1/conversations?page_size=100', { token });
      const own = model.filter((c) => c.owner === op.actor && !c.erased).map((c) => c.id);
      expect(response.status, label).to.equal(200);
      expect(
        response.body.conversations.map((c) => c.conversation_id),
        label,
      ).to.have.members(own);
      expect(response.body.total, label).to.equal(own.length);
      return;
    }
    if (op.kind === 'missing') {
      const response = await api.request('GET', `/api/v1/conversations/conv_${run}missing`, {
        token,
      });
      expect(response.status, label).to.equal(404);
      return;
    }
    const target = model[op.target % Math.max(model.length, 1)];
    if (!target) return;
    const text = `turn ${target.userMessages.length} by ${actors[op.actor]}`;
    const call = (id: string) => {
      const base = `/api/v1/conversations/${id}`;
      switch (op.kind) {
        case 'get':
          return api.request('GET', base, { token });
        case 'delete':
          return api.request('DELETE', base, { token });
        case 'message':
          return api.request('POST', `${base}/message`, { token, body: { user_message: text } });
        default:
          return api.request('POST', `${base}/${op.kind}`, { token, body: {} });
      }
    };
    const response = await call(target.id);
    const sameTenant = actorTenants[op.actor] === actorTenants[target.owner];
    const where = `${label} on ${actors[target.owner]}'s ${target.id}`;

    if (target.erased || !sameTenant) {
      expect(response.status, where).to.equal(404);
      expect(response.body.error, where).to.equal('conversation_not_found');
      if (!sameTenant) {
        // The same call on an id that never existed must look exactly the same.
        const missingId = `conv_${'0'.repeat(32 - String(run).length)}${run}`;
        const missing = await call(missingId);
        expect(observable(response, target.id), where).to.deep.equal(
          observable(missing, missingId),
        );
      }
      return;
    }
    if (op.actor !== target.owner) {
      expect(response.status, where).to.equal(403);
      expect(response.body.error, where).to.equal('permission_denied');
      return;
    }
    expect(response.status, `${where}: ${response.text.slice(0, 200)}`).to.equal(
      ownerExpectation(op.kind, target.status),
    );
    if (op.kind === 'get') {
      const messages = (response.body as { messages: { role: string; content: string }[] })
        .messages;
      expect(
        messages.filter((m) => m.role === 'user').map((m) => m.content),
        where,
      ).to.deep.equal(target.userMessages);
    } else if (op.kind === 'message' && response.status === 200) {
      target.userMessages.push(text);
    } else if (op.kind === 'delete') {
      target.erased = true;
    } else if (op.kind !== 'message' && response.status === 204) {
      target.status = nextStatus[op.kind];
    }
  }

  it('when three users act in any order, then each sees and changes only their own conversations', async function () {
    this.timeout(90_000);
    await fc.assert(
      fc.asyncProperty(fc.array(operation, { minLength: 5, maxLength: 30 }), async (operations) => {
        run++;
        // Fresh users each run, so runs do not see each other's conversations.
        const actors = ['alice', 'bob', 'carol'].map((name) => `${name}-${run}`);
        const tokens = await Promise.all(
          actors.map((actor, i) => api.token(actor, actorTenants[i]!)),
        );
        const model: ModelConversation[] = [];
        for (const op of operations) await perform(op, actors, tokens, model);

        // Afterwards, every owner finds exactly the state the model holds.
        for (const conversation of model) {
          const response = await api.request<{
            status: string;
            messages: { role: string; content: string }[];
          }>('GET', `/api/v1/conversations/${conversation.id}`, {
            token: tokens[conversation.owner],
          });
          if (conversation.erased) {
            expect(response.status).to.equal(404);
            continue;
          }
          expect(response.body.status).to.equal(conversation.status);
          expect(
            response.body.messages.filter((m) => m.role === 'user').map((m) => m.content),
          ).to.deep.equal(conversation.userMessages);
        }
      }),
      { numRuns: 25 },
    );
  });

  it('when the other tenant races the owner on one conversation, then it only ever gets 404 and the owner loses nothing', async function () {
    this.timeout(30_000);
    const owner = await api.token('racer-owner', 'acme');
    const stranger = await api.token('racer-stranger', 'globex');
    const neighbour = await api.token('racer-neighbour', 'acme');
    const created = await api.request<{ conversation_id: string }>(
      'POST',
      '/api/v1/conversations/initiate',
      { token: owner, body: { topic: 'vision' } },
    );
    const id = created.body.conversation_id;
    const base = `/api/v1/conversations/${id}`;
    const acknowledged: string[] = [];
    const ownerTurns = async () => {
      for (let i = 0; i < 6; i++) {
        const text = `owner turn ${i}`;
        const response = await api.request('POST', `${base}/message`, {
          token: owner,
          body: { user_message: text },
        });
        if (response.status === 200) acknowledged.push(text);
      }
    };
    const intruder = async (token: string, expected: number) => {
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) {
        const results = await Promise.all([
          api.request('GET', base, { token }),
          api.request('POST', `${base}/message`, { token, body: { user_message: 'mine now' } }),
          api.request('POST', `${base}/pause`, { token, body: {} }),
          api.request('DELETE', base, { token }),
        ]);
        statuses.push(...results.map((r) => r.status));
      }
      expect(new Set(statuses)).to.deep.equal(new Set([expected]));
    };
    await Promise.all([ownerTurns(), intruder(stranger, 404), intruder(neighbour, 403)]);

    const read = await api.request<{
      status: string;
      messages: { role: string; content: string }[];
    }>('GET', base, { token: owner });
    expect(read.body.status).to.equal('active');
    expect(read.body.messages.filter((m) => m.role === 'user').map((m) => m.content)).to.deep.equal(
      acknowledged,
    );
    expect(acknowledged).to.have.length(6);
  });
});

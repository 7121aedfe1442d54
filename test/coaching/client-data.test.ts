// The client's own JSON (`context` on initiate and analyses, `metadata` on a message) is stored as
// the client sent it: numbers DynamoDB's type system refuses, unicode keys and 20 levels of
// nesting read back as a JSON parser reads them; deeper nesting is a 422 at its place; and a
// rejected or failed initiate stores nothing at all.
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { expect } from 'chai';
import fc from 'fast-check';
import { clientJsonText } from '../../app/src/storage/item-values.js';
import { coachingTurn } from '../support/fake-answers.js';
import { initiate } from '../support/harness.js';
import { useApiWithFakeBedrock } from '../support/fixtures.js';

/** `{"a":{"a":…{"leaf":1}…}}`: `levels` objects, the outer one included. */
const nestedText = (levels: number) =>
  `${'{"a":'.repeat(levels - 1)}{"leaf":1}${'}'.repeat(levels - 1)}`;

/** As JSON text, since a JavaScript literal would already have rounded 9007199254740993. */
const awkwardJson =
  '{"big":1e16,"unsafe":9007199254740993,"tiny":1e-300,"huge":1.7976931348623157e308,' +
  '"ключ":"значение","emoji 🎯":["✓",null,true,-0.5],"deep":' +
  nestedText(19) +
  '}';

interface Conversation {
  messages: { role: string; content: string; metadata: Record<string, unknown> }[];
}

describe('client data', () => {
  const { api, fake } = useApiWithFakeBedrock();
  let token: string;

  before(async () => {
    token = await api.token('cleo', 'acme');
  });

  const post = (path: string, rawBody: string) =>
    api.request('POST', path, {
      token,
      rawBody,
      headers: { 'Content-Type': 'application/json' },
    });
  const read = async (id: string) =>
    (await api.request<Conversation>('GET', `/api/v1/conversations/${id}`, { token })).body;
  const ownRows = async () => ({
    conversations: (await api.items('conversations')).filter((i) => i.user_id === 'cleo'),
    sessions: (await api.items('coachingSessions')).filter((i) => i.user_id === 'cleo'),
    turns: await api.items('messages'),
  });

  it('when a message carries numbers DynamoDB refuses, unicode keys and 20 levels, then it reads back as a JSON parser reads it', async () => {
    const id = await initiate(api, token);
    const sent = await post(
      `/api/v1/conversations/${id}/message`,
      `{"user_message":"Honesty matters","metadata":${awkwardJson}}`,
    );
    expect(sent.status, sent.text).to.equal(200);
    const stored = (await read(id)).messages[1]!;
    expect(stored.content).to.equal('Honesty matters');
    expect(stored.metadata).to.deep.equal(JSON.parse(awkwardJson));
    expect(stored.metadata.unsafe).to.equal(9007199254740992);
  });

  it('when initiate carries such a context, then the conversation starts and the model sees the context as sent', async () => {
    const started = await post(
      '/api/v1/conversations/initiate',
      `{"topic":"purpose","context":${awkwardJson}}`,
    );
    expect(started.status, started.text).to.equal(201);
    fake.reset();
    fake.otherwise({ tool: coachingTurn() });
    const id = String(started.body.conversation_id);
    const sent = await post(`/api/v1/conversations/${id}/message`, '{"user_message":"Hello"}');
    expect(sent.status, sent.text).to.equal(200);
    const system = fake.requests[0]?.system?.map((s) => s.text).join('\n') ?? '';
    expect(system).to.contain(JSON.stringify(JSON.parse(awkwardJson)));
  });

  const tooDeep: [string, string, (string | number)[]][] = [
    ['21 levels', nestedText(21), ['a', ...Array<string>(19).fill('a')]],
    ['10,000 levels', nestedText(10_000), ['a', ...Array<string>(19).fill('a')]],
    [
      'a list 21 levels deep',
      `{"l":${'['.repeat(20)}${']'.repeat(20)}}`,
      ['l', ...Array(19).fill(0)],
    ],
  ];

  for (const [label, json, path] of tooDeep) {
    it(`when a context is nested ${label}, then initiate is 422 at that place and nothing is stored`, async () => {
      const before = await ownRows();
      const response = await post(
        '/api/v1/conversations/initiate',
        `{"topic":"goals","context":${json}}`,
      );
      expect(response.status, response.text).to.equal(422);
      expect(response.body.error).to.equal('validation_error');
      const [issue] = response.body.detail as { loc: unknown[]; type: string }[];
      expect(issue?.loc).to.deep.equal(['body', 'context', ...path]);
      expect(await ownRows()).to.deep.equal(before);
    });
  }

  it('when a message metadata is nested 21 levels, then it is 422 and the conversation is unchanged', async () => {
    const id = await initiate(api, token);
    const before = await read(id);
    const response = await post(
      `/api/v1/conversations/${id}/message`,
      `{"user_message":"Hi","metadata":${nestedText(21)}}`,
    );
    expect(response.status).to.equal(422);
    const [issue] = response.body.detail as { loc: unknown[] }[];
    expect(issue?.loc.slice(0, 2)).to.deep.equal(['body', 'metadata']);
    expect(await read(id)).to.deep.equal(before);
  });

  it('when an analysis context is nested 21 levels, then it is 422 naming the context', async () => {
    const response = await post(
      '/api/v1/analysis/alignment',
      `{"text_to_analyze":"We bake bread for the neighbourhood.","context":${nestedText(21)}}`,
    );
    expect(response.status).to.equal(422);
    const [issue] = response.body.detail as { loc: unknown[] }[];
    expect(issue?.loc.slice(0, 2)).to.deep.equal(['body', 'context']);
  });

  it('when a number is too large for a double (1e400), then it is 422 at the number', async () => {
    const id = await initiate(api, token);
    const response = await post(
      `/api/v1/conversations/${id}/message`,
      '{"user_message":"Hi","metadata":{"far":[1,1e400]}}',
    );
    expect(response.status).to.equal(422);
    const [issue] = response.body.detail as { loc: unknown[] }[];
    expect(issue?.loc).to.deep.equal(['body', 'metadata', 'far', 1]);
  });

  it('when storage keeps failing while initiating, then it is 503 and neither a session, an opening turn nor a conversation is left', async () => {
    const before = await ownRows();
    // Every attempt at the initiate's one write is throttled, the app's own retries included.
    let refused = 0;
    api.dynamo.client.middlewareStack.add(
      (next, context) => (args) => {
        if (context.commandName === 'TransactWriteItemsCommand') {
          refused++;
          throw Object.assign(new Error('throttled'), { name: 'ThrottlingException' });
        }
        return next(args);
      },
      { step: 'initialize', name: 'throttleInitiate' },
    );
    try {
      const response = await api.request('POST', '/api/v1/conversations/initiate', {
        token,
        body: { topic: 'vision' },
      });
      expect(response.status).to.equal(503);
    } finally {
      api.dynamo.client.middlewareStack.remove('throttleInitiate');
    }
    expect(refused).to.be.greaterThan(1);
    expect(await ownRows()).to.deep.equal(before);
  });

  it('when items were stored the older way (maps), then they read back and the conversation continues', async () => {
    const id = 'conv_maps_0001';
    await api.dynamo.doc.send(
      new PutCommand({
        TableName: api.config.tables.conversations,
        Item: {
          conversation_id: id,
          user_id: 'cleo',
          tenant_id: 'acme',
          topic: 'core_values',
          status: 'active',
          current_phase: 'exploration',
          user_turns: 1,
          turn_count: 1,
          message_count: 3,
          initial_context: { purpose: 'Bread for everyone' },
          recent_messages: [],
          created_at: '2026-01-01T00:00:00.000Z',
          updated_at: '2026-01-01T00:01:00.000Z',
        },
      }),
    );
    for (const [turn, messages] of [
      [
        0,
        [
          {
            role: 'assistant',
            content: 'Welcome',
            timestamp: '2026-01-01T00:00:00.000Z',
            metadata: {},
          },
        ],
      ],
      [
        1,
        [
          {
            role: 'user',
            content: 'Craft',
            timestamp: '2026-01-01T00:00:30.000Z',
            metadata: { via: 'app' },
          },
          {
            role: 'assistant',
            content: 'Tell me more',
            timestamp: '2026-01-01T00:01:00.000Z',
            metadata: {},
          },
        ],
      ],
    ] as const) {
      await api.dynamo.doc.send(
        new PutCommand({
          TableName: api.config.tables.messages,
          Item: { conversation_id: id, turn, messages },
        }),
      );
    }
    // The user's metadata as stored; the assistant's say who wrote them, which these never kept.
    const unrecorded = { model: null, prompt_version: null };
    expect((await read(id)).messages.map((m) => m.metadata)).to.deep.equal([
      unrecorded,
      { via: 'app' },
      unrecorded,
    ]);
    fake.reset();
    fake.otherwise({ tool: coachingTurn() });
    const sent = await post(`/api/v1/conversations/${id}/message`, '{"user_message":"And care"}');
    expect(sent.status, sent.text).to.equal(200);
    expect(fake.requests[0]?.system?.[0]?.text).to.contain('Bread for everyone');
    expect((await read(id)).messages).to.have.length(5);
  });

  describe('its stored text', () => {
    it('when any JSON value is stored, then the text parses back to it and is never longer than JSON.stringify gives', () => {
      fc.assert(
        fc.property(fc.jsonValue(), (value) => {
          const text = clientJsonText(value);
          expect(JSON.parse(text)).to.deep.equal(JSON.parse(JSON.stringify(value)));
          expect(text.length).to.be.at.most(JSON.stringify(value).length);
        }),
        { numRuns: 2000 },
      );
    });

    it('when a client writes a number in any of its forms, then the stored text is no longer than that form', () => {
      fc.assert(
        fc.property(
          fc.double({ noNaN: true, noDefaultInfinity: true }),
          fc.integer({ min: 1, max: 17 }),
          (n, digits) => {
            const text = clientJsonText(n);
            expect(Number(text)).to.equal(n);
            for (const form of [
              String(n),
              n.toExponential(),
              n.toPrecision(digits),
              n.toExponential(digits - 1),
            ]) {
              if (Number(form) === n) expect(text.length, form).to.be.at.most(form.length);
            }
          },
        ),
        { numRuns: 5000 },
      );
      expect(clientJsonText(JSON.parse('[1e20,12e3,1e-300,0.001]'))).to.equal(
        '[1e20,12e3,1e-300,1e-3]',
      );
    });
  });
});

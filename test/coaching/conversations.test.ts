import { expect } from 'chai';
import { initiate, sendMessage } from '../support/harness.js';
import { useApi } from '../support/fixtures.js';

interface TurnBody {
  conversation_id: string;
  ai_response: string;
  follow_up_question: string | null;
  current_phase: string;
  progress: number;
  is_complete: boolean;
  insights: string[];
  identified_values: string[];
  next_steps: string[] | null;
}

interface ConversationBody {
  conversation_id: string;
  status: string;
  current_phase: string;
  progress: number;
  messages: {
    role: string;
    content: string;
    timestamp: string;
    metadata: Record<string, unknown>;
  }[];
  insights: string[];
  identified_values: string[];
  completed_at: string | null;
  updated_at: string;
  metadata: Record<string, unknown>;
}

interface ListBody {
  conversations: {
    conversation_id: string;
    status: string;
    message_count: number;
    topic: string;
  }[];
  total: number;
  page: number;
  page_size: number;
  has_more: boolean;
  next_cursor: string | null;
}

describe('conversations', () => {
  const { api } = useApi();
  let alice: string;

  before(async () => {
    alice = await api.token('alice', 'acme');
  });

  const send = (id: string, text: string, token = alice, headers: Record<string, string> = {}) =>
    sendMessage<TurnBody>(api, token, id, text, headers);
  const read = (id: string, token = alice) =>
    api.request<ConversationBody>('GET', `/api/v1/conversations/${id}`, { token });

  describe('POST /api/v1/conversations/initiate', () => {
    it('when a user starts a topic, then it answers 201 with the opening message and a Location', async () => {
      const response = await api.request('POST', '/api/v1/conversations/initiate', {
        token: alice,
        body: { topic: 'purpose', language: ' EN ' },
      });
      expect(response.status).to.equal(201);
      const body = response.body;
      expect(body.conversation_id).to.match(/^conv_[0-9a-f]{32}$/);
      expect(response.headers.get('location')).to.equal(
        `/api/v1/conversations/${String(body.conversation_id)}`,
      );
      expect(body).to.include({
        user_id: 'alice',
        tenant_id: 'acme',
        topic: 'purpose',
        status: 'active',
        current_phase: 'introduction',
        progress: 0.1,
      });
      expect(body.initial_message).to.be.a('string').with.length.above(20);
      expect(Date.parse(String(body.created_at))).to.be.closeTo(Date.now(), 60_000);
    });

    it('when the language is blank or absent, then the conversation is in English', async () => {
      for (const body of [{ topic: 'vision' }, { topic: 'vision', language: '  ' }]) {
        const created = await api.request('POST', '/api/v1/conversations/initiate', {
          token: alice,
          body,
        });
        expect(created.status).to.equal(201);
        const { GetCommand } = await import('@aws-sdk/lib-dynamodb');
        const item = await api.dynamo.doc.send(
          new GetCommand({
            TableName: api.config.tables.conversations,
            Key: { conversation_id: created.body.conversation_id },
          }),
        );
        expect(item.Item?.language).to.equal('en');
      }
    });

    for (const topic of ['core_values', 'purpose', 'vision', 'goals']) {
      it(`when the topic is ${topic}, then the opening message is that topic's template's`, async () => {
        const response = await api.request('POST', '/api/v1/conversations/initiate', {
          token: alice,
          body: { topic },
        });
        expect(response.status).to.equal(201);
        expect(response.body.topic).to.equal(topic);
        expect(response.body.initial_message).to.not.include('\n');
      });
    }
  });

  describe('GET /api/v1/conversations/{id}', () => {
    it('when a conversation is read back, then the opening message comes first and nothing is completed', async () => {
      const id = await initiate(api, alice);
      const response = await read(id);
      expect(response.status).to.equal(200);
      expect(response.body.messages.map((m) => m.role)).to.deep.equal(['assistant']);
      expect(response.body).to.include({
        status: 'active',
        current_phase: 'introduction',
        completed_at: null,
      });
      expect(response.body.metadata).to.not.have.any.keys('feedback', 'rating', 'pause_reason');
    });

    it('when several messages were sent, then the history holds every turn in order', async () => {
      const id = await initiate(api, alice);
      for (const text of ['first answer', 'second answer', 'third answer']) {
        expect((await send(id, text)).status).to.equal(200);
      }
      const { body } = await read(id);
      expect(body.messages.map((m) => m.role)).to.deep.equal([
        'assistant',
        'user',
        'assistant',
        'user',
        'assistant',
        'user',
        'assistant',
      ]);
      expect(body.messages.filter((m) => m.role === 'user').map((m) => m.content)).to.deep.equal([
        'first answer',
        'second answer',
        'third answer',
      ]);
      const times = body.messages.map((m) => Date.parse(m.timestamp));
      expect([...times].sort((a, b) => a - b)).to.deep.equal(times);
    });
  });

  describe('POST /api/v1/conversations/{id}/message', () => {
    it('when the user answers, then the coach replies, reflects the answer and names values from it', async () => {
      const id = await initiate(api, alice);
      const response = await send(id, '  I care about honesty and my family more than anything.  ');
      expect(response.status).to.equal(200);
      const body = response.body;
      expect(body.conversation_id).to.equal(id);
      expect(body.ai_response).to.include('I care about honesty and my family');
      expect(body.identified_values).to.include.members(['Integrity', 'Family']);
      expect(body).to.include({ current_phase: 'exploration', progress: 0.3, is_complete: false });
      expect(body.follow_up_question).to.be.a('string');
      expect(body.next_steps).to.equal(null);
      const stored = await read(id);
      expect(stored.body.messages[1]?.content).to.equal(
        'I care about honesty and my family more than anything.',
      );
      expect(stored.body.identified_values).to.deep.equal(body.identified_values);
    });

    it('when answers accumulate, then the phase moves forward at 1, 5 and 8 answers, then to validation when the result is proposed', async () => {
      const id = await initiate(api, alice);
      const phases: string[] = [];
      const answers = [
        'Honesty matters to me',
        'I love learning new things',
        'My family comes first',
        'I like to build things',
        'Helping my community',
        'Winning with my team',
        'Freedom to choose my path',
        'Doing excellent work',
        'Keeping my word',
      ];
      for (const answer of answers) phases.push((await send(id, answer)).body.current_phase);
      expect(phases).to.deep.equal([
        'exploration',
        'exploration',
        'exploration',
        'exploration',
        'deepening',
        'deepening',
        'deepening',
        'synthesis',
        'validation',
      ]);
      const { body } = await read(id);
      expect(body.identified_values.length).to.be.at.least(5);
    });

    it('when the user confirms the proposed result, then the turn is complete with next steps and the status stays active', async () => {
      const id = await initiate(api, alice);
      for (const answer of ['honesty', 'learning', 'family', 'a', 'b', 'c', 'd', 'e', 'f']) {
        await send(id, answer);
      }
      const agreed = await send(id, 'Yes, that is exactly right.');
      expect(agreed.status).to.equal(200);
      expect(agreed.body).to.include({
        current_phase: 'completion',
        progress: 1,
        is_complete: true,
      });
      expect(agreed.body.next_steps).to.be.an('array').with.length.above(0);
      expect((await read(id)).body.status).to.equal('active');
      const after = await send(id, 'One more thought about this.');
      expect(after.status).to.equal(200);
      expect(after.body.current_phase).to.equal('completion');
    });
  });

  describe('GET /api/v1/conversations', () => {
    let lister: string;
    const ids: string[] = [];

    before(async () => {
      lister = await api.token('lister', 'acme');
      for (let i = 0; i < 5; i++)
        ids.push(await initiate(api, lister, i % 2 === 0 ? 'vision' : 'goals'));
      await api.request('POST', `/api/v1/conversations/${ids[0]}/pause`, { token: lister });
    });

    it('when listing, then the caller sees their own conversations newest first with a real total', async () => {
      const response = await api.request<ListBody>('GET', '/api/v1/conversations', {
        token: lister,
      });
      expect(response.status).to.equal(200);
      expect(response.body.conversations.map((c) => c.conversation_id)).to.deep.equal(
        [...ids].reverse(),
      );
      expect(response.body).to.include({
        total: 5,
        page: 1,
        page_size: 20,
        has_more: false,
        next_cursor: null,
      });
      expect(response.body.conversations[0]).to.include({ message_count: 1 });
    });

    it('when the path has a trailing slash, then it lists the same', async () => {
      const response = await api.request<ListBody>('GET', '/api/v1/conversations/', {
        token: lister,
      });
      expect(response.status).to.equal(200);
      expect(response.body.total).to.equal(5);
    });

    it('when paging by page number, then has_more is true exactly while a later page has items', async () => {
      const pages = [];
      for (const page of [1, 2, 3, 4]) {
        pages.push(
          (
            await api.request<ListBody>('GET', `/api/v1/conversations?page=${page}&page_size=2`, {
              token: lister,
            })
          ).body,
        );
      }
      expect(pages.map((p) => p.conversations.length)).to.deep.equal([2, 2, 1, 0]);
      expect(pages.map((p) => p.has_more)).to.deep.equal([true, true, false, false]);
      expect(pages.every((p) => p.total === 5)).to.equal(true);
      expect(pages.flatMap((p) => p.conversations.map((c) => c.conversation_id))).to.deep.equal(
        [...ids].reverse(),
      );
    });

    it('when paging by cursor, then every conversation comes exactly once and the last page has no cursor', async () => {
      const seen: string[] = [];
      let cursor: string | null = null;
      let calls = 0;
      do {
        const query: string = `page_size=2${cursor ? `&cursor=${cursor}` : ''}`;
        const { body }: { body: ListBody } = await api.request<ListBody>(
          'GET',
          `/api/v1/conversations?${query}`,
          {
            token: lister,
          },
        );
        seen.push(...body.conversations.map((c) => c.conversation_id));
        expect(body.has_more).to.equal(body.next_cursor !== null);
        cursor = body.next_cursor;
        calls++;
      } while (cursor && calls < 10);
      expect(seen).to.deep.equal([...ids].reverse());
      expect(calls).to.equal(3);
    });

    it('when a cursor is given, then page is ignored, whatever it says: the same page comes back', async () => {
      const first = await api.request<ListBody>('GET', '/api/v1/conversations?page_size=2', {
        token: lister,
      });
      const cursor = encodeURIComponent(first.body.next_cursor ?? '');
      const plain = await api.request<ListBody>(
        'GET',
        `/api/v1/conversations?page_size=2&cursor=${cursor}`,
        { token: lister },
      );
      expect(plain.status).to.equal(200);
      for (const page of ['0', '3', 'abc', '-1']) {
        const response = await api.request<ListBody>(
          'GET',
          `/api/v1/conversations?page_size=2&cursor=${cursor}&page=${page}`,
          { token: lister },
        );
        expect(response.status, page).to.equal(200);
        expect(response.body, page).to.deep.equal(plain.body);
      }
    });

    it('when active_only is spelled True, yes or on, then it is true; False, no or off, false', async () => {
      for (const [spelling, total] of [
        ['True', 4],
        ['yes', 4],
        ['ON', 4],
        ['False', 5],
        ['no', 5],
        ['off', 5],
      ] as const) {
        const { status, body } = await api.request<ListBody>(
          'GET',
          `/api/v1/conversations?active_only=${spelling}`,
          { token: lister },
        );
        expect(status, spelling).to.equal(200);
        expect(body.total, spelling).to.equal(total);
      }
    });

    it('when active_only is set, then paused conversations are left out of the items and the total', async () => {
      const { body } = await api.request<ListBody>(
        'GET',
        '/api/v1/conversations?active_only=true',
        { token: lister },
      );
      expect(body.total).to.equal(4);
      expect(body.conversations.map((c) => c.conversation_id)).to.not.include(ids[0]);
      expect(body.conversations.every((c) => c.status === 'active')).to.equal(true);
    });

    it('when a query parameter is given twice, then 422 names it once, saying so', async () => {
      for (const query of ['page_size=1&page_size=2', 'active_only=true&active_only=false']) {
        const response = await api.request('GET', `/api/v1/conversations?${query}`, {
          token: lister,
        });
        const name = query.split('=')[0];
        expect(response.status, query).to.equal(422);
        expect(response.body.detail, query).to.deep.equal([
          { loc: ['query', name], msg: 'Given more than once: give it once', type: 'value_error' },
        ]);
      }
    });

    it('when a page number is past the largest safe integer, then one issue names it, not one a check', async () => {
      const response = await api.request(
        'GET',
        '/api/v1/conversations?page=999999999999999999999',
        {
          token: lister,
        },
      );
      expect(response.status).to.equal(422);
      const detail = response.body.detail as { loc: unknown[] }[];
      expect(detail.map((issue) => issue.loc)).to.deep.equal([['query', 'page']]);
    });

    it('when the cursor is not one this API wrote, then it is a 422 naming the cursor', async () => {
      const response = await api.request('GET', '/api/v1/conversations?cursor=not-a-cursor', {
        token: lister,
      });
      expect(response.status).to.equal(422);
      expect(response.body.detail).to.deep.equal([
        { loc: ['query', 'cursor'], msg: 'Not a cursor from this API', type: 'value_error' },
      ]);
    });

    for (const [query, field] of [
      ['page=0', 'page'],
      ['page_size=101', 'page_size'],
      ['page_size=0', 'page_size'],
      ['active_only=maybe', 'active_only'],
      ['page=abc', 'page'],
    ] as const) {
      it(`when the query has ${query}, then it is a 422 naming ${field}`, async () => {
        const response = await api.request<{ detail: { loc: string[] }[] }>(
          'GET',
          `/api/v1/conversations?${query}`,
          {
            token: lister,
          },
        );
        expect(response.status).to.equal(422);
        expect(response.body.detail[0]?.loc).to.deep.equal(['query', field]);
      });
    }
  });

  describe('pause, resume and complete', () => {
    it('when pausing, resuming and completing, then each answers 204 and the status follows', async () => {
      const id = await initiate(api, alice);
      const post = (action: string, body?: unknown) =>
        api.request('POST', `/api/v1/conversations/${id}/${action}`, { token: alice, body });

      expect((await post('pause', { reason: 'lunch' })).status).to.equal(204);
      expect((await read(id)).body.status).to.equal('paused');
      expect((await post('pause')).status).to.equal(204);
      expect((await read(id)).body.metadata).to.include({ pause_reason: 'lunch' });

      expect((await post('resume')).status).to.equal(204);
      expect((await read(id)).body.status).to.equal('active');
      expect((await post('resume')).status).to.equal(204);

      expect((await post('complete', { feedback: 'helpful', rating: 5 })).status).to.equal(204);
      const completed = (await read(id)).body;
      expect(completed.status).to.equal('completed');
      expect(Date.parse(String(completed.completed_at))).to.be.closeTo(Date.now(), 60_000);
      expect(completed.metadata).to.include({ feedback: 'helpful', rating: 5 });
    });

    it('when a paused conversation gets a message, then it is 409 conversation_not_active and nothing is stored', async () => {
      const id = await initiate(api, alice);
      await api.request('POST', `/api/v1/conversations/${id}/pause`, { token: alice });
      const response = await send(id, 'hello');
      expect(response.status).to.equal(409);
      expect(response.body).to.include({
        error: 'conversation_not_active',
        current_status: 'paused',
      });
      expect((await read(id)).body.messages).to.have.length(1);
    });

    it('when a paused conversation is completed, then it is completed', async () => {
      const id = await initiate(api, alice);
      await api.request('POST', `/api/v1/conversations/${id}/pause`, { token: alice });
      expect(
        (await api.request('POST', `/api/v1/conversations/${id}/complete`, { token: alice }))
          .status,
      ).to.equal(204);
      expect((await read(id)).body.status).to.equal('completed');
    });

    for (const action of ['pause', 'resume', 'complete', 'message']) {
      it(`when a completed conversation is asked to ${action}, then it is 409 with its current status`, async () => {
        const id = await initiate(api, alice);
        await api.request('POST', `/api/v1/conversations/${id}/complete`, { token: alice });
        const before = (await read(id)).body;
        const response = await api.request('POST', `/api/v1/conversations/${id}/${action}`, {
          token: alice,
          body: action === 'message' ? { user_message: 'hi' } : undefined,
        });
        expect(response.status).to.equal(409);
        expect(response.body).to.include({
          error: 'conversation_not_active',
          current_status: 'completed',
        });
        expect((await read(id)).body).to.deep.equal(before);
      });
    }

    for (const [action, body, field] of [
      ['pause', { reason: 'x'.repeat(501) }, 'reason'],
      ['complete', { feedback: 'x'.repeat(1001) }, 'feedback'],
      ['complete', { rating: 6 }, 'rating'],
      ['complete', { rating: 2.5 }, 'rating'],
      ['complete', { rating: '5' }, 'rating'],
    ] as const) {
      it(`when ${action} gets ${JSON.stringify(body).slice(0, 40)}, then it is 422 and the status is unchanged`, async () => {
        const id = await initiate(api, alice);
        const response = await api.request<{ detail: { loc: string[] }[] }>(
          'POST',
          `/api/v1/conversations/${id}/${action}`,
          {
            token: alice,
            body,
          },
        );
        expect(response.status).to.equal(422);
        expect(response.body.detail[0]?.loc).to.deep.equal(['body', field]);
        expect((await read(id)).body.status).to.equal('active');
      });
    }
  });

  describe('DELETE /api/v1/conversations/{id}', () => {
    it('when a conversation is erased, then it and its messages are gone, a later read is 404, and what is left of its turns holds no text', async () => {
      const id = await initiate(api, alice);
      await send(id, 'something personal');
      const response = await api.request('DELETE', `/api/v1/conversations/${id}`, { token: alice });
      expect(response.status).to.equal(204);
      expect(response.text).to.equal('');
      expect((await read(id)).status).to.equal(404);
      expect(
        (await api.request('DELETE', `/api/v1/conversations/${id}`, { token: alice })).status,
      ).to.equal(404);
      const { QueryCommand } = await import('@aws-sdk/lib-dynamodb');
      const left = await api.dynamo.doc.send(
        new QueryCommand({
          TableName: api.config.tables.messages,
          KeyConditionExpression: 'conversation_id = :c',
          ExpressionAttributeValues: { ':c': id },
        }),
      );
      // Tombstones, so a turn still in flight cannot write after the erasure; they expire by TTL.
      expect(left.Count).to.equal(3);
      for (const item of left.Items ?? []) {
        expect(Object.keys(item).sort()).to.deep.equal([
          'conversation_id',
          'erased_at',
          'expire_at',
          'lease_seq',
          'turn',
        ]);
      }
      const conversations = await api.items('conversations');
      expect(conversations.filter((c) => c.conversation_id === id)).to.deep.equal([]);
    });
  });
});

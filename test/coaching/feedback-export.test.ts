// The feedback export over HTTP: a tenant's feedback newest first for its tenant admin (any
// tenant's for a platform admin), with each answer's model and prompt version, its text only
// with include_text, filters, a cursor that reads each item once, every bad parameter refused,
// and a deleted conversation's feedback gone from it.
import { expect } from 'chai';
import { useApi } from '../support/fixtures.js';
import { initiate } from '../support/harness.js';
import { putOriginalConversation } from '../support/original-conversation.js';

interface Item {
  conversation_id: string;
  message_id: string;
  topic: string;
  rating: string;
  tags: string[];
  comment: string | null;
  updated_at: string;
  model: string | null;
  prompt_version: { key: string; version_id: string } | null;
  ai_response?: string;
  user_message?: string | null;
}
interface Page {
  items: Item[];
  next_cursor: string | null;
  error?: string;
  detail?: { loc: (string | number)[] }[];
}
interface HistoryMessage {
  message_id: string;
  role: string;
  content: string;
}

let tenants = 0;

describe('the feedback export', () => {
  const { api } = useApi();

  /** A tenant of its own: its admin, two users, and a way to rate their answers. */
  async function tenant() {
    const name = `export-${++tenants}`;
    const admin = await api.token('boss', name, { roles: ['tenant_admin'] });
    const users = [await api.token('ann', name), await api.token('ben', name)];
    return { name, admin, users };
  }
  const exported = (token: string, query = '') =>
    api.request<Page>('GET', `/api/v1/admin/feedback${query}`, { token });
  const history = async (token: string, id: string) =>
    (
      await api.request<{ messages: HistoryMessage[] }>('GET', `/api/v1/conversations/${id}`, {
        token,
      })
    ).body.messages;
  /** A conversation on `topic` with one answered turn; its history. */
  async function answered(token: string, topic = 'core_values', text = 'Honesty matters.') {
    const id = await initiate(api, token, topic);
    const sent = await api.request('POST', `/api/v1/conversations/${id}/message`, {
      token,
      body: { user_message: text },
    });
    expect(sent.status).to.equal(200);
    return { id, messages: await history(token, id) };
  }
  const rate = async (token: string, id: string, messageId: string, body: unknown) => {
    const given = await api.request(
      'PUT',
      `/api/v1/conversations/${id}/messages/${messageId}/feedback`,
      { token, body },
    );
    expect(given.status, given.text).to.equal(204);
  };

  it('when a tenant admin exports, then each rated answer of the tenant comes newest first with its model, and no text without include_text', async () => {
    const t = await tenant();
    const other = await tenant();
    const first = await answered(t.users[0]!);
    const second = await answered(t.users[1]!, 'purpose');
    const elsewhere = await answered(other.users[0]!);
    await rate(t.users[0]!, first.id, first.messages[2]!.message_id, {
      rating: 'down',
      tags: ['too_long'],
      comment: 'Shorter, please',
    });
    await rate(t.users[1]!, second.id, second.messages[0]!.message_id, { rating: 'up' });
    await rate(other.users[0]!, elsewhere.id, elsewhere.messages[2]!.message_id, { rating: 'up' });

    const page = await exported(t.admin);
    expect(page.status).to.equal(200);
    expect(page.body.next_cursor).to.equal(null);
    expect(page.body.items.map((i) => i.message_id)).to.deep.equal([
      second.messages[0]!.message_id,
      first.messages[2]!.message_id,
    ]);
    const [opening, answer] = page.body.items;
    expect(answer).to.deep.include({
      conversation_id: first.id,
      topic: 'core_values',
      rating: 'down',
      tags: ['too_long'],
      comment: 'Shorter, please',
      model: 'offline',
    });
    expect(opening).to.deep.include({
      conversation_id: second.id,
      topic: 'purpose',
      comment: null,
    });
    expect(opening!.updated_at >= answer!.updated_at).to.equal(true);
    for (const item of page.body.items) {
      expect(item).not.to.have.any.keys('ai_response', 'user_message');
      // The template version that wrote each rated answer, as its metadata recorded it.
      expect(item.prompt_version?.key).to.equal(`coaching/${item.topic}`);
      expect(item.prompt_version?.version_id).to.be.a('string').and.not.equal('');
    }
  });

  it('when include_text is true, then each item adds the rated answer and the user message it answered (none for the opening)', async () => {
    const t = await tenant();
    const { id, messages } = await answered(t.users[0]!, 'vision', 'A quiet studio by the sea.');
    await rate(t.users[0]!, id, messages[2]!.message_id, { rating: 'up' });
    await rate(t.users[0]!, id, messages[0]!.message_id, { rating: 'down' });
    const page = await exported(t.admin, '?include_text=true');
    expect(page.status).to.equal(200);
    expect(page.body.items.map((i) => [i.ai_response, i.user_message])).to.deep.equal([
      [messages[0]!.content, null],
      [messages[2]!.content, 'A quiet studio by the sea.'],
    ]);
  });

  it('when filtered by rating, topic and time, then only what matches comes back', async () => {
    const t = await tenant();
    const values = await answered(t.users[0]!, 'core_values');
    const goals = await answered(t.users[0]!, 'goals');
    await rate(t.users[0]!, values.id, values.messages[2]!.message_id, { rating: 'down' });
    await rate(t.users[0]!, goals.id, goals.messages[2]!.message_id, { rating: 'up' });
    const ids = async (query: string) => {
      const page = await exported(t.admin, query);
      expect(page.status, page.text).to.equal(200);
      return page.body.items.map((i) => i.conversation_id);
    };
    expect(await ids('?rating=down')).to.deep.equal([values.id]);
    expect(await ids('?topic=goals')).to.deep.equal([goals.id]);
    expect(await ids('?topic=goals&rating=down')).to.deep.equal([]);
    const today = new Date().toISOString().slice(0, 10);
    expect(await ids(`?from=${today}&to=${today}`)).to.have.members([values.id, goals.id]);
    expect(await ids('?to=2020-01-01')).to.deep.equal([]);
    expect(await ids('?from=2999-01-01T00:00:00%2B02:00')).to.deep.equal([]);
  });

  it('when read page by page, then every item comes exactly once, newest first, and the last page has no cursor', async () => {
    const t = await tenant();
    const rated: string[] = [];
    for (let i = 0; i < 5; i++) {
      const { id, messages } = await answered(t.users[i % 2]!);
      await rate(t.users[i % 2]!, id, messages[2]!.message_id, { rating: i % 2 ? 'up' : 'down' });
      rated.unshift(messages[2]!.message_id);
    }
    const read: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = `?page_size=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const page = await exported(t.admin, query);
      expect(page.status, page.text).to.equal(200);
      expect(page.body.items.length).to.be.at.most(2);
      read.push(...page.body.items.map((i) => i.message_id));
      cursor = page.body.next_cursor;
      pages++;
    } while (cursor && pages < 10);
    expect(read).to.deep.equal(rated);
    expect(pages).to.equal(3);
    // With a filter, the pages are of what matches.
    const downs = await exported(t.admin, '?rating=down&page_size=2');
    expect(downs.body.items).to.have.length(2);
    const rest = await exported(
      t.admin,
      `?rating=down&page_size=2&cursor=${encodeURIComponent(downs.body.next_cursor ?? '')}`,
    );
    expect(rest.body.items).to.have.length(1);
    expect(rest.body.next_cursor).to.equal(null);
  });

  it('when feedback is taken back, replaced or its conversation deleted, then the export follows', async () => {
    const t = await tenant();
    const kept = await answered(t.users[0]!);
    const deleted = await answered(t.users[0]!);
    const taken = await answered(t.users[0]!);
    await rate(t.users[0]!, kept.id, kept.messages[2]!.message_id, { rating: 'down' });
    await rate(t.users[0]!, kept.id, kept.messages[2]!.message_id, { rating: 'up', tags: ['ok'] });
    await rate(t.users[0]!, deleted.id, deleted.messages[2]!.message_id, { rating: 'down' });
    await rate(t.users[0]!, taken.id, taken.messages[2]!.message_id, { rating: 'down' });
    const removed = await api.request(
      'DELETE',
      `/api/v1/conversations/${taken.id}/messages/${taken.messages[2]!.message_id}/feedback`,
      { token: t.users[0] },
    );
    expect(removed.status).to.equal(204);
    const erased = await api.request('DELETE', `/api/v1/conversations/${deleted.id}`, {
      token: t.users[0],
    });
    expect(erased.status).to.equal(204);
    const page = await exported(t.admin);
    expect(page.body.items).to.have.length(1);
    expect(page.body.items[0]).to.deep.include({
      conversation_id: kept.id,
      rating: 'up',
      tags: ['ok'],
    });
  });

  it('when an answer stored by the original service is rated, then the export names it with its texts', async () => {
    const t = await tenant();
    const legacyId = `conv_export_legacy_${tenants}`;
    await putOriginalConversation(api, {
      conversationId: legacyId,
      userId: 'ann',
      tenantId: t.name,
      status: 'completed',
    });
    await rate(t.users[0]!, legacyId, 'msg_i2', { rating: 'up' });
    const page = await exported(t.admin, '?include_text=true');
    expect(page.body.items).to.have.length(1);
    expect(page.body.items[0]).to.deep.include({
      conversation_id: legacyId,
      message_id: 'msg_i2',
      model: null,
      ai_response: 'Tell me more',
      user_message: 'I value honesty',
    });
  });

  describe('who may read which tenant', () => {
    it('when a caller has no admin role, then it is 403 naming the roles', async () => {
      const t = await tenant();
      const refused = await exported(t.users[0]!);
      expect(refused.status).to.equal(403);
      expect(refused.body).to.include({ error: 'permission_denied' });
    });

    it('when a tenant admin names another tenant, then it is 403; a platform admin reads it', async () => {
      const t = await tenant();
      const { id, messages } = await answered(t.users[0]!);
      await rate(t.users[0]!, id, messages[2]!.message_id, { rating: 'up' });
      const outsider = await tenant();
      const query = `?tenant_id=${encodeURIComponent(t.name)}`;
      expect((await exported(outsider.admin, query)).status).to.equal(403);
      const platform = await api.token('ops', 'platform', { roles: ['platform_admin'] });
      const page = await exported(platform, query);
      expect(page.status).to.equal(200);
      expect(page.body.items.map((i) => i.conversation_id)).to.deep.equal([id]);
      expect((await exported(platform)).body.items, 'its own tenant has none').to.deep.equal([]);
    });
  });

  describe('bad parameters', () => {
    const cases: [string, string, string][] = [
      ['from is not a date', '?from=yesterday', 'from'],
      ['from is a day the calendar lacks', '?from=2026-02-30', 'from'],
      ['to has no offset', '?to=2026-11-30T12:00:00', 'to'],
      ['to is before from', '?from=2026-11-30&to=2026-11-01', 'to'],
      ['topic is unknown', '?topic=cooking', 'topic'],
      ['rating is not up or down', '?rating=meh', 'rating'],
      ['page_size is 0', '?page_size=0', 'page_size'],
      ['page_size is 101', '?page_size=101', 'page_size'],
      ['page_size is abc', '?page_size=abc', 'page_size'],
      ['include_text is maybe', '?include_text=maybe', 'include_text'],
      ['the cursor is not one the service wrote', '?cursor=bm90LWEtY3Vyc29y', 'cursor'],
    ];
    for (const [what, query, field] of cases) {
      it(`when ${what}, then it is 422 naming ${field}`, async () => {
        const t = await tenant();
        const refused = await exported(t.admin, query);
        expect(refused.status, refused.text).to.equal(422);
        expect(refused.body.error).to.equal('validation_error');
        expect(refused.body.detail?.[0]?.loc).to.deep.equal(['query', field]);
      });
    }

    it('when a cursor written for another tenant, or outside the bounds asked, is sent, then it is 422 naming the cursor', async () => {
      const t = await tenant();
      for (let i = 0; i < 2; i++) {
        const { id, messages } = await answered(t.users[0]!);
        await rate(t.users[0]!, id, messages[2]!.message_id, { rating: 'up' });
      }
      const cursor = (await exported(t.admin, '?page_size=1')).body.next_cursor;
      expect(cursor).to.be.a('string');
      const other = await tenant();
      const encoded = encodeURIComponent(cursor ?? '');
      for (const [token, query] of [
        [other.admin, `?cursor=${encoded}`],
        [t.admin, `?cursor=${encoded}&to=2020-01-01`],
      ] as const) {
        const refused = await exported(token, query);
        expect(refused.status).to.equal(422);
        expect(refused.body.detail?.[0]?.loc).to.deep.equal(['query', 'cursor']);
      }
    });
  });
});

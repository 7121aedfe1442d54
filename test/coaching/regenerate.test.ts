// Regenerating the last answer over HTTP, with a fake Bedrock scripted turn by turn: the new
// answer replaces the old one and the conversation is exactly as if the replaced answer had
// never been given (compared with a twin conversation that got the new answer in the first
// place, down to the prompt the model is sent); the replaced answer's feedback goes with it, and
// its keys replay the turn's new answer; the three deliveries; and every refusal the contract names, with nothing stored.
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { expect } from 'chai';
import { createEmfMetrics } from '../../app/src/observability/metrics-emf.js';
import { REGENERATE_KEYS_KEPT } from '../../app/src/storage/conversation-turns.js';
import { recordsOf } from '../support/emf-records.js';
import { openEventStream } from '../support/event-stream.js';
import { coachingTurn } from '../support/fake-answers.js';
import { useApiWithFakeBedrock } from '../support/fixtures.js';
import { initiate, type Response } from '../support/harness.js';
import { putOriginalConversation } from '../support/original-conversation.js';

interface Turn {
  conversation_id: string;
  message_id: string;
  ai_response: string;
  current_phase: string;
  progress: number;
  is_complete: boolean;
  insights: string[];
  identified_values: string[];
}

/** An error's envelope, as far as these tests read it. */
interface Refusal {
  error?: string;
  message?: string;
}

interface HistoryMessage {
  message_id: string;
  role: string;
  content: string;
  timestamp: string;
  metadata: Record<string, unknown>;
  feedback: { rating: string } | null;
}

interface Conversation {
  status: string;
  current_phase: string;
  progress: number;
  insights: string[];
  identified_values: string[];
  messages: HistoryMessage[];
}

/** Turn `i`'s answer: a value and an insight of its own, so that the lists grow each turn. */
const answer = (i: number, overrides: Record<string, unknown> = {}) => ({
  tool: coachingTurn({
    ai_response: `Answer ${i}`,
    insights: [`insight ${i}`],
    identified_values: [`value ${i}`],
    ...overrides,
  }),
});

/** Past the synthesis threshold (8 answers) with the window full (12 messages). */
const EARLIER = 7;
/** An answer the user agreed to: the phase moves on to validation, the status sticks. */
const agreed = answer(100, {
  result_status: 'agreed',
  insights: ['insight agreed'],
  identified_values: ['value agreed'],
});
const replacement = answer(200, { insights: ['insight new'], identified_values: ['value new'] });

describe('regenerating the last answer', () => {
  const lines: string[] = [];
  const metrics = createEmfMetrics({ stage: 'test', write: (line) => lines.push(line) });
  const { api, fake } = useApiWithFakeBedrock({ overrides: { metrics } });
  let token: string;

  before(async () => {
    token = await api.token('rae', 'acme');
  });

  const path = (id: string) => `/api/v1/conversations/${id}`;
  const send = (id: string, text: string, headers: Record<string, string> = {}) =>
    api.request<Turn>('POST', `${path(id)}/message`, {
      token,
      body: { user_message: text, metadata: { sent: text } },
      headers,
    });
  const regenerate = (id: string, headers: Record<string, string> = {}, as = token) =>
    api.request<Turn & Refusal>('POST', `${path(id)}/regenerate`, { token: as, headers });
  const read = async (id: string) => {
    const response = await api.request<Conversation>('GET', path(id), { token });
    expect(response.status).to.equal(200);
    return response.body;
  };
  const turnItems = async (id: string) =>
    (await api.items('messages')).filter((i) => i.conversation_id === id);
  const conversationItem = async (id: string) =>
    (await api.items('conversations')).find((i) => i.conversation_id === id);

  /** A conversation with `count` scripted answers. */
  async function conversationWith(count: number): Promise<string> {
    const id = await initiate(api, token);
    for (let i = 0; i < count; i++) {
      fake.script(answer(i));
      expect((await send(id, `Message ${i}`)).status, `turn ${i}`).to.equal(200);
    }
    return id;
  }

  /**
   * The conversation item and its turns, but for the lease counter (every lease taken moves its
   * fencing number on, also one let go unused).
   */
  const stored = async (id: string) => {
    const { lease_seq: _fence, ...item } = (await conversationItem(id)) ?? {};
    return { item, turns: await turnItems(id) };
  };

  /** Expects the error envelope; then the conversation as stored, to compare with before. */
  async function refusedWithNothingStored(
    id: string,
    response: Response<Refusal>,
    status: number,
    code: string,
  ) {
    expect(response.status).to.equal(status);
    expect(response.body.error).to.equal(code);
    return stored(id);
  }

  it('when the last answer is regenerated, then the conversation is exactly as if the new answer had been the first: state, history and the prompt the model saw', async () => {
    const twin = await conversationWith(EARLIER);
    const id = await conversationWith(EARLIER);
    fake.script(replacement);
    const direct = await send(twin, 'The last message');
    expect(direct.status).to.equal(200);
    fake.script(agreed);
    const replaced = await send(id, 'The last message');
    expect(replaced.body.current_phase).to.equal('validation');
    expect(direct.body.current_phase).to.equal('synthesis');

    fake.script(replacement);
    const asked = fake.requests.length;
    const regenerated = await regenerate(id);
    expect(regenerated.status).to.equal(200);
    expect(regenerated.body.message_id).to.not.equal(replaced.body.message_id);
    expect(regenerated.body.message_id).to.match(/^msg_t8s1_[0-9a-f]{32}$/);
    expect({
      ...regenerated.body,
      conversation_id: twin,
      message_id: direct.body.message_id,
    }).to.deep.equal(direct.body);

    // The model was asked exactly what the twin's model was asked for its last answer.
    const twinRequest = fake.requests[2 * EARLIER];
    const regenerateRequest = fake.requests[asked];
    expect(regenerateRequest?.messages).to.deep.equal(twinRequest?.messages);
    expect(regenerateRequest?.system).to.deep.equal(twinRequest?.system);

    const [mine, theirs] = [await read(id), await read(twin)];
    const state = (c: Conversation) => ({
      phase: c.current_phase,
      progress: c.progress,
      insights: c.insights,
      values: c.identified_values,
      status: c.status,
      said: c.messages.map((m) => [m.role, m.content, m.metadata]),
    });
    expect(state(mine)).to.deep.equal(state(theirs));
    expect(mine.messages.map((m) => m.content)).to.not.include('Answer 100');
    expect(mine.messages.at(-1)?.message_id).to.equal(regenerated.body.message_id);
    // The user message it answers is kept as it was: its id, time and metadata.
    const before = (await read(id)).messages.at(-2);
    expect(before?.metadata).to.deep.equal({ sent: 'The last message' });

    // The stored state matches too, including what the response does not show.
    const [item, twinItem] = [await conversationItem(id), await conversationItem(twin)];
    const stored = (i: Record<string, unknown> | undefined) => ({
      result_status: i?.result_status,
      user_turns: i?.user_turns,
      turn_count: i?.turn_count,
      message_count: i?.message_count,
      window: (i?.recent_messages as { content: string }[]).map((m) => m.content),
    });
    expect(stored(item)).to.deep.equal(stored(twinItem));
    expect(item?.result_status).to.equal('exploring');
  });

  it('when an answer is regenerated twice, then each replaces the one before and the state is still the first one’s before', async () => {
    const twin = await conversationWith(2);
    const id = await conversationWith(2);
    fake.script(replacement);
    const direct = await send(twin, 'Again');
    fake.script(agreed);
    await send(id, 'Again');
    fake.script(answer(300));
    expect((await regenerate(id)).status).to.equal(200);
    fake.script(replacement);
    const second = await regenerate(id);
    expect(second.status).to.equal(200);
    expect({ ...second.body, conversation_id: twin, message_id: '' }).to.deep.equal({
      ...direct.body,
      message_id: '',
    });
    expect((await read(id)).messages).to.have.length(1 + 2 * 3);
  });

  it('when the replaced answer had feedback, then it leaves the history and the export with it, and a PUT on its id is 404 message_not_found', async () => {
    const id = await conversationWith(1);
    const old = (await read(id)).messages.at(-1)!;
    const feedbackPath = (messageId: string) => `${path(id)}/messages/${messageId}/feedback`;
    expect(
      (await api.request('PUT', feedbackPath(old.message_id), { token, body: { rating: 'down' } }))
        .status,
    ).to.equal(204);
    fake.script(replacement);
    const regenerated = await regenerate(id);
    expect(regenerated.status).to.equal(200);
    const history = (await read(id)).messages;
    expect(history.map((m) => m.message_id)).to.not.include(old.message_id);
    expect(history.at(-1)?.feedback).to.equal(null);
    const again = await api.request('PUT', feedbackPath(old.message_id), {
      token,
      body: { rating: 'up' },
    });
    expect(again.status).to.equal(404);
    expect(again.body.error).to.equal('message_not_found');
    const rated = (await turnItems(id)).filter((i) => 'feedback' in i || 'feedback_at' in i);
    expect(rated).to.have.length(0);
    expect(
      (
        await api.request('PUT', feedbackPath(regenerated.body.message_id), {
          token,
          body: { rating: 'up' },
        })
      ).status,
    ).to.equal(204);
  });

  it('when a regenerate has an Idempotency-Key, then its retry returns the same answer with one model call, and the same key on the message route is another key', async () => {
    const id = await conversationWith(1);
    fake.script(replacement);
    const key = { 'Idempotency-Key': 'regen-1' };
    const first = await regenerate(id, key);
    const asked = fake.requests.length;
    const retry = await regenerate(id, key);
    expect(retry.status).to.equal(200);
    expect(retry.body).to.deep.equal(first.body);
    expect(fake.requests.length).to.equal(asked);
    // The same key on the message route answers that route's own request.
    fake.script(answer(7));
    const message = await send(id, 'A new message', key);
    expect(message.status).to.equal(200);
    expect(message.body.ai_response).to.equal('Answer 7');
    expect(message.body.message_id).to.not.equal(first.body.message_id);
    // And the regenerate's key still replays its own answer, though the conversation moved on.
    const later = await regenerate(id, key);
    expect(later.status).to.equal(200);
    expect(later.body).to.deep.equal(first.body);
  });

  it('when a keyed message’s answer is regenerated, then a retry of its key stores no second turn, asks no model and replays the turn’s current answer, whose id takes feedback', async () => {
    const id = await initiate(api, token);
    const key = { 'Idempotency-Key': 'msg-1' };
    fake.script(answer(1));
    expect((await send(id, 'Keyed', key)).status).to.equal(200);
    fake.script(replacement);
    const regenerated = await regenerate(id);
    expect(regenerated.status).to.equal(200);
    const asked = fake.requests.length;
    const retried = await send(id, 'Keyed', key);
    expect(retried.status).to.equal(200);
    expect(retried.body).to.deep.equal(regenerated.body);
    expect(fake.requests.length).to.equal(asked);
    const history = (await read(id)).messages;
    expect(history.map((m) => m.role)).to.deep.equal(['assistant', 'user', 'assistant']);
    expect(history.at(-1)?.message_id).to.equal(retried.body.message_id);
    const rated = await api.request(
      'PUT',
      `${path(id)}/messages/${retried.body.message_id}/feedback`,
      { token, body: { rating: 'up' } },
    );
    expect(rated.status).to.equal(204);
    // Streamed and as a job, the same key replays the same answer, still without the model.
    const streamed = await openEventStream(api, `${path(id)}/message`, {
      token,
      body: { user_message: 'Keyed', metadata: { sent: 'Keyed' } },
      headers: key,
    });
    const events = (await streamed.rest()).events;
    expect(events.at(-1)?.data).to.deep.equal(regenerated.body);
    const accepted = await send(id, 'Keyed', { ...key, Prefer: 'respond-async' });
    expect(accepted.status).to.equal(202);
    const job = await api.request<{ status: string; result: unknown }>(
      'GET',
      `/api/v1/jobs/${(accepted.body as unknown as { job_id: string }).job_id}`,
      { token },
    );
    expect(job.body).to.deep.include({ status: 'succeeded', result: regenerated.body });
    expect(fake.requests.length).to.equal(asked);
    expect(await turnItems(id)).to.have.length(2);
  });

  it('when a keyed regenerate is replaced by a later regenerate, then a retry of its key replays the current answer and asks no model', async () => {
    const id = await conversationWith(1);
    const key = { 'Idempotency-Key': 'regen-first' };
    fake.script(replacement);
    expect((await regenerate(id, key)).status).to.equal(200);
    fake.script(answer(300));
    const later = await regenerate(id);
    expect(later.status).to.equal(200);
    const asked = fake.requests.length;
    const retried = await regenerate(id, key);
    expect(retried.status).to.equal(200);
    expect(retried.body).to.deep.equal(later.body);
    expect(fake.requests.length).to.equal(asked);
    expect((await read(id)).messages.at(-1)?.content).to.equal('Answer 300');
  });

  it('when a conversation already keeps the most records of keyed regenerates, then a new one’s record takes the oldest’s place, and the newest keys still replay', async () => {
    const id = await conversationWith(1);
    fake.script(replacement);
    expect((await regenerate(id, { 'Idempotency-Key': 'regen-oldest' })).status).to.equal(200);
    const records = (await conversationItem(id))?.idempotency as Record<string, { e: number }>;
    expect(Object.keys(records)).to.have.length(1);
    const [oldest, record] = Object.entries(records)[0] ?? ['', { e: 0 }];
    // Records of later keyed regenerates, as the service writes them: a regenerate's one body
    // digest, later expiries.
    const later = Array.from({ length: REGENERATE_KEYS_KEPT - 1 }, (_, i) => ({
      key: `seeded-regenerate-${String(i).padStart(4, '0')}`,
      record: { ...record, e: record.e + 1 + i },
    }));
    await api.dynamo.doc.send(
      new UpdateCommand({
        TableName: api.config.tables.conversations,
        Key: { conversation_id: id },
        UpdateExpression: `SET ${later.map((_, i) => `idempotency.#k${i} = :r${i}`).join(', ')}`,
        ExpressionAttributeNames: Object.fromEntries(later.map(({ key }, i) => [`#k${i}`, key])),
        ExpressionAttributeValues: Object.fromEntries(later.map((r, i) => [`:r${i}`, r.record])),
      }),
    );
    fake.script(answer(300));
    const newest = await regenerate(id, { 'Idempotency-Key': 'regen-newest' });
    expect(newest.status).to.equal(200);
    const kept = Object.keys((await conversationItem(id))?.idempotency as object);
    expect(kept).to.have.length(REGENERATE_KEYS_KEPT);
    expect(kept).to.not.include(oldest);
    expect(kept).to.include.members(later.map(({ key }) => key));
    const asked = fake.requests.length;
    const retried = await regenerate(id, { 'Idempotency-Key': 'regen-newest' });
    expect(retried.body).to.deep.equal(newest.body);
    expect(fake.requests.length).to.equal(asked);
  });

  it('when the answer is streamed, then deltas and a `turn` that is the new answer; as a job, its result is', async () => {
    const id = await conversationWith(1);
    fake.script(replacement);
    const opened = await openEventStream(api, `${path(id)}/regenerate`, {
      token,
      body: undefined,
    });
    expect(opened.status).to.equal(200);
    const { events } = await opened.rest();
    const turn = events.at(-1);
    expect(turn?.event).to.equal('turn');
    expect((turn?.data as Turn).ai_response).to.equal('Answer 200');
    expect((await read(id)).messages.at(-1)?.content).to.equal('Answer 200');

    fake.script(answer(400));
    const accepted = await regenerate(id, { Prefer: 'respond-async' });
    expect(accepted.status).to.equal(202);
    const jobId = (accepted.body as unknown as { job_id: string }).job_id;
    for (;;) {
      const job = await api.request<{ status: string; result: Turn | null }>(
        'GET',
        `/api/v1/jobs/${jobId}`,
        { token },
      );
      if (job.body.status === 'succeeded') {
        expect(job.body.result?.ai_response).to.equal('Answer 400');
        break;
      }
      expect(job.body.status).to.be.oneOf(['queued', 'running']);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const history = (await read(id)).messages;
    expect(history).to.have.length(3);
    expect(history.at(-1)?.content).to.equal('Answer 400');
  });

  it('when a regenerate carries a body, then a JSON object is ignored, and one too large, not JSON or of another type is refused (413, 400, 415) with nothing stored and no model call', async () => {
    const id = await conversationWith(1);
    const before = await stored(id);
    const calls = fake.requests.length;
    const refused = [
      {
        rawBody: JSON.stringify({ pad: 'x'.repeat(70_000) }),
        type: 'application/json',
        status: 413,
        code: 'payload_too_large',
      },
      { rawBody: '{"not json', type: 'application/json', status: 400, code: 'invalid_json' },
      { rawBody: '[]', type: 'application/json', status: 400, code: 'invalid_json' },
      { rawBody: 'again please', type: 'text/plain', status: 415, code: 'unsupported_media_type' },
    ];
    for (const { rawBody, type, status, code } of refused) {
      const response = await api.request<Refusal>('POST', `${path(id)}/regenerate`, {
        token,
        rawBody,
        headers: { 'Content-Type': type },
      });
      expect(await refusedWithNothingStored(id, response, status, code), code).to.deep.equal(
        before,
      );
    }
    expect(fake.requests.length).to.equal(calls);
    fake.script(answer(1));
    const ignored = await api.request<Turn>('POST', `${path(id)}/regenerate`, {
      token,
      body: { reason: 'too long', anything: [1, 2] },
    });
    expect(ignored.status, ignored.text).to.equal(200);
    expect(ignored.body.ai_response).to.equal('Answer 1');
  });

  it('when a conversation holds only its opening message, then 409 nothing_to_regenerate, nothing stored (not even the lease’s fence moves) and the conversation free', async () => {
    const id = await initiate(api, token);
    const before = await stored(id);
    const raw = await conversationItem(id);
    const asked = fake.requests.length;
    const refused = await refusedWithNothingStored(
      id,
      await regenerate(id),
      409,
      'nothing_to_regenerate',
    );
    expect(refused).to.deep.equal(before);
    // The lease's condition refuses it, so the item is not written at all.
    expect(await conversationItem(id)).to.deep.equal(raw);
    expect(fake.requests.length).to.equal(asked);
    expect((await send(id, 'Now a message')).status).to.equal(200);
  });

  it('when the conversation was kept by the original service, or its last turn was stored before turns kept their undo, then 409 nothing_to_regenerate', async () => {
    await putOriginalConversation(api, {
      conversationId: 'conv_original_regen',
      userId: 'rae',
      tenantId: 'acme',
    });
    const original = await regenerate('conv_original_regen');
    expect(original.status).to.equal(409);
    expect(original.body.error).to.equal('nothing_to_regenerate');
    expect(String(original.body.message)).to.match(/original service/);

    const id = await conversationWith(1);
    await api.dynamo.doc.send(
      new UpdateCommand({
        TableName: api.config.tables.messages,
        Key: { conversation_id: id, turn: 1 },
        UpdateExpression: 'REMOVE #undo',
        ExpressionAttributeNames: { '#undo': 'undo' },
      }),
    );
    const before = await stored(id);
    const older = await regenerate(id);
    expect(older.body.message).to.match(/stored before answers could be regenerated/);
    expect(await refusedWithNothingStored(id, older, 409, 'nothing_to_regenerate')).to.deep.equal(
      before,
    );
  });

  it('when the conversation is paused or completed, then 409 conversation_not_active; deleted or another user’s, then 404 or 403', async () => {
    const paused = await conversationWith(1);
    await api.request('POST', `${path(paused)}/pause`, { token, body: {} });
    const pausedBefore = await stored(paused);
    expect(
      await refusedWithNothingStored(
        paused,
        await regenerate(paused),
        409,
        'conversation_not_active',
      ),
    ).to.deep.equal(pausedBefore);

    const completed = await conversationWith(1);
    await api.request('POST', `${path(completed)}/complete`, { token, body: {} });
    expect((await regenerate(completed)).body.error).to.equal('conversation_not_active');

    const deleted = await conversationWith(1);
    expect((await api.request('DELETE', path(deleted), { token })).status).to.equal(204);
    const gone = await regenerate(deleted);
    expect(gone.status).to.equal(404);
    // Only the erasure's tombstones are left: no message, no undo, no feedback.
    for (const item of await turnItems(deleted)) {
      expect(Object.keys(item)).to.have.members([
        'conversation_id',
        'turn',
        'lease_seq',
        'erased_at',
        'expire_at',
      ]);
    }

    const mine = await conversationWith(1);
    const other = await api.token('someone-else', 'acme');
    const theirs = await regenerate(mine, {}, other);
    expect(theirs.status).to.equal(403);
    const stranger = await api.token('rae', 'other-tenant');
    expect((await regenerate(mine, {}, stranger)).status).to.equal(404);
  });

  it('when an answer is regenerated, then AnswerRegenerated is written with exactly [Stage], and the call is booked on the session like any other', async () => {
    const id = await conversationWith(1);
    const sessionId = (await conversationItem(id))?.session_id;
    const session = async () =>
      (await api.items('coachingSessions')).find((i) => i.session_id === sessionId);
    const turnsBefore = Number((await session())?.turns);
    await metrics.flush();
    lines.length = 0;
    fake.script(replacement);
    expect((await regenerate(id)).status).to.equal(200);
    await metrics.flush();
    const recorded = recordsOf(lines, 'AnswerRegenerated');
    expect(recorded).to.have.length(1);
    expect(recorded[0]?._aws.CloudWatchMetrics[0]?.Dimensions).to.deep.equal([['Stage']]);
    expect(recorded[0]).to.include({ AnswerRegenerated: 1, Stage: 'test' });
    expect(Number((await session())?.turns)).to.equal(turnsBefore + 1);
  });
});

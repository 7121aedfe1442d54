// Asynchronous work (`Prefer: respond-async`) over HTTP, with a fake Bedrock that answers when
// the test lets it: the 202 before the model answers, polling to the synchronous body, the
// failures a job carries, the conversation it holds, the key that names it, and who may see it.
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { expect } from 'chai';
import { analysisAnswers, coachingTurn } from '../support/fake-answers.js';
import { jobClaim, on } from '../support/dynamo-hooks.js';
import { useApiWithFakeBedrock } from '../support/fixtures.js';
import { initiate, type Response, type TestApi, sendMessage } from '../support/harness.js';
import { slowModel } from '../support/slow-model.js';

const ASYNC = { Prefer: 'respond-async' };

interface Job {
  job_id: string;
  kind: string;
  status: string;
  conversation_id: string | null;
  created_at: string;
  updated_at: string;
  result: Record<string, unknown> | null;
  error: Record<string, unknown> | null;
}

const { alignment: alignmentAnswer, strategy: strategyAnswer } = analysisAnswers;
const alignmentBody = {
  text_to_analyze: 'We bake every loaf by hand with local flour.',
  context: { purpose: 'Real bread for every neighbourhood' },
};

describe('jobs: Prefer: respond-async', () => {
  const { api, fake } = useApiWithFakeBedrock();
  let token: string;

  before(async () => {
    token = await api.token('jo', 'acme');
  });

  const send = (id: string, text: string, headers: Record<string, string> = ASYNC, as = token) =>
    sendMessage<Job>(api, as, id, text, headers);
  const read = (jobId: string, as = token) =>
    api.request<Job>('GET', `/api/v1/jobs/${jobId}`, { token: as });
  /** Polls until the job has succeeded or failed. */
  async function settled(jobId: string): Promise<Response<Job>> {
    for (;;) {
      const response = await read(jobId);
      if (response.body.status === 'succeeded' || response.body.status === 'failed') {
        return response;
      }
      await sleep(20);
    }
  }
  /** The worker's last word on a job: its `job_finished` log line, once it has run. */
  async function workerEnd(jobId: string): Promise<Record<string, unknown>> {
    for (;;) {
      const line = api.logger.lines.find((l) => l.event === 'job_finished' && l.job_id === jobId);
      if (line) return line;
      await sleep(20);
    }
  }
  const turnsOf = async (conversationId: string) =>
    (await api.items('messages')).filter((item) => item.conversation_id === conversationId);
  const jobItems = async () => (await api.items('jobs')).filter((i) => i.record_kind === 'job');

  describe('a message job', () => {
    it('when a message prefers respond-async, then 202 names the job before the model answers, and polling reaches succeeded with exactly the body a buffered turn answers', async () => {
      const id = await initiate(api, token);
      const model = slowModel(fake);
      const accepted = await send(id, 'Honesty matters most to me.');
      expect(accepted.status).to.equal(202);
      expect(accepted.headers.get('preference-applied')).to.equal('respond-async');
      expect(accepted.headers.get('retry-after')).to.equal('1');
      expect(accepted.body).to.deep.include({
        kind: 'message',
        status: 'queued',
        conversation_id: id,
      });
      expect(accepted.body.job_id).to.match(/^job_[A-Za-z0-9_-]+$/);
      expect(accepted.headers.get('location')).to.equal(`/api/v1/jobs/${accepted.body.job_id}`);
      expect(Object.keys(accepted.body).sort()).to.deep.equal(
        ['conversation_id', 'created_at', 'job_id', 'kind', 'status'].sort(),
      );

      await model.reached;
      const meanwhile = await read(accepted.body.job_id);
      expect(meanwhile.status).to.equal(200);
      expect(meanwhile.body).to.include({ status: 'running', result: null, error: null });
      expect(meanwhile.headers.get('retry-after')).to.equal('1');
      expect(await turnsOf(id)).to.have.length(1); // the opening message only

      model.answer();
      const done = await settled(accepted.body.job_id);
      expect(done.body.status).to.equal('succeeded');
      expect(done.body.error).to.equal(null);
      expect(done.headers.get('retry-after')).to.equal(null);

      const other = await initiate(api, token);
      const buffered = await send(other, 'Honesty matters most to me.', {});
      expect(buffered.status).to.equal(200);
      // The same body but for the conversation and the answer's own id.
      const result = done.body.result ?? {};
      expect(result).to.deep.equal({
        ...buffered.body,
        conversation_id: id,
        message_id: result.message_id,
      });
      const conversation = await api.request<{
        messages: { message_id: string; content: string }[];
      }>('GET', `/api/v1/conversations/${id}`, { token });
      expect(conversation.body.messages.map((m) => m.content)).to.deep.equal([
        conversation.body.messages[0]?.content,
        'Honesty matters most to me.',
        'Honesty clearly matters to you.',
      ]);
      expect(conversation.body.messages[2]?.message_id).to.equal(result.message_id);
    });

    it('when the model throttles, then the job fails with the 503 envelope and its status, nothing of the turn is stored, and the conversation takes messages again', async () => {
      const id = await initiate(api, token);
      fake.script({ error: 'ThrottlingException', message: 'Too many requests' });
      const accepted = await send(id, 'Is anyone there?');
      const done = await settled(accepted.body.job_id);
      expect(done.body.status).to.equal('failed');
      expect(done.body.result).to.equal(null);
      expect(done.body.error).to.deep.include({ status: 503, error: 'service_unavailable' });
      expect(done.body.error?.request_id).to.equal(accepted.headers.get('x-request-id'));
      expect(await turnsOf(id)).to.have.length(1);
      const conversation = await api.request<{ messages: unknown[] }>(
        'GET',
        `/api/v1/conversations/${id}`,
        { token },
      );
      expect(conversation.body.messages).to.have.length(1);
      expect((await send(id, 'Again, then.', {})).status).to.equal(200);
    });

    it('when a job runs, then its conversation is busy: another message, buffered or async, is 409 conversation_busy and stores nothing', async () => {
      const id = await initiate(api, token);
      const model = slowModel(fake);
      const accepted = await send(id, 'First thought.');
      await model.reached;
      const jobsBefore = (await jobItems()).length;

      const buffered = await send(id, 'Second thought.', {});
      expect(buffered.status).to.equal(409);
      expect(buffered.body).to.include({ error: 'conversation_busy' });
      expect(Number(buffered.headers.get('retry-after'))).to.be.greaterThan(0);
      const asynchronous = await send(id, 'Third thought.');
      expect(asynchronous.status).to.equal(409);
      expect(asynchronous.body).to.include({ error: 'conversation_busy' });
      expect((await jobItems()).length).to.equal(jobsBefore);

      model.answer();
      expect((await settled(accepted.body.job_id)).body.status).to.equal('succeeded');
      expect(await turnsOf(id)).to.have.length(2);
      expect(fake.requests).to.have.length(1);
    });

    it('when the same Idempotency-Key and body come again, then it is the same job (202, same job_id) and the model is asked once; another body is 422 and a buffered retry replays the answer', async () => {
      const id = await initiate(api, token);
      const model = slowModel(fake);
      const headers = { ...ASYNC, 'Idempotency-Key': 'turn-1' };
      const first = await send(id, 'Courage, I think.', headers);
      await model.reached;
      const again = await send(id, 'Courage, I think.', headers);
      expect(again.status).to.equal(202);
      expect(again.body.job_id).to.equal(first.body.job_id);
      expect(again.headers.get('location')).to.equal(first.headers.get('location'));
      const reused = await send(id, 'Something else entirely.', headers);
      expect(reused.status).to.equal(422);
      expect(reused.body).to.include({ error: 'idempotency_key_reused' });

      model.answer();
      const done = await settled(first.body.job_id);
      expect(done.body.status).to.equal('succeeded');
      const later = await send(id, 'Courage, I think.', headers);
      expect(later.status).to.equal(202);
      expect(later.body).to.include({ job_id: first.body.job_id, status: 'succeeded' });
      const buffered = await send(id, 'Courage, I think.', { 'Idempotency-Key': 'turn-1' });
      expect(buffered.status).to.equal(200);
      expect(buffered.body).to.deep.equal(done.body.result);
      expect(fake.requests).to.have.length(1);
      expect(await turnsOf(id)).to.have.length(2);
    });

    it('when a buffered turn answered a key first, then the same key with respond-async is a job that has already succeeded with that answer, and the model is not asked again', async () => {
      const id = await initiate(api, token);
      const buffered = await send(id, 'Kindness.', { 'Idempotency-Key': 'k-sync' });
      expect(buffered.status).to.equal(200);
      const accepted = await send(id, 'Kindness.', { ...ASYNC, 'Idempotency-Key': 'k-sync' });
      expect(accepted.status).to.equal(202);
      expect(accepted.body.status).to.equal('succeeded');
      const job = await read(accepted.body.job_id);
      expect(job.body.result).to.deep.equal(buffered.body);
      expect(fake.requests).to.have.length(1);
    });

    it('when a buffered turn answered a key first, then every respond-async retry of it, two at once included, is one and the same succeeded job, stored once', async () => {
      const id = await initiate(api, token);
      const buffered = await send(id, 'Honesty.', { 'Idempotency-Key': 'k-once' });
      expect(buffered.status).to.equal(200);
      const headers = { ...ASYNC, 'Idempotency-Key': 'k-once' };
      const first = await send(id, 'Honesty.', headers);
      const [second, third] = await Promise.all([
        send(id, 'Honesty.', headers),
        send(id, 'Honesty.', headers),
      ]);
      for (const accepted of [first, second, third]) {
        expect(accepted.status).to.equal(202);
        expect(accepted.body).to.include({ job_id: first.body.job_id, status: 'succeeded' });
        expect(accepted.headers.get('location')).to.equal(`/api/v1/jobs/${first.body.job_id}`);
      }
      expect((await read(first.body.job_id)).body.result).to.deep.equal(buffered.body);
      const stored = (await jobItems()).filter((job) => job.conversation_id === id);
      expect(stored.map((job) => job.job_id)).to.deep.equal([first.body.job_id]);
      expect(fake.requests).to.have.length(1);
    });

    it('when a buffered regenerate answered a key first, then every respond-async retry of it is the same succeeded job', async () => {
      const id = await initiate(api, token);
      expect((await send(id, 'Fairness.', {})).status).to.equal(200);
      const regenerate = (headers: Record<string, string>) =>
        api.request<Job>('POST', `/api/v1/conversations/${id}/regenerate`, { token, headers });
      const buffered = await regenerate({ 'Idempotency-Key': 'r-once' });
      expect(buffered.status).to.equal(200);
      const headers = { ...ASYNC, 'Idempotency-Key': 'r-once' };
      const first = await regenerate(headers);
      const again = await regenerate(headers);
      expect(first.status).to.equal(202);
      expect(again.body).to.include({ job_id: first.body.job_id, status: 'succeeded' });
      expect((await read(first.body.job_id)).body.result).to.deep.equal(buffered.body);
      expect(fake.requests).to.have.length(2);
    });

    it('when a key’s job answered a turn whose answer a regenerate then replaced, then its retries replay the new answer: buffered, and as one job that holds it', async () => {
      const id = await initiate(api, token);
      const headers = { ...ASYNC, 'Idempotency-Key': 'k-replaced' };
      const ran = await send(id, 'Curiosity.', headers);
      expect((await settled(ran.body.job_id)).body.status).to.equal('succeeded');
      const regenerated = await api.request('POST', `/api/v1/conversations/${id}/regenerate`, {
        token,
      });
      expect(regenerated.status).to.equal(200);
      const buffered = await send(id, 'Curiosity.', { 'Idempotency-Key': 'k-replaced' });
      expect(buffered.body).to.deep.equal(regenerated.body);
      const first = await send(id, 'Curiosity.', headers);
      const again = await send(id, 'Curiosity.', headers);
      expect(first.body.job_id).to.not.equal(ran.body.job_id);
      expect(again.body).to.include({ job_id: first.body.job_id, status: 'succeeded' });
      expect((await read(first.body.job_id)).body.result).to.deep.equal(regenerated.body);
      expect(fake.requests).to.have.length(2);
      expect(await turnsOf(id)).to.have.length(2);
    });

    it('when a key’s job failed, then the key is free: the same request with it starts a new job', async () => {
      const id = await initiate(api, token);
      fake.script({ error: 'ThrottlingException' });
      const headers = { ...ASYNC, 'Idempotency-Key': 'retry-me' };
      const first = await send(id, 'Patience.', headers);
      expect((await settled(first.body.job_id)).body.status).to.equal('failed');
      const second = await send(id, 'Patience.', headers);
      expect(second.status).to.equal(202);
      expect(second.body.job_id).to.not.equal(first.body.job_id);
      expect((await settled(second.body.job_id)).body.status).to.equal('succeeded');
      expect(await turnsOf(id)).to.have.length(2);
    });

    it('when the conversation is erased while its job runs, then the erasure wins: the job goes with it (404 job_not_found), its worker records nothing, and no item holds the words', async () => {
      const id = await initiate(api, token);
      const model = slowModel(fake);
      const accepted = await send(id, 'A secret worth forgetting.');
      await model.reached;
      expect(
        (await api.request('DELETE', `/api/v1/conversations/${id}`, { token })).status,
      ).to.equal(204);
      expect((await read(accepted.body.job_id)).body).to.include({ error: 'job_not_found' });
      model.answer();
      expect(await workerEnd(accepted.body.job_id)).to.include({ recorded: false });
      expect((await read(accepted.body.job_id)).status).to.equal(404);
      // Erasure leaves tombstones (keys and dates), none with messages.
      expect((await turnsOf(id)).filter((item) => item.messages !== undefined)).to.deep.equal([]);
      const stored = JSON.stringify([
        await api.items('conversations'),
        await api.items('messages'),
        await api.items('jobs'),
      ]);
      expect(stored).to.not.include('A secret worth forgetting');
    });

    it('when a conversation is erased after its job succeeded, then the job goes with it (404 job_not_found) and no job item holds its words', async () => {
      const id = await initiate(api, token);
      fake.script({ tool: coachingTurn({ ai_response: 'A reply only this conversation had.' }) });
      const accepted = await send(id, 'Words to erase.');
      expect((await settled(accepted.body.job_id)).body.status).to.equal('succeeded');
      expect(
        (await api.request('DELETE', `/api/v1/conversations/${id}`, { token })).status,
      ).to.equal(204);
      const gone = await read(accepted.body.job_id);
      expect(gone.status).to.equal(404);
      expect(gone.body).to.include({ error: 'job_not_found' });
      const stored = JSON.stringify(await api.items('jobs'));
      expect(stored).to.not.include('A reply only this conversation had');
      expect(stored).to.not.include('Words to erase');
    });

    it('when a conversation is erased after its job failed, then the failed job goes too (404 job_not_found): no job item keeps its user', async () => {
      const id = await initiate(api, token);
      const user = await api.token('forgotten-jo', 'acme');
      const conversation = await initiate(api, user);
      fake.script({ error: 'ThrottlingException' });
      const accepted = await send(conversation, 'Fails first.', ASYNC, user);
      const failed = await api.request<Job>('GET', `/api/v1/jobs/${accepted.body.job_id}`, {
        token: user,
      });
      expect(['queued', 'running', 'failed']).to.include(failed.body.status);
      expect(await workerEnd(accepted.body.job_id)).to.include({ status: 'failed' });
      expect(
        (await api.request('DELETE', `/api/v1/conversations/${conversation}`, { token: user }))
          .status,
      ).to.equal(204);
      const gone = await api.request('GET', `/api/v1/jobs/${accepted.body.job_id}`, {
        token: user,
      });
      expect(gone.status).to.equal(404);
      expect(gone.body).to.include({ error: 'job_not_found' });
      expect(JSON.stringify(await api.items('jobs'))).to.not.include('forgotten-jo');
      // Another conversation's jobs are not touched.
      const other = await send(id, 'Still here.');
      expect((await settled(other.body.job_id)).body.status).to.equal('succeeded');
    });

    it('when a conversation is erased while its job waits for a worker, then the job goes with it (404 job_not_found), and the worker, once it comes, asks no model', async () => {
      const id = await initiate(api, token);
      const claim = api.hooks.hold(jobClaim);
      const accepted = await send(id, 'Never to be read.');
      await claim.reached;
      expect(
        (await api.request('DELETE', `/api/v1/conversations/${id}`, { token })).status,
      ).to.equal(204);
      expect(JSON.stringify(await api.items('jobs'))).to.not.include('Never to be read');
      expect((await read(accepted.body.job_id)).body).to.include({ error: 'job_not_found' });
      // The worker, refused its claim, looks the job up once and finds nothing to do.
      const lookup = api.hooks.hold(on('GetItemCommand', api.config.tables.jobs));
      claim.release();
      await lookup.reached;
      lookup.release();
      expect(fake.requests).to.have.length(0);
      expect((await read(accepted.body.job_id)).status).to.equal(404);
    });

    it('when the conversation is paused while its job runs, then the pause wins: the job fails 409 conversation_not_active, nothing is stored, and after a resume it takes messages', async () => {
      const id = await initiate(api, token);
      const model = slowModel(fake);
      const accepted = await send(id, 'Wait for me.');
      await model.reached;
      expect(
        (await api.request('POST', `/api/v1/conversations/${id}/pause`, { token })).status,
      ).to.equal(204);
      model.answer();
      const done = await settled(accepted.body.job_id);
      expect(done.body.error).to.deep.include({
        status: 409,
        error: 'conversation_not_active',
        current_status: 'paused',
      });
      expect(await turnsOf(id)).to.have.length(1);
      expect(
        (await api.request('POST', `/api/v1/conversations/${id}/resume`, { token })).status,
      ).to.equal(204);
      expect((await send(id, 'Back again.', {})).status).to.equal(200);
    });

    it('when the conversation is paused before its worker starts, then the job fails 409 conversation_not_active without asking the model, and the conversation is free', async () => {
      const id = await initiate(api, token);
      // The hook holds the worker's claim of its job, so the pause lands while it is queued.
      const claim = api.hooks.hold(jobClaim);
      const accepted = await send(id, 'Soon.');
      await claim.reached;
      expect((await read(accepted.body.job_id)).body.status).to.equal('queued');
      expect(
        (await api.request('POST', `/api/v1/conversations/${id}/pause`, { token })).status,
      ).to.equal(204);
      claim.release();
      const done = await settled(accepted.body.job_id);
      expect(done.body.error).to.deep.include({ status: 409, error: 'conversation_not_active' });
      expect(fake.requests).to.have.length(0);
      await api.request('POST', `/api/v1/conversations/${id}/resume`, { token });
      expect((await send(id, 'Now.', {})).status).to.equal(200);
    });
  });

  describe('an analysis job', () => {
    it('when an analysis prefers respond-async, then 202 names an analysis job, and its result is exactly the 201 body, readable again by its analysis_id', async () => {
      const model = slowModel(fake, { tool: alignmentAnswer });
      const accepted = await api.request<Job>('POST', '/api/v1/analysis/alignment', {
        token,
        body: alignmentBody,
        headers: ASYNC,
      });
      expect(accepted.status).to.equal(202);
      expect(accepted.body).to.include({ kind: 'analysis', status: 'queued' });
      expect(accepted.body).to.not.have.property('conversation_id');
      await model.reached;
      model.answer();
      const done = await settled(accepted.body.job_id);
      expect(done.body).to.include({ status: 'succeeded', conversation_id: null });
      const result = done.body.result as { analysis_id: string; analysis_type: string };
      expect(result).to.include({
        analysis_type: 'alignment',
        overall_assessment: alignmentAnswer.overall_assessment,
      });
      const stored = await api.request('GET', `/api/v1/analysis/${result.analysis_id}`, { token });
      expect(stored.status).to.equal(200);
      expect(stored.body).to.deep.equal(result);
    });

    it('when the same key and body come again, then it is the same job and the model is asked once; another body is 422; the same key on another analysis type is its own job', async () => {
      fake.otherwise({ tool: alignmentAnswer });
      const headers = { ...ASYNC, 'Idempotency-Key': 'a-1' };
      const post = (type: string, body: unknown) =>
        api.request<Job>('POST', `/api/v1/analysis/${type}`, { token, body, headers });
      const first = await post('alignment', alignmentBody);
      const again = await post('alignment', alignmentBody);
      expect(again.status).to.equal(202);
      expect(again.body.job_id).to.equal(first.body.job_id);
      const reused = await post('alignment', {
        ...alignmentBody,
        text_to_analyze: 'Something else to weigh.',
      });
      expect(reused.status).to.equal(422);
      expect(reused.body).to.include({ error: 'idempotency_key_reused' });
      expect((await settled(first.body.job_id)).body.status).to.equal('succeeded');
      expect(fake.requests).to.have.length(1);
      fake.script({ tool: strategyAnswer });
      const strategy = await post('strategy', {
        current_strategy: 'Sell sourdough to cafes weekly.',
      });
      expect(strategy.status).to.equal(202);
      expect(strategy.body.job_id).to.not.equal(first.body.job_id);
      expect((await settled(strategy.body.job_id)).body.result).to.include({
        analysis_type: 'strategy',
      });
    });

    it('when a retry sends the context’s members in another order, then it is the same body and the same job', async () => {
      fake.otherwise({ tool: alignmentAnswer });
      const post = (text: string) =>
        api.request<Job>('POST', '/api/v1/analysis/alignment', {
          token,
          rawBody: text,
          headers: { ...ASYNC, 'Content-Type': 'application/json', 'Idempotency-Key': 'a-ordered' },
        });
      const first = await post(
        '{"text_to_analyze":"Bread by hand.","context":{"a":1,"b":[{"y":1,"x":2}]}}',
      );
      const again = await post(
        '{"context":{"b":[{"x":2,"y":1}],"a":1},"text_to_analyze":"Bread by hand."}',
      );
      expect(first.status, first.text).to.equal(202);
      expect(again.status, again.text).to.equal(202);
      expect(again.body.job_id).to.equal(first.body.job_id);
      expect((await settled(first.body.job_id)).body.status).to.equal('succeeded');
      expect(fake.requests).to.have.length(1);
    });

    it('when a key’s record holds the digest written before bodies were compared whatever their members’ order, then a retry of the same body is still the same job', async () => {
      fake.otherwise({ tool: alignmentAnswer });
      const headers = { ...ASYNC, 'Idempotency-Key': 'a-kept-over-deploy' };
      const first = await api.request<Job>('POST', '/api/v1/analysis/alignment', {
        token,
        body: alignmentBody,
        headers,
      });
      expect(first.status).to.equal(202);
      // The key's record as the service wrote it before: the digest of the input's JSON as read.
      const input = {
        type: 'alignment',
        textToAnalyze: alignmentBody.text_to_analyze,
        context: alignmentBody.context,
      };
      const oldDigest = createHash('sha256')
        .update(JSON.stringify([input]))
        .digest('base64url')
        .slice(0, 22);
      const record = (await api.items('jobs')).find(
        (i) => i.record_kind === 'key' && i.points_to === first.body.job_id,
      );
      await api.dynamo.doc.send(
        new UpdateCommand({
          TableName: api.config.tables.jobs,
          Key: { job_id: record?.job_id },
          UpdateExpression: 'SET body_hash = :old',
          ExpressionAttributeValues: { ':old': oldDigest },
        }),
      );
      const again = await api.request<Job>('POST', '/api/v1/analysis/alignment', {
        token,
        body: alignmentBody,
        headers,
      });
      expect(again.status, again.text).to.equal(202);
      expect(again.body.job_id).to.equal(first.body.job_id);
      expect((await settled(first.body.job_id)).body.status).to.equal('succeeded');
      expect(fake.requests).to.have.length(1);
    });

    it('when the model throttles, then the analysis job fails with the envelope and no analysis is stored', async () => {
      fake.script({ error: 'ThrottlingException' });
      const completed = async () =>
        (await api.items('analyses')).filter((i) => i.status === 'completed').length;
      const before = await completed();
      const accepted = await api.request<Job>('POST', '/api/v1/analysis/alignment', {
        token,
        body: alignmentBody,
        headers: ASYNC,
      });
      const done = await settled(accepted.body.job_id);
      expect(done.body.status).to.equal('failed');
      expect(done.body.error).to.deep.include({ status: 503, error: 'service_unavailable' });
      expect(await completed()).to.equal(before);
    });
  });

  describe('who sees a job', () => {
    it('when another user of the tenant, or a user of another tenant, asks for a job, then it is 404 job_not_found, as for one that does not exist', async () => {
      const id = await initiate(api, token);
      const accepted = await send(id, 'Mine alone.');
      await settled(accepted.body.job_id);
      for (const [user, tenant] of [
        ['someone-else', 'acme'],
        ['jo', 'other-tenant'],
      ] as const) {
        const other = await read(accepted.body.job_id, await api.token(user, tenant));
        expect(other.status).to.equal(404);
        expect(other.body).to.include({ error: 'job_not_found' });
      }
      const missing = await read('job_doesnotexist');
      expect(missing.status).to.equal(404);
      expect(missing.body).to.include({ error: 'job_not_found' });
    });

    it('when a job id is not of the form job_…, then no route matches (404 not_found), and without a token it is 401', async () => {
      for (const bad of ['conv_123', 'job_', `job_${'a'.repeat(129)}`, 'job_a%20b', 'job_ü']) {
        const response = await read(bad);
        expect(response.status, bad).to.equal(404);
        expect(response.body, bad).to.include({ error: 'not_found' });
      }
      const anonymous = await api.request('GET', '/api/v1/jobs/job_abc', { token: null });
      expect(anonymous.status).to.equal(401);
      const post = await api.request('POST', '/api/v1/jobs/job_abc', { token });
      expect(post.status).to.equal(405);
    });
  });

  describe('what is decided before a job is accepted', () => {
    it('when a respond-async request fails a check a buffered one would, then it answers that error as usual and stores no job', async () => {
      const id = await initiate(api, token);
      const before = await api.items('jobs');
      const post = (path: string, options: Parameters<TestApi['request']>[2]) =>
        api.request('POST', path, {
          token,
          headers: ASYNC,
          ...options,
          ...(options?.headers ? { headers: { ...ASYNC, ...options.headers } } : {}),
        });
      const message = `/api/v1/conversations/${id}/message`;
      const cases: [string, Promise<Response>, number, string][] = [
        [
          'no token',
          post(message, { token: null, body: { user_message: 'hi' } }),
          401,
          'missing_token',
        ],
        [
          'text body',
          post(message, { rawBody: 'hi', headers: { 'Content-Type': 'text/plain' } }),
          415,
          'unsupported_media_type',
        ],
        [
          'too large',
          post(message, { body: { user_message: 'x'.repeat(70_000) } }),
          413,
          'payload_too_large',
        ],
        [
          'bad JSON',
          post(message, { rawBody: '{', headers: { 'Content-Type': 'application/json' } }),
          400,
          'invalid_json',
        ],
        [
          'blank message',
          post(message, { body: { user_message: '   ' } }),
          422,
          'validation_error',
        ],
        [
          'bad key',
          post(message, {
            body: { user_message: 'hi' },
            headers: { 'Idempotency-Key': 'k'.repeat(129) },
          }),
          422,
          'validation_error',
        ],
        [
          'no such conversation',
          post('/api/v1/conversations/conv_nothere/message', { body: { user_message: 'hi' } }),
          404,
          'conversation_not_found',
        ],
        [
          'another user’s',
          post(message, {
            token: await api.token('someone-else', 'acme'),
            body: { user_message: 'hi' },
          }),
          403,
          'permission_denied',
        ],
        [
          'another tenant’s',
          post(message, {
            token: await api.token('jo', 'elsewhere'),
            body: { user_message: 'hi' },
          }),
          404,
          'conversation_not_found',
        ],
        [
          'short analysis',
          post('/api/v1/analysis/alignment', { body: { text_to_analyze: 'short' } }),
          422,
          'validation_error',
        ],
        [
          'bad analysis key',
          post('/api/v1/analysis/kpi', {
            body: { current_kpis: ['Revenue'] },
            headers: { 'Idempotency-Key': '' },
          }),
          422,
          'validation_error',
        ],
      ];
      for (const [what, pending, status, error] of cases) {
        const response = await pending;
        expect(response.status, what).to.equal(status);
        expect(response.body, what).to.include({ error });
        expect(response.headers.get('preference-applied'), what).to.equal(null);
      }
      await api.request('POST', `/api/v1/conversations/${id}/pause`, { token });
      const paused = await post(message, { body: { user_message: 'hi' } });
      expect(paused.status).to.equal(409);
      expect(paused.body).to.include({
        error: 'conversation_not_active',
        current_status: 'paused',
      });
      expect(await api.items('jobs')).to.deep.equal(before);
      expect(await turnsOf(id)).to.have.length(1);
      expect(fake.requests).to.have.length(0);
    });

    it('when Prefer names anything but respond-async, then it is ignored: a buffered 200 without Preference-Applied, and no job', async () => {
      const id = await initiate(api, token);
      const before = await api.items('jobs');
      for (const prefer of [
        'respond-sync',
        'return=minimal',
        'wait=5',
        '"respond-async"',
        'x="a,respond-async"',
        'respond-asynchronous',
        '',
      ]) {
        const response = await send(id, `Prefer ${prefer}`, { Prefer: prefer });
        expect(response.status, prefer).to.equal(200);
        expect(response.headers.get('preference-applied'), prefer).to.equal(null);
      }
      expect(await api.items('jobs')).to.deep.equal(before);
      const combined = await send(id, 'Combined.', {
        Prefer: 'return=minimal, RESPOND-ASYNC; x=1',
      });
      expect(combined.status).to.equal(202);
      await settled(combined.body.job_id);
    });

    it('when a browser asks before sending Prefer, then the preflight allows the header, and a 202 lets scripts read Preference-Applied and Location', async () => {
      const origin = 'http://localhost:3000';
      const preflight = await fetch(`${api.url}/api/v1/analysis/kpi`, {
        method: 'OPTIONS',
        headers: {
          Origin: origin,
          'Access-Control-Request-Method': 'POST',
          'Access-Control-Request-Headers': 'authorization, content-type, prefer',
        },
      });
      const allowed = (preflight.headers.get('access-control-allow-headers') ?? '').toLowerCase();
      expect(allowed.split(/,\s*/)).to.include('prefer');
      fake.otherwise({ tool: coachingTurn() });
      const id = await initiate(api, token);
      const accepted = await send(id, 'From a browser.', { ...ASYNC, Origin: origin });
      expect(accepted.status).to.equal(202);
      const exposed = (accepted.headers.get('access-control-expose-headers') ?? '').split(/,\s*/);
      expect(exposed).to.include.members(['Preference-Applied', 'Location', 'Retry-After']);
      await settled(accepted.body.job_id);
    });

    it('when Prefer: respond-async and Accept: text/event-stream are both sent, then respond-async wins', async () => {
      const id = await initiate(api, token);
      const response = await send(id, 'Both.', { ...ASYNC, Accept: 'text/event-stream' });
      expect(response.status).to.equal(202);
      expect((await settled(response.body.job_id)).body.status).to.equal('succeeded');
    });
  });
});

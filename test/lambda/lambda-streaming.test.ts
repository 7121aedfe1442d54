import { execFileSync } from 'node:child_process';
import { expect } from 'chai';
import { ensureFreshBundle } from '../../scripts/build.js';
import { restApiEvent, type RestApiEventOptions } from '../../scripts/apigw-events.js';
import { startBundleStage, type BundleStage } from '../support/lambda-stage.js';
import { StreamingBundle, type StreamedInvocation } from '../support/streaming-bundle.js';
import { parseEventStream } from '../support/event-stream.js';
import { coachingTurn } from '../support/fake-answers.js';
import {
  fakeBedrockEnv,
  startFakeBedrock,
  toolPieces,
  type FakeBedrock,
} from '../support/fake-bedrock.js';

const root = process.cwd();
const NUL8 = Buffer.alloc(8);
const PRELUDE_TYPE = 'application/vnd.awslambda.http-integration-response';
const STREAMING_URL = 'https://abc123.execute-api.us-east-1.amazonaws.com/dev';

/** The bytes a stream must hold for this prelude and body: compact JSON, eight NULs, body. */
function expectExactBytes(result: StreamedInvocation) {
  expect(result.contentType).to.equal(PRELUDE_TYPE);
  expect(result.error, result.error).to.equal(undefined);
  const expected = Buffer.concat([Buffer.from(JSON.stringify(result.prelude)), NUL8, result.body]);
  expect(result.bytes.equals(expected), result.bytes.toString('latin1')).to.equal(true);
  expect(result.preludeText).to.not.include('\u0000');
}

const json = (result: StreamedInvocation) =>
  JSON.parse(result.body.toString('utf8')) as Record<string, unknown>;

describe('the Lambda bundle (app/dist/lambda.js) streamingHandler with REST API events', function () {
  this.timeout(120_000);
  let stage: BundleStage;
  let bundle: StreamingBundle;
  let bundlePath: string;

  before(async () => {
    bundlePath = await ensureFreshBundle(root);
    stage = await startBundleStage({
      name: 'stream',
      user: 'noor',
      // The streaming function is mapped under its own key on the shared domain.
      env: { API_MAPPING_KEY: 'coaching-stream', STREAMING_URL },
    });
    bundle = await StreamingBundle.start(bundlePath, stage.env);
  });
  after(async () => {
    bundle?.stop();
    await stage?.close();
  });

  const send = (options: RestApiEventOptions) => bundle.invoke(restApiEvent(options));
  const auth = () => ({
    Authorization: `Bearer ${stage.token}`,
    'Content-Type': 'application/json',
  });

  it('when the bundle loads in plain Node with no awslambda global, then both handlers are exported and handler still answers', () => {
    expect(bundle.exported).to.include.members(['handler', 'streamingHandler']);
    const probe = `
      const b = require(process.env.BUNDLE_PATH);
      const marked = b.streamingHandler[Symbol.for('aws.lambda.runtime.handler.streaming')];
      process.stdout.write(JSON.stringify([typeof b.handler, typeof b.streamingHandler, marked ?? null]));`;
    const out = execFileSync(process.execPath, ['-e', probe], {
      env: { PATH: process.env.PATH, BUNDLE_PATH: bundlePath },
    }).toString();
    expect(JSON.parse(out)).to.deep.equal(['function', 'function', null]);
  });

  it('when GET / comes by the default endpoint, then the prelude carries status and headers and URLs keep the stage', async () => {
    const event = restApiEvent({ method: 'GET', path: '/', stage: 'dev' });
    const result = await bundle.invoke(event);
    expectExactBytes(result);
    expect(result.prelude.statusCode).to.equal(200);
    const { headers } = result.prelude;
    expect(headers['content-type']).to.equal('application/json; charset=utf-8');
    // No id from the client: API Gateway's request id, as behind the HTTP API.
    expect(headers['x-request-id']).to.equal(event.requestContext.requestId);
    expect(headers['strict-transport-security']).to.contain('max-age=');
    // Names are lower-case and nothing describes a connection or a length.
    for (const name of Object.keys(headers)) expect(name).to.equal(name.toLowerCase());
    expect(headers).to.not.have.any.keys('content-length', 'connection', 'transfer-encoding');
    expect(result.prelude).to.not.have.property('multiValueHeaders');
    expect(json(result)).to.include({ docs: '/dev/docs', stage: 'dev' });
  });

  it('when a request comes through the custom domain under its mapping key, then it routes and URLs keep the key', async () => {
    const result = await send({ method: 'GET', path: '/', mappingKey: 'coaching-stream' });
    expectExactBytes(result);
    expect(result.prelude.statusCode).to.equal(200);
    expect(json(result)).to.include({
      docs: '/coaching-stream/docs',
      redoc: '/coaching-stream/redoc',
    });
  });

  it('when an authenticated conversation flows, then each answer streams with its status, Location and body', async () => {
    const initiate = await send({
      method: 'POST',
      path: '/api/v1/conversations/initiate',
      headers: { ...auth(), 'X-Request-ID': 'client-chosen-id' },
      body: JSON.stringify({ topic: 'core_values' }),
    });
    expectExactBytes(initiate);
    expect(initiate.prelude.statusCode, initiate.body.toString()).to.equal(201);
    expect(initiate.prelude.headers['x-request-id']).to.equal('client-chosen-id');
    const id = String(json(initiate).conversation_id);
    expect(initiate.prelude.headers.location).to.equal(`/dev/api/v1/conversations/${id}`);

    const message = await send({
      method: 'POST',
      path: `/api/v1/conversations/${id}/message`,
      headers: auth(),
      body: Buffer.from(JSON.stringify({ user_message: 'Honesty matters to me' })).toString(
        'base64',
      ),
      isBase64Encoded: true,
    });
    expectExactBytes(message);
    expect(message.prelude.statusCode, message.body.toString()).to.equal(200);
    expect(json(message).ai_response).to.be.a('string').and.not.equal('');

    // A repeated header arrives as one, joined; the JSON body still parses.
    const read = await send({
      method: 'GET',
      path: `/api/v1/conversations/${id}`,
      headers: { ...auth(), Cookie: ['session=abc', 'theme=dark'] },
    });
    expectExactBytes(read);
    expect(read.prelude.statusCode).to.equal(200);
    expect((json(read).messages as unknown[]).length).to.equal(3);

    const erased = await send({
      method: 'DELETE',
      path: `/api/v1/conversations/${id}`,
      headers: { Authorization: `Bearer ${stage.token}` },
    });
    expectExactBytes(erased);
    expect(erased.prelude.statusCode).to.equal(204);
    expect(erased.body.length).to.equal(0);
    expect(erased.prelude.headers['x-request-id']).to.be.a('string');
  });

  describe('a streamed turn (Accept: text/event-stream)', () => {
    let conversationId: string;
    before(async () => {
      const initiate = await send({
        method: 'POST',
        path: '/api/v1/conversations/initiate',
        headers: auth(),
        body: JSON.stringify({ topic: 'purpose' }),
      });
      conversationId = String(json(initiate).conversation_id);
    });

    const streamedTurn = (message: string, options = {}) =>
      bundle.invoke(
        restApiEvent({
          method: 'POST',
          path: `/api/v1/conversations/${conversationId}/message`,
          headers: { ...auth(), Accept: 'text/event-stream' },
          body: JSON.stringify({ user_message: message }),
        }),
        options,
      );

    /** The index of the first stream chunk whose bytes include the text. */
    function chunkWith(result: StreamedInvocation, text: string): number {
      let offset = 0;
      for (const [index, chunk] of result.chunks.entries()) {
        const piece = result.bytes.subarray(offset, offset + chunk.length).toString('utf8');
        if (piece.includes(text)) return index;
        offset += chunk.length;
      }
      return -1;
    }

    it('when the turn streams, then the prelude says event-stream and the deltas, in their own writes, join to the turn', async () => {
      const result = await streamedTurn('Helping people grow is what I care about');
      expectExactBytes(result);
      expect(result.prelude.statusCode, result.body.toString()).to.equal(200);
      expect(result.prelude.headers).to.include({
        'content-type': 'text/event-stream',
        'cache-control': 'no-cache',
      });
      expect(result.prelude.headers['x-request-id']).to.be.a('string');
      const parsed = parseEventStream(result.body.toString('utf8'));
      expect(parsed.problems).to.deep.equal([]);
      expect(parsed.rest).to.equal('');
      const names = parsed.events.map((e) => e.event);
      expect(names.at(-1)).to.equal('turn');
      const deltas = parsed.events.filter((e) => e.event === 'delta');
      expect(deltas.length).to.be.greaterThan(1);
      const turn = parsed.events.at(-1)!.data as { ai_response: string; conversation_id: string };
      expect(deltas.map((e) => (e.data as { text: string }).text).join('')).to.equal(
        turn.ai_response,
      );
      expect(turn.conversation_id).to.equal(conversationId);
      // Written as they came: the first delta left before the turn did.
      expect(chunkWith(result, 'event: delta')).to.be.within(
        0,
        chunkWith(result, 'event: turn') - 1,
      );
    });

    it('when the stream keeps asking to wait, then the events arrive whole and nothing was pushed into it while full', async () => {
      const result = await streamedTurn('Freedom to choose my work', {
        highWaterMark: 16,
        sinkDelayMs: 1,
      });
      expectExactBytes(result);
      expect(result.writesWhileFull).to.equal(0);
      const parsed = parseEventStream(result.body.toString('utf8'));
      expect(parsed.problems).to.deep.equal([]);
      expect(parsed.events.at(-1)?.event).to.equal('turn');
    });

    it('when the conversation does not exist, then the answer is the ordinary JSON 404, not a stream', async () => {
      const result = await bundle.invoke(
        restApiEvent({
          method: 'POST',
          path: '/api/v1/conversations/00000000-0000-4000-8000-000000000000/message',
          headers: { ...auth(), Accept: 'text/event-stream' },
          body: JSON.stringify({ user_message: 'Hello?' }),
        }),
      );
      expectExactBytes(result);
      expect(result.prelude.statusCode).to.equal(404);
      expect(result.prelude.headers['content-type']).to.equal('application/json; charset=utf-8');
      expect(json(result).error).to.be.a('string');
    });

    it('when GET / is asked of the streaming function, then streaming_url is the endpoint it is configured with', async () => {
      const result = await send({ method: 'GET', path: '/' });
      expect(json(result).streaming_url).to.equal(STREAMING_URL);
    });
  });

  describe('a streamed turn answered by Bedrock (a fake, through the real SDK)', () => {
    let fake: FakeBedrock;
    let bedrockBundle: StreamingBundle;
    before(async () => {
      fake = await startFakeBedrock();
      bedrockBundle = await StreamingBundle.start(bundlePath, {
        ...stage.env,
        ...fakeBedrockEnv(fake),
        ALLOWED_LLM_MODELS: fakeBedrockEnv(fake).DEFAULT_LLM_MODEL!,
      });
    });
    after(async () => {
      bedrockBundle?.stop();
      await fake?.close();
    });

    const call = (options: RestApiEventOptions) => bedrockBundle.invoke(restApiEvent(options));
    const initiate = async () =>
      String(
        json(
          await call({
            method: 'POST',
            path: '/api/v1/conversations/initiate',
            headers: auth(),
            body: JSON.stringify({ topic: 'core_values' }),
          }),
        ).conversation_id,
      );
    const message = (id: string, text: string, streamed: boolean) =>
      call({
        method: 'POST',
        path: `/api/v1/conversations/${id}/message`,
        headers: streamed ? { ...auth(), Accept: 'text/event-stream' } : auth(),
        body: JSON.stringify({ user_message: text }),
      });

    it('when the model streams its answer, then the turn event equals the buffered answer to the same message', async () => {
      const answer = coachingTurn({ ai_response: 'Courage shows in the choices you described.' });
      fake.script({ stream: toolPieces(answer, 5) }, { tool: answer });
      const streamedId = await initiate();
      const bufferedId = await initiate();
      const streamed = await message(streamedId, 'Courage.', true);
      const buffered = await message(bufferedId, 'Courage.', false);
      expectExactBytes(streamed);
      expectExactBytes(buffered);
      const { events, problems } = parseEventStream(streamed.body.toString('utf8'));
      expect(problems).to.deep.equal([]);
      const turn = events.at(-1);
      expect(turn?.event).to.equal('turn');
      expect(buffered.prelude.statusCode).to.equal(200);
      // The same body but for the conversation and the answer's own id.
      const answered = json(buffered) as { message_id: string };
      expect({
        ...(turn?.data as object),
        conversation_id: bufferedId,
        message_id: answered.message_id,
      }).to.deep.equal(answered);
      expect(
        events
          .filter((e) => e.event === 'delta')
          .map((e) => (e.data as { text: string }).text)
          .join(''),
      ).to.equal('Courage shows in the choices you described.');
    });

    it('when the client hangs up after the first delta, then the invocation returns only once the turn has committed', async () => {
      const answer = coachingTurn({ ai_response: 'Staying with it took real patience.' });
      const pieces = toolPieces(answer, 4);
      // The model is still writing well after the hang-up: a handler that returned at the
      // hang-up would let Lambda freeze the turn before its commit.
      fake.script({ stream: [pieces[0]!, pieces[1]!, { delayMs: 400 }, ...pieces.slice(2)] });
      const id = await initiate();
      const result = await bedrockBundle.invoke(
        restApiEvent({
          method: 'POST',
          path: `/api/v1/conversations/${id}/message`,
          headers: { ...auth(), Accept: 'text/event-stream' },
          body: JSON.stringify({ user_message: 'I kept going.' }),
        }),
        { hangUpOn: 'event: delta' },
      );
      expect(
        parseEventStream(result.body.toString('utf8')).events.map((e) => e.event),
      ).to.not.include('turn');
      const read = json(
        await call({ method: 'GET', path: `/api/v1/conversations/${id}`, headers: auth() }),
      ) as { messages: { role: string; content: string }[] };
      expect(read.messages.slice(-2).map((m) => m.content)).to.deep.equal([
        'I kept going.',
        'Staying with it took real patience.',
      ]);
    });

    it('when Bedrock throttles mid-stream, then the stream ends with a 503 error event and nothing is stored', async () => {
      const pieces = toolPieces(coachingTurn(), 6);
      fake.script({
        stream: [
          ...pieces.slice(0, 3),
          { error: 'ThrottlingException', message: 'Too many tokens' },
        ],
      });
      const id = await initiate();
      const read = async () =>
        json(await call({ method: 'GET', path: `/api/v1/conversations/${id}`, headers: auth() }));
      const before = await read();
      const result = await message(id, 'A throttled thought.', true);
      expectExactBytes(result);
      expect(result.prelude.statusCode).to.equal(200);
      const { events } = parseEventStream(result.body.toString('utf8'));
      expect(events.at(-1)?.event).to.equal('error');
      expect(events.at(-1)?.data).to.include({ status: 503 });
      expect(events.some((e) => e.event === 'turn')).to.equal(false);
      const after = await read();
      expect(after.messages).to.deep.equal(before.messages);
      expect(JSON.stringify(after)).to.not.contain('A throttled thought.');
    });
  });

  it('when the route does not exist, then the 404 envelope streams with the request id', async () => {
    const result = await send({ method: 'GET', path: '/api/v1/nowhere' });
    expectExactBytes(result);
    expect(result.prelude.statusCode).to.equal(404);
    expect(json(result)).to.include({
      error: 'not_found',
      request_id: result.prelude.headers['x-request-id'],
    });
  });

  it('when there is no token, then 401 with WWW-Authenticate in the prelude', async () => {
    const result = await send({ method: 'GET', path: '/api/v1/conversations' });
    expectExactBytes(result);
    expect(result.prelude.statusCode).to.equal(401);
    expect(result.prelude.headers['www-authenticate']).to.equal('Bearer');
    expect(json(result)).to.include({ error: 'missing_token' });
  });

  it('when a query key repeats, then every value arrives (and a list of pages is a 422)', async () => {
    const result = await send({
      method: 'GET',
      path: '/api/v1/conversations',
      query: 'page=1&page=2',
      headers: auth(),
    });
    expectExactBytes(result);
    expect(result.prelude.statusCode).to.equal(422);
    expect((json(result).detail as { loc: string[] }[])[0]?.loc).to.deep.equal(['query', 'page']);
  });

  it('when the body is not JSON, then the usual 4xx envelope and nothing else', async () => {
    const result = await send({
      method: 'POST',
      path: '/api/v1/conversations/initiate',
      headers: auth(),
      body: '{"topic":',
    });
    expectExactBytes(result);
    expect(result.prelude.statusCode).to.be.within(400, 499);
    expect(json(result).request_id).to.equal(result.prelude.headers['x-request-id']);
  });

  it('when HEAD is asked, then the prelude comes with no body bytes', async () => {
    const result = await send({ method: 'HEAD', path: '/api/v1/health/live' });
    expectExactBytes(result);
    expect(result.prelude.statusCode).to.equal(200);
    expect(result.body.length).to.equal(0);
  });

  it('when anonymous requests come from two addresses, then each address has its own limit', async () => {
    const remaining = async (sourceIp: string) =>
      Number(
        (await send({ method: 'GET', path: '/', sourceIp })).prelude.headers[
          'x-ratelimit-remaining'
        ],
      );
    const first = await remaining('198.51.100.1');
    expect(await remaining('198.51.100.1')).to.equal(first - 1);
    expect(await remaining('198.51.100.2')).to.equal(first);
  });

  it('when a large body streams into a stream that keeps asking to wait, then every byte arrives and none was pushed in while it was full', async () => {
    const result = await bundle.invoke(
      restApiEvent({ method: 'GET', path: '/redoc/assets/redoc.standalone.js' }),
      { highWaterMark: 1024, sinkDelayMs: 1 },
    );
    expectExactBytes(result);
    expect(result.prelude.statusCode).to.equal(200);
    expect(result.body.length).to.be.greaterThan(100_000);
    expect(result.writesWhileFull).to.equal(0);
  });

  it('when an event is not a REST API proxy event, then the invocation fails with a clear error', async () => {
    let failure = '';
    try {
      await bundle.invoke({ version: '2.0', rawPath: '/' } as never);
    } catch (error) {
      failure = String(error);
    }
    expect(failure).to.contain('streamingHandler takes API Gateway REST API proxy events');
  });

  it('when invocations finish, then their metrics were flushed as EMF lines', () => {
    const emf = bundle.stdout.split('\n').filter((line) => line.includes('"_aws"'));
    expect(emf.length).to.be.at.least(5);
  });
});

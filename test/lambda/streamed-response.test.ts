import { PassThrough, Readable } from 'node:stream';
import { expect } from 'chai';
import Koa from 'koa';
import {
  createStreamingHandler,
  type StreamingHandler,
} from '../../app/src/lambda/streaming-handler.js';
import { restApiEvent } from '../../scripts/apigw-events.js';
import {
  createResponseStream,
  installAwsLambdaGlobal,
  type StandInOptions,
} from '../support/lambda-streaming-runtime.cjs';
import { splitPrelude } from '../support/streaming-bundle.js';

// The adapter between Koa and the runtime's response stream, in-process with small Koa apps
// whose bodies the test controls piece by piece (the bundle tests cover the real app).

type Global = { awslambda?: unknown };

/** An app that answers every request with `body` as an event stream, its head sent at once. */
function eventStreamApp(body: PassThrough): Koa {
  const app = new Koa();
  app.use((ctx) => {
    ctx.type = 'text/event-stream';
    ctx.body = body;
    ctx.flushHeaders();
  });
  return app;
}

function handlerFor(app: Koa, withRuntime = true): StreamingHandler {
  const saved = (globalThis as Global).awslambda;
  if (withRuntime) installAwsLambdaGlobal();
  try {
    return createStreamingHandler(async () => ({ serve: app.callback() }));
  } finally {
    (globalThis as Global).awslambda = saved;
  }
}

/** Starts one invocation; the stand-in stream's record fills as bytes arrive. */
function start(handler: StreamingHandler, path: string, options: StandInOptions = {}) {
  const saved = (globalThis as Global).awslambda;
  installAwsLambdaGlobal();
  const { stream, sink, record } = createResponseStream(options);
  const done = handler(restApiEvent({ method: 'GET', path }), stream as never, {}).finally(() => {
    (globalThis as Global).awslambda = saved;
  });
  const received = () => Buffer.concat(record.chunks.map((chunk) => chunk.bytes));
  return { done, sink, record, received };
}

/** Resolves once the stream has received bytes that satisfy the check. */
async function until(
  received: () => Buffer,
  sink: NodeJS.EventEmitter,
  test: (b: Buffer) => boolean,
) {
  for (let i = 0; i < 1000 && !test(received()); i++) {
    await new Promise((resolve) => setImmediate(resolve));
  }
  expect(test(received()), received().toString('latin1')).to.equal(true);
  void sink;
}

describe('the streaming handler between Koa and the Lambda response stream', () => {
  it('when the app writes its body piece by piece, then each piece reaches the stream before the next is written', async () => {
    const body = new PassThrough();
    const app = eventStreamApp(body);
    const run = start(handlerFor(app), '/events');
    // The prelude alone, before any body byte exists.
    await until(run.received, run.sink, (bytes) => bytes.includes(Buffer.alloc(8)));
    expect(JSON.parse(splitPrelude(run.received()).preludeText)).to.deep.include({
      statusCode: 200,
    });
    body.write('event: delta\ndata: {"text":"Hel"}\n\n');
    await until(run.received, run.sink, (bytes) => bytes.includes('"Hel"'));
    expect(run.record.endedAtMs).to.equal(undefined);
    body.end('event: turn\ndata: {}\n\n');
    await run.done;
    expect(splitPrelude(run.received()).body.toString()).to.equal(
      'event: delta\ndata: {"text":"Hel"}\n\nevent: turn\ndata: {}\n\n',
    );
    expect(run.record.endedAtMs).to.be.a('number');
  });

  it('when the stream keeps asking to wait, then nothing is written into it while full and every byte arrives in order', async () => {
    const pieces = Array.from(
      { length: 300 },
      (_, i) => `${String(i).padStart(4, '0')}:${'x'.repeat(500)}\n`,
    );
    const app = new Koa();
    app.use((ctx) => {
      ctx.type = 'text/plain';
      ctx.body = Readable.from(pieces);
    });
    const run = start(handlerFor(app), '/big', { highWaterMark: 256, sinkDelayMs: 0 });
    await run.done;
    expect(run.record.writesWhileFull).to.equal(0);
    expect(splitPrelude(run.received()).body.toString()).to.equal(pieces.join(''));
  });

  it('when the stream drains between two writes of the app, then the next write does not wait for a drain already past', async () => {
    const body = new PassThrough();
    const app = eventStreamApp(body);
    // The prelude alone fills this stream: the head's write is refused, then the stream drains
    // before the app writes its first piece.
    const run = start(handlerFor(app), '/events', { highWaterMark: 16, sinkDelayMs: 1 });
    for (let i = 0; i < 5; i++) {
      const drained = () => !run.sink.writableNeedDrain && run.sink.writableLength === 0;
      await until(run.received, run.sink, (bytes) => bytes.length > 0 && drained());
      body.write(`event: delta\ndata: {"text":"${i}"}\n\n`);
      await until(run.received, run.sink, (bytes) => bytes.includes(`"${i}"`));
    }
    body.end();
    await run.done;
    expect(run.record.writesWhileFull).to.equal(0);
    expect(splitPrelude(run.received()).body.toString()).to.match(/"4"/);
  });

  it('when the body fails after the head was sent, then the invocation fails and the bytes so far stay', async () => {
    const body = new PassThrough();
    const app = new Koa();
    app.silent = true;
    app.use((ctx) => {
      ctx.type = 'text/plain';
      ctx.body = body;
    });
    const run = start(handlerFor(app), '/broken');
    body.write('first');
    await until(run.received, run.sink, (bytes) => bytes.includes('first'));
    body.destroy(new Error('model went away'));
    let failure: unknown;
    await run.done.catch((error: unknown) => (failure = error));
    expect(String(failure)).to.contain('model went away');
    expect(splitPrelude(run.received()).body.toString()).to.equal('first');
  });

  it('when headers come with writeHead and a cookie repeats, then the prelude has them all, the cookies as a list', async () => {
    const app = new Koa();
    app.use((ctx) => {
      ctx.respond = false;
      ctx.res.setHeader('Set-Cookie', ['a=1', 'b=2']);
      ctx.res.writeHead(202, { 'Content-Type': 'text/plain', 'X-Extra': 'yes' });
      ctx.res.end('ok');
    });
    const run = start(handlerFor(app), '/head');
    await run.done;
    const { preludeText, body } = splitPrelude(run.received());
    expect(JSON.parse(preludeText)).to.deep.equal({
      statusCode: 202,
      headers: { 'content-type': 'text/plain', 'x-extra': 'yes' },
      multiValueHeaders: { 'set-cookie': ['a=1', 'b=2'] },
    });
    expect(body.toString()).to.equal('ok');
  });

  it('when the exchange is over, then the request closes as on a server, not as an aborted one', async () => {
    const seen: string[] = [];
    const app = new Koa();
    app.use((ctx) => {
      ctx.req.once('aborted', () => seen.push('aborted'));
      ctx.req.once('close', () => seen.push('close'));
      ctx.body = { ok: true };
    });
    const run = start(handlerFor(app), '/');
    await run.done;
    expect(seen).to.deep.equal(['close']);
  });

  it('when the runtime global is absent at load, then the handler is the plain function and writes the same bytes itself', async () => {
    const app = new Koa();
    app.use((ctx) => {
      ctx.body = { same: true };
    });
    const plain = handlerFor(app, false);
    expect(
      (plain as unknown as Record<symbol, unknown>)[
        Symbol.for('aws.lambda.runtime.handler.streaming')
      ],
    ).to.equal(undefined);
    const { stream, record } = createResponseStream();
    const saved = (globalThis as Global).awslambda;
    delete (globalThis as Global).awslambda;
    try {
      await plain(restApiEvent({ method: 'GET', path: '/' }), stream as never, {});
    } finally {
      (globalThis as Global).awslambda = saved;
    }
    const direct = Buffer.concat(record.chunks.map((chunk) => chunk.bytes));
    const viaRuntime = start(handlerFor(app), '/');
    await viaRuntime.done;
    expect(record.contentType).to.equal('application/vnd.awslambda.http-integration-response');
    expect(direct.equals(viaRuntime.received())).to.equal(true);
  });

  it('when the client-side stream errors, then the invocation fails instead of hanging', async () => {
    const body = new PassThrough();
    const app = new Koa();
    app.silent = true;
    app.use((ctx) => {
      ctx.body = body;
    });
    const run = start(handlerFor(app), '/gone', { highWaterMark: 1 });
    body.write('a');
    await until(run.received, run.sink, (bytes) => bytes.includes('a'));
    run.sink.destroy(new Error('connection to the runtime lost'));
    await new Promise((resolve) => run.sink.once('close', resolve));
    body.write('b');
    let failure: unknown;
    await run.done.catch((error: unknown) => (failure = error));
    expect(String(failure)).to.contain('connection to the runtime lost');
  });
});

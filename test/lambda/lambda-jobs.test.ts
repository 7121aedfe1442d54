// Jobs in AWS, through the built bundle (app/dist/lambda.js) in its own process. The HTTP API
// event that prefers respond-async is answered 202 by `handler`, whose dispatcher invokes the
// function itself through the real Lambda SDK client, against a fake Lambda endpoint
// (LAMBDA_ENDPOINT). Then `handler` is handed the job event as Lambda delivers an asynchronous
// invocation: the payload exactly as it was sent, and again for a retry or a duplicate
// ("How Lambda handles errors and retries with asynchronous invocation": the same event may
// arrive more than once). The model is a fake Bedrock endpoint.
import { ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { expect } from 'chai';
import { JOB_EVENT_SOURCE } from '../../app/src/jobs/job-event.js';
import {
  httpApiEvent,
  type HttpApiEventOptions,
  type HttpApiResult,
} from '../../scripts/apigw-events.js';
import { coachingTurn } from '../support/fake-answers.js';
import { fakeBedrockEnv, startFakeBedrock, type FakeBedrock } from '../support/fake-bedrock.js';
import { startFakeLambda, throttled, type FakeLambda } from '../support/fake-lambda.js';
import { startLambdaBundle, type LambdaBundle } from '../support/lambda-bundle.js';
import {
  replyOf,
  startBundleStage,
  type BundleStage,
  type Reply,
} from '../support/lambda-stage.js';
import {
  expectConforms,
  ServedDocument,
  type OpenApiDocument,
} from '../support/served-document.js';

const FUNCTION_NAME = 'purposepath-coaching-api-dev-v2';

describe('jobs in Lambda: the bundle’s handler hands a job to itself and runs the job event', function () {
  this.timeout(120_000);
  let stage: BundleStage;
  let bedrock: FakeBedrock;
  let lambda: FakeLambda;
  let bundle: LambdaBundle;
  let document: ServedDocument;

  before(async () => {
    bedrock = await startFakeBedrock();
    lambda = await startFakeLambda();
    stage = await startBundleStage({
      name: 'lambda-jobs',
      user: 'lena',
      env: {
        LOG_LEVEL: 'WARNING',
        ...fakeBedrockEnv(bedrock),
        // What the Lambda runtime sets, and where its Invoke API answers in this test.
        AWS_LAMBDA_FUNCTION_NAME: FUNCTION_NAME,
        LAMBDA_ENDPOINT: lambda.url,
      },
    });
    bundle = await startLambdaBundle(stage.env);
    const served = await send({ method: 'GET', rawPath: '/openapi.json' });
    document = new ServedDocument(JSON.parse(served.text) as OpenApiDocument, [
      stage.config.stage,
      stage.config.apiMappingKey,
    ]);
  });
  beforeEach(() => {
    bedrock.reset();
    bedrock.otherwise({ tool: coachingTurn() });
    lambda.reset();
  });
  after(async () => {
    await bundle?.close();
    await lambda?.close();
    await bedrock?.close();
    await stage?.close();
  });

  async function send(options: HttpApiEventOptions): Promise<Reply> {
    const outcome = await bundle.invoke(httpApiEvent(options));
    if (outcome.error !== undefined) throw new Error(`the handler threw: ${outcome.error}`);
    return replyOf(outcome.result as HttpApiResult);
  }

  /** An HTTP API request through the handler, its answer checked against the served document. */
  async function request(
    method: string,
    rawPath: string,
    options: { body?: unknown; headers?: Record<string, string> } = {},
  ): Promise<Reply> {
    const reply = await send({
      method,
      rawPath,
      headers: {
        authorization: `Bearer ${stage.token}`,
        'content-type': 'application/json',
        ...options.headers,
      },
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    });
    expectConforms(document, {
      method,
      path: rawPath,
      status: reply.status,
      header: (name) => reply.headers[name.toLowerCase()],
      text: reply.text,
    });
    return reply;
  }

  const initiate = async () => {
    const reply = await request('POST', '/api/v1/conversations/initiate', {
      body: { topic: 'core_values' },
    });
    expect(reply.status, reply.text).to.equal(201);
    return String(reply.body.conversation_id);
  };
  const message = (id: string, text: string, headers: Record<string, string> = {}) =>
    request('POST', `/api/v1/conversations/${id}/message`, {
      body: { user_message: text },
      headers,
    });
  const readJob = (jobId: string) => request('GET', `/api/v1/jobs/${jobId}`);
  const scan = async (table: string) =>
    (await stage.dynamo.doc.send(new ScanCommand({ TableName: table }))).Items ?? [];
  const turnsOf = async (id: string) =>
    (await scan(stage.config.tables.messages)).filter((item) => item.conversation_id === id);
  const emittedMetrics = (name: string) =>
    bundle
      .stdout()
      .split('\n')
      .filter((line) => line.includes('"_aws"') && line.includes(`"${name}"`)).length;
  const logged = (event: string) => bundle.stdout().split(`"event":"${event}"`).length - 1;
  const refusalsLogged = () => logged('lambda_event_refused');
  /**
   * The count once it reaches `expected`, or as it stands after a second: the function's stdout
   * travels on its own pipe, so a line may arrive just after the handler's answer.
   */
  async function countOnce(count: () => number, expected: number): Promise<number> {
    for (let i = 0; i < 100 && count() < expected; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return count();
  }

  /** A message job accepted through the handler; the event the fake Lambda was handed for it. */
  async function acceptedJob(text: string, key?: string) {
    const id = await initiate();
    const accepted = await message(id, text, {
      Prefer: 'respond-async',
      ...(key ? { 'Idempotency-Key': key } : {}),
    });
    expect(accepted.status, accepted.text).to.equal(202);
    const jobId = String(accepted.body.job_id);
    const invocation = lambda.invocations.find(
      (i) => (i.payload as { job_id?: string } | undefined)?.job_id === jobId,
    );
    expect(invocation, 'no invocation names the job').to.not.equal(undefined);
    return { id, jobId, accepted, event: invocation!.payload };
  }

  it('when a message prefers respond-async, then handler answers 202 and invokes its own function asynchronously with a payload naming only the job', async () => {
    const { jobId, accepted } = await acceptedJob('Honesty matters most to me.');
    expect(accepted.headers.location).to.equal(`/api/v1/jobs/${jobId}`);
    expect(accepted.headers['preference-applied']).to.equal('respond-async');
    expect(lambda.invocations).to.have.length(1);
    const [invocation] = lambda.invocations;
    expect(invocation?.functionName).to.equal(FUNCTION_NAME);
    expect(invocation?.invocationType).to.equal('Event');
    expect(invocation?.payload).to.deep.equal({ source: JOB_EVENT_SOURCE, job_id: jobId });
    // Signed like any AWS call (fixed local keys for the loopback stand-in).
    expect(String(invocation?.headers.authorization)).to.match(
      /^AWS4-HMAC-SHA256 Credential=local\//,
    );
    // Nothing ran in the invocation that answered: the model was not asked, the job waits.
    expect(bedrock.requests).to.have.length(0);
    const queued = await readJob(jobId);
    expect(queued.body).to.include({ status: 'queued', result: null });
  });

  it('when Lambda delivers the job event, then the worker runs it to succeeded, with exactly the body a buffered turn answers', async () => {
    const { id, jobId, event } = await acceptedJob('Courage, I think.', 'turn-1');
    const outcome = await bundle.invoke(event);
    expect(outcome).to.deep.equal({ result: { job_id: jobId, report: 'succeeded' } });
    const done = await readJob(jobId);
    expect(done.body).to.include({ status: 'succeeded', error: null });
    expect(done.headers['retry-after']).to.equal(undefined);
    // The same key and body, buffered: the stored turn's own answer, which the job must equal.
    const buffered = await message(id, 'Courage, I think.', { 'Idempotency-Key': 'turn-1' });
    expect(buffered.status, buffered.text).to.equal(200);
    expect(done.body.result).to.deep.equal(buffered.body);
    expect(bedrock.requests).to.have.length(1);
    expect(await turnsOf(id)).to.have.length(2);
    // The job's turn no longer holds the conversation: a buffered turn goes through.
    expect((await message(id, 'And loyalty.')).status).to.equal(200);
  });

  it('when Lambda delivers the same event again, after the job ran or while it runs, then nothing runs twice: no second turn, the same result', async () => {
    const { id, jobId, event } = await acceptedJob('Curiosity.');
    let release: () => void = () => undefined;
    bedrock.script({
      until: new Promise<void>((resolve) => (release = resolve)),
      then: { tool: coachingTurn() },
    });
    const first = bundle.invoke(event);
    // While the first worker waits on the model, a duplicate of the event arrives.
    for (let i = 0; i < 200 && bedrock.requests.length === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(bedrock.requests).to.have.length(1);
    expect(await bundle.invoke(event)).to.deep.equal({
      result: { job_id: jobId, report: 'not_run' },
    });
    release();
    expect(await first).to.deep.equal({ result: { job_id: jobId, report: 'succeeded' } });
    const result = (await readJob(jobId)).body.result;
    bedrock.script({ tool: coachingTurn({ ai_response: 'A second answer that must not land.' }) });
    expect(await bundle.invoke(event)).to.deep.equal({
      result: { job_id: jobId, report: 'not_run' },
    });
    expect((await readJob(jobId)).body.result).to.deep.equal(result);
    expect(await turnsOf(id)).to.have.length(2);
    expect(bedrock.requests).to.have.length(1);
  });

  it('when the event arrives after the job’s start-by time (it waited in Lambda’s queue), then the job fails 503 service_unavailable, the model is not asked, and the conversation is free', async () => {
    const { id, jobId, event } = await acceptedJob('Patience.');
    const expiredBefore = emittedMetrics('JobExpired');
    // What a long wait in Lambda's queue looks like to the worker: its start-by time has passed.
    await stage.dynamo.doc.send(
      new UpdateCommand({
        TableName: stage.config.tables.jobs,
        Key: { job_id: jobId },
        UpdateExpression: 'SET start_by = :past',
        ExpressionAttributeValues: { ':past': Date.now() - 1000 },
      }),
    );
    expect(await bundle.invoke(event)).to.deep.equal({
      result: { job_id: jobId, report: 'not_run' },
    });
    const failed = await readJob(jobId);
    expect(failed.body).to.include({ status: 'failed', result: null });
    expect(failed.body.error).to.include({ status: 503, error: 'service_unavailable' });
    expect(bedrock.requests).to.have.length(0);
    expect(await turnsOf(id)).to.have.length(1);
    expect(await countOnce(() => emittedMetrics('JobExpired'), expiredBefore + 1)).to.equal(
      expiredBefore + 1,
    );
    expect((await message(id, 'Still here.')).status).to.equal(200);
  });

  it('when the model fails mid-job (Bedrock throttles), then the job fails with the envelope and its status, nothing is stored, the invocation ends well, and JobFailed is counted', async () => {
    const { id, jobId, event } = await acceptedJob('Integrity.');
    const failedBefore = emittedMetrics('JobFailed');
    bedrock.script({ error: 'ThrottlingException' });
    expect(await bundle.invoke(event)).to.deep.equal({
      result: { job_id: jobId, report: 'failed' },
    });
    const failed = await readJob(jobId);
    expect(failed.body).to.include({ status: 'failed', result: null });
    expect(failed.body.error).to.deep.include({
      status: 503,
      error: 'service_unavailable',
      request_id: failed.body.error && (failed.body.error as { request_id: string }).request_id,
    });
    expect(Object.keys(failed.body.error as object)).to.include.members([
      'status',
      'error',
      'message',
      'detail',
      'request_id',
    ]);
    expect(await turnsOf(id)).to.have.length(1);
    expect(await countOnce(() => emittedMetrics('JobFailed'), failedBefore + 1)).to.equal(
      failedBefore + 1,
    );
    // The failed job let its conversation go.
    expect((await message(id, 'Integrity, again.')).status).to.equal(200);
  });

  it('when Lambda throttles the hand-off, then the client gets 503 service_unavailable, the job is stored failed rather than queued, and the conversation is free', async () => {
    const id = await initiate();
    // The client retries a throttle once; both attempts are refused.
    lambda.script(throttled, throttled);
    const refused = await message(id, 'Now, please.', { Prefer: 'respond-async' });
    expect(refused.status, refused.text).to.equal(503);
    expect(refused.body).to.include({ error: 'service_unavailable' });
    expect(refused.headers['retry-after']).to.match(/^\d+$/);
    expect(lambda.invocations).to.have.length(2);
    const jobs = (await scan(stage.config.tables.jobs)).filter(
      (item) => item.record_kind === 'job' && item.conversation_id === id,
    );
    expect(jobs.map((job) => job.status)).to.deep.equal(['failed']);
    expect(JSON.parse(String(jobs[0]?.error))).to.include({
      status: 503,
      error: 'service_unavailable',
    });
    expect(await countOnce(() => logged('job_dispatch_failed'), 1)).to.equal(1);
    expect(bedrock.requests).to.have.length(0);
    expect((await message(id, 'Buffered, then.')).status).to.equal(200);
  });

  it('when a job event names a job that does not exist, then nothing runs and the invocation ends well', async () => {
    const event = { source: JOB_EVENT_SOURCE, job_id: `job_${'0'.repeat(32)}` };
    expect(await bundle.invoke(event)).to.deep.equal({
      result: { job_id: event.job_id, report: 'not_run' },
    });
    expect(bedrock.requests).to.have.length(0);
  });

  it('when the accepting function is not the one that runs jobs (the streaming function), then the job goes to JOBS_FUNCTION_NAME', async () => {
    // The streaming function runs the same bundle under its own name; the platform names the
    // API function, whose handler runs job events and which the shared role may invoke.
    const streaming = await startLambdaBundle({
      ...stage.env,
      AWS_LAMBDA_FUNCTION_NAME: 'purposepath-coaching-stream-dev-v2',
      JOBS_FUNCTION_NAME: FUNCTION_NAME,
    });
    try {
      const id = await initiate();
      const accepted = await streaming.invoke(
        httpApiEvent({
          method: 'POST',
          rawPath: `/api/v1/conversations/${id}/message`,
          headers: {
            authorization: `Bearer ${stage.token}`,
            'content-type': 'application/json',
            prefer: 'respond-async',
          },
          body: JSON.stringify({ user_message: 'From the other function.' }),
        }),
      );
      expect((accepted.result as HttpApiResult).statusCode).to.equal(202);
      expect(lambda.invocations.map((i) => i.functionName)).to.deep.equal([FUNCTION_NAME]);
    } finally {
      await streaming.close();
    }
  });

  for (const [story, event] of [
    ['an empty object', {}],
    [
      'an EventBridge scheduled event',
      { source: 'aws.events', 'detail-type': 'Scheduled Event', detail: {} },
    ],
    ['a REST API (payload 1.0) event', { httpMethod: 'GET', path: '/', requestContext: {} }],
    ['a string', 'hello'],
    ['null', null],
    ['a job event whose id is not a job id', { source: JOB_EVENT_SOURCE, job_id: '../etc' }],
  ] as [string, unknown][]) {
    it(`when the handler is given ${story}, then it refuses it with an answer, logs it, and does not throw`, async () => {
      const before = refusalsLogged();
      const outcome = await bundle.invoke(event);
      expect(outcome).to.have.property('result').that.includes({ refused: true });
      expect(await countOnce(refusalsLogged, before + 1)).to.equal(before + 1);
      expect(bedrock.requests).to.have.length(0);
    });
  }
});

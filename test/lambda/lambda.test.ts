// The built bundle's `handler` (app/dist/lambda.js) in its own process, with HTTP API v2 events as
// API Gateway sends them: named stages and the mapping key, the error envelope, repeated query
// keys and the metrics, each answer checked against the document the bundle serves.
import { expect } from 'chai';
import {
  httpApiEvent,
  type HttpApiEventOptions,
  type HttpApiResult,
} from '../../scripts/apigw-events.js';
import { startLambdaBundle, type LambdaBundle } from '../support/lambda-bundle.js';
import { replyOf, startBundleStage, type BundleStage } from '../support/lambda-stage.js';
import {
  expectConforms,
  ServedDocument,
  type OpenApiDocument,
} from '../support/served-document.js';

describe('the Lambda bundle (app/dist/lambda.js) with HTTP API v2 events', function () {
  this.timeout(120_000);
  let stage: BundleStage;
  let bundle: LambdaBundle;

  before(async () => {
    stage = await startBundleStage({ name: 'lambda', user: 'lia' });
    bundle = await startLambdaBundle(stage.env);
  });
  after(async () => {
    await bundle?.close();
    await stage?.close();
  });

  let served: Promise<ServedDocument> | undefined;
  /** The document as the bundle serves it, read once through the function itself. */
  const document = () =>
    (served ??= send({ method: 'GET', rawPath: '/openapi.json' }).then(
      (r) =>
        new ServedDocument(JSON.parse(r.text) as OpenApiDocument, [
          stage.config.stage,
          stage.config.apiMappingKey,
        ]),
    ));

  /** Invokes the function; the result must match the served /openapi.json, as in the harness. */
  async function invoke(options: HttpApiEventOptions) {
    const response = await send(options);
    const query = options.rawQueryString ? `?${options.rawQueryString}` : '';
    // The service strips the event's own named stage, whatever STAGE says; so does the check.
    const stage = options.stage && options.stage !== '$default' ? `/${options.stage}` : '';
    const routed =
      stage && options.rawPath.startsWith(`${stage}/`)
        ? options.rawPath.slice(stage.length)
        : options.rawPath;
    expectConforms(await document(), {
      method: options.method,
      path: `${routed}${query}`,
      status: response.status,
      header: (name) => response.headers[name.toLowerCase()],
      text: response.text,
    });
    return response;
  }

  async function send(options: HttpApiEventOptions) {
    const outcome = await bundle.invoke(httpApiEvent(options));
    if (outcome.error !== undefined) throw new Error(`the handler threw: ${outcome.error}`);
    return replyOf(outcome.result as HttpApiResult);
  }

  const auth = () => ({
    authorization: `Bearer ${stage.token}`,
    'content-type': 'application/json',
  });

  it('when reached through the $default stage, then it routes the bare path and writes bare URLs', async () => {
    const response = await invoke({ method: 'GET', rawPath: '/' });
    expect(response.status).to.equal(200);
    expect(response.body).to.include({ docs: '/docs', stage: 'dev' });
    expect(response.headers['x-request-id']).to.be.a('string');
    expect(response.headers['strict-transport-security']).to.contain('max-age=');
  });

  it('when reached through the named stage, then an authenticated conversation flows and every URL keeps the stage', async () => {
    const initiate = await invoke({
      method: 'POST',
      rawPath: '/dev/api/v1/conversations/initiate',
      stage: 'dev',
      headers: auth(),
      body: JSON.stringify({ topic: 'core_values' }),
    });
    expect(initiate.status, initiate.text).to.equal(201);
    const id = String(initiate.body.conversation_id);
    expect(initiate.headers.location).to.equal(`/dev/api/v1/conversations/${id}`);
    expect(initiate.headers['x-ratelimit-limit']).to.equal('10');

    const message = await invoke({
      method: 'POST',
      rawPath: `/dev/api/v1/conversations/${id}/message`,
      stage: 'dev',
      headers: auth(),
      body: Buffer.from(JSON.stringify({ user_message: 'Honesty matters to me' })).toString(
        'base64',
      ),
      isBase64Encoded: true,
    });
    expect(message.status, message.text).to.equal(200);
    expect(message.body.ai_response).to.be.a('string');

    const read = await invoke({
      method: 'GET',
      rawPath: `/dev/api/v1/conversations/${id}`,
      stage: 'dev',
      headers: auth(),
      cookies: ['session=abc', 'theme=dark'],
    });
    expect(read.status).to.equal(200);
    expect((read.body.messages as unknown[]).length).to.equal(3);
  });

  it('when reached through a named stage other than STAGE, then it routes and every URL keeps that stage', async () => {
    const front = await invoke({ method: 'GET', rawPath: '/preview/', stage: 'preview' });
    expect(front.status, front.text).to.equal(200);
    expect(front.body).to.include({ docs: '/preview/docs', stage: 'dev' });
    const initiate = await invoke({
      method: 'POST',
      rawPath: '/preview/api/v1/conversations/initiate',
      stage: 'preview',
      headers: auth(),
      body: JSON.stringify({ topic: 'vision' }),
    });
    expect(initiate.status, initiate.text).to.equal(201);
    expect(initiate.headers.location).to.equal(
      `/preview/api/v1/conversations/${String(initiate.body.conversation_id)}`,
    );
  });

  it('when a path only starts like another stage, then it is not stripped', async () => {
    const response = await invoke({ method: 'GET', rawPath: '/preview/', stage: 'dev' });
    expect(response.status).to.equal(404);
  });

  it('when reached through the custom domain with the mapping key, then docs and the OpenAPI servers carry the key', async () => {
    const front = await invoke({ method: 'GET', rawPath: '/coaching/' });
    expect(front.status).to.equal(200);
    expect(front.body).to.include({ docs: '/coaching/docs', redoc: '/coaching/redoc' });
    const doc = await invoke({ method: 'GET', rawPath: '/coaching/openapi.json' });
    expect(doc.body.servers).to.deep.equal([{ url: '/coaching', description: 'This deployment' }]);
    const page = await invoke({ method: 'GET', rawPath: '/coaching/redoc' });
    expect(page.text).to.contain('spec-url="/coaching/openapi.json"');
    const asset = await invoke({
      method: 'GET',
      rawPath: '/coaching/redoc/assets/redoc.standalone.js',
    });
    expect(asset.status).to.equal(200);
    expect(asset.text).to.not.contain('cdn.redoc.ly');
  });

  it('when a route does not exist, then 404 in the envelope', async () => {
    const response = await invoke({ method: 'GET', rawPath: '/dev/api/v1/nowhere', stage: 'dev' });
    expect(response.status).to.equal(404);
    expect(response.body).to.include({
      error: 'not_found',
      request_id: response.headers['x-request-id'],
    });
  });

  it('when the body breaks the schema, then 422 in the envelope with the field named', async () => {
    const response = await invoke({
      method: 'POST',
      rawPath: '/api/v1/conversations/initiate',
      headers: auth(),
      body: Buffer.from(JSON.stringify({ topic: 'astrology' })).toString('base64'),
      isBase64Encoded: true,
    });
    expect(response.status).to.equal(422);
    expect(response.body.error).to.equal('validation_error');
    expect((response.body.detail as { loc: string[] }[])[0]?.loc).to.deep.equal(['body', 'topic']);
  });

  it('when a query key repeats, then both values arrive (and a list of pages is a 422)', async () => {
    const response = await invoke({
      method: 'GET',
      rawPath: '/api/v1/conversations',
      rawQueryString: 'page=1&page=2',
      headers: auth(),
    });
    expect(response.status).to.equal(422);
    expect((response.body.detail as { loc: string[] }[])[0]?.loc).to.deep.equal(['query', 'page']);
  });

  it('when there is no token, then 401 in the envelope with WWW-Authenticate', async () => {
    const response = await invoke({ method: 'GET', rawPath: '/api/v1/conversations' });
    expect(response.status).to.equal(401);
    expect(response.body).to.include({ error: 'missing_token' });
    expect(response.headers['www-authenticate']).to.equal('Bearer');
  });

  it('when invocations finish, then their metrics were flushed as EMF lines with only the Stage dimension', () => {
    const emf = bundle
      .stdout()
      .split('\n')
      .filter((line) => line.includes('"_aws"'))
      .map(
        (line) =>
          JSON.parse(line) as {
            Stage: string;
            _aws: { CloudWatchMetrics: { Namespace: string; Dimensions: string[][] }[] };
          },
      );
    expect(emf.length).to.be.at.least(5);
    for (const line of emf) {
      expect(line.Stage).to.equal('dev');
      expect(line._aws.CloudWatchMetrics[0]?.Namespace).to.equal('PurposePath/Coaching');
      expect(line._aws.CloudWatchMetrics[0]?.Dimensions).to.deep.equal([['Stage']]);
    }
  });
});

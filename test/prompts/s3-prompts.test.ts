// The S3 prompt store against s3rver over HTTP: the app serves the bucket's templates,
// revalidates them by ETag, keeps the last good version when a broken one is uploaded, falls
// back to the image's prompts/ copy, and starts without S3.
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { expect } from 'chai';
import { s3PromptSource } from '../../app/src/prompts/s3-source.js';
import { startFakeS3, type FakeS3 } from '../support/fake-s3.js';
import { startApi, type TestApi } from '../support/harness.js';

const promptsDir = path.resolve(__dirname, '..', '..', 'prompts');
const promptKeys = readdirSync(promptsDir, { recursive: true, encoding: 'utf8' })
  .filter((entry) => entry.endsWith('.yaml'))
  .map((entry) => entry.split(path.sep).join('/'));
const fileText = (key: string) => readFileSync(path.join(promptsDir, key), 'utf8');

/** The checked-in template with another opening message, so a test can tell versions apart. */
function withOpening(key: string, opening: string): string {
  const text = fileText(key).replace(
    /^initial_message: [|>]-?\n(?: {2}.*\n|\n)+/m,
    `initial_message: "${opening}"\n`,
  );
  if (!text.includes(opening)) throw new Error(`could not rewrite the opening of ${key}`);
  return text;
}

/** A template that fails its schema: the system prompt is gone. */
const broken = (key: string) => fileText(key).replace(/^system_prompt:/m, 'system_promt:');

const opening = (key: string): string => {
  const match = /^initial_message: [|>]-?\n((?: {2}.*\n|\n)+)/m.exec(fileText(key));
  return (match?.[1] ?? '').replace(/^ {2}/gm, '').trim().split('\n')[0]!;
};

/** A loopback port nobody listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('prompt templates from S3 (s3rver over HTTP)', () => {
  let s3: FakeS3;
  let api: TestApi;
  let token: string;

  const start = (topic: string) =>
    api.request<{ initial_message: string }>('POST', '/api/v1/conversations/initiate', {
      token,
      body: { topic },
    });

  before(async () => {
    s3 = await startFakeS3();
    for (const key of promptKeys) await s3.put(key, fileText(key));
    await s3.put(
      'coaching/core_values.yaml',
      withOpening('coaching/core_values.yaml', 'Hello from the bucket. What matters most?'),
    );
    api = await startApi({
      env: {
        PROMPTS_S3_BUCKET: s3.bucket,
        S3_ENDPOINT: s3.endpoint,
        PROMPT_CACHE_SECONDS: '1',
        RATE_LIMIT_INITIATE: '1000/20',
      },
    });
    token = await api.token('sam', 'acme');
  });
  after(async () => {
    await api.close();
    await s3.close();
  });

  it("when a conversation starts, then its opening message is the bucket's version of the template", async () => {
    const response = await start('core_values');
    expect(response.status).to.equal(201);
    expect(response.body.initial_message).to.equal('Hello from the bucket. What matters most?');
  });

  it('when a template is read again with its ETag, then S3 answers not-modified until the object changes', async () => {
    const source = s3PromptSource(s3.client, s3.bucket);
    const first = await source.read('coaching/goals.yaml');
    if (first === 'not-modified') throw new Error('a read without an ETag must return the object');
    expect(first.text).to.equal(fileText('coaching/goals.yaml'));
    expect(first.etag).to.be.a('string').and.not.equal('');

    expect(await source.read('coaching/goals.yaml', first.etag)).to.equal('not-modified');

    await s3.put('coaching/goals.yaml', withOpening('coaching/goals.yaml', 'New goals opening?'));
    const changed = await source.read('coaching/goals.yaml', first.etag);
    expect(changed).to.not.equal('not-modified');
    expect((changed as { text: string }).text).to.include('New goals opening?');
    await s3.put('coaching/goals.yaml', fileText('coaching/goals.yaml'));
  });

  it('when a broken template replaces a good one in the bucket, then the good one keeps serving and the rejection is logged; a fixed upload is served after the TTL', async () => {
    const key = 'coaching/vision.yaml';
    await s3.put(key, withOpening(key, 'Vision, version one?'));
    expect((await start('vision')).body.initial_message).to.equal('Vision, version one?');

    await s3.put(key, broken(key));
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const during = await start('vision');
    expect(during.status).to.equal(201);
    expect(during.body.initial_message).to.equal('Vision, version one?');
    const rejected = api.logger.lines.filter(
      (l) => l.event === 'prompt_template_rejected' && l.key === key,
    );
    expect(rejected).to.have.length.above(0);
    expect(String(rejected[0]!.reason)).to.include('system_prompt');
    expect(rejected[0]!.source).to.equal(`s3://${s3.bucket}`);

    await s3.put(key, withOpening(key, 'Vision, version two?'));
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect((await start('vision')).body.initial_message).to.equal('Vision, version two?');
  });

  it("when a template is broken in the bucket and this instance has no good copy yet, then the image's prompts/ copy serves", async () => {
    const key = 'coaching/purpose.yaml';
    await s3.put(key, broken(key));
    const response = await start('purpose');
    expect(response.status).to.equal(201);
    expect(response.body.initial_message).to.include(opening(key));
    expect(
      api.logger.lines.some((l) => l.event === 'prompt_template_rejected' && l.key === key),
    ).to.equal(true);
  });
});

describe('prompt templates when S3 is unreachable', () => {
  let api: TestApi;

  it("when S3 is down, then the app starts at once, serves the image's copy and reports storage unhealthy", async () => {
    const started = Date.now();
    api = await startApi({
      env: {
        PROMPTS_S3_BUCKET: 'purposepath-coaching-prompts-test',
        S3_ENDPOINT: `http://127.0.0.1:${await closedPort()}`,
      },
    });
    try {
      const token = await api.token('sam', 'acme');
      const response = await api.request<{ initial_message: string }>(
        'POST',
        '/api/v1/conversations/initiate',
        { token, body: { topic: 'goals' } },
      );
      expect(response.status).to.equal(201);
      expect(response.body.initial_message).to.include(opening('coaching/goals.yaml'));
      expect(Date.now() - started).to.be.below(5000);

      const health = await api.request<{ status: string; services: { storage: string } }>(
        'GET',
        '/api/v1/health',
      );
      expect(health.status).to.equal(503);
      expect(health.body.services.storage).to.equal('unhealthy: prompt store not readable');
      expect(health.text).to.not.include('s3://');
      const logged = api.logger.lines.find((l) => l.event === 'health_check_failed');
      expect(logged).to.include({ dependency: 'storage' });
      expect(String(logged?.source)).to.match(/^s3:\/\//);
    } finally {
      await api.close();
    }
  });
});

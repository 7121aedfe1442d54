// The app serving templates from a versioned bucket (the S3 stand-in over HTTP): the current
// version, a broken current version never reaching a user while an earlier good one exists
// (health says which), a template with no usable version (503 naming it), the image's copy when
// S3 is down, a hung S3 that never holds a request, and the races two admins can run.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import { expect } from 'chai';
import { PreconditionFailedError } from '../../app/src/errors.js';
import { createPromptAdmin } from '../../app/src/prompts/prompt-admin.js';
import { fileOf, promptKeys, type PromptKey } from '../../app/src/prompts/prompt-keys.js';
import { s3PromptHistory } from '../../app/src/prompts/s3-history.js';
import { startFakeS3, type FakeS3 } from '../support/fake-s3.js';
import { startApi, type TestApi } from '../support/harness.js';

const promptsDir = path.resolve(__dirname, '..', '..', 'prompts');
const shipped = (key: PromptKey) => readFileSync(path.join(promptsDir, fileOf(key)), 'utf8');

/** The checked-in template with another opening message, so a test can tell versions apart. */
function withOpening(key: PromptKey, opening: string): string {
  const text = shipped(key).replace(
    /^initial_message: [|>]-?\n(?: {2}.*\n|\n)+/m,
    `initial_message: "${opening}"\n`,
  );
  if (!text.includes(opening)) throw new Error(`could not rewrite the opening of ${key}`);
  return text;
}

/** A template that fails its schema: the system prompt is gone. */
const broken = (key: PromptKey) => shipped(key).replace(/^system_prompt:/m, 'system_promt:');

const opening = (key: PromptKey): string => {
  const match = /^initial_message: [|>]-?\n((?: {2}.*\n|\n)+)/m.exec(shipped(key));
  return (match?.[1] ?? '').replace(/^ {2}/gm, '').trim().split('\n')[0]!;
};

async function seeded(): Promise<FakeS3> {
  const s3 = await startFakeS3();
  for (const key of promptKeys) await s3.put(fileOf(key), shipped(key), { 'updated-by': 'deploy' });
  return s3;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Health {
  status: string;
  services: { storage: string };
  warnings?: string[];
}

describe('prompt templates from a versioned bucket', () => {
  let s3: FakeS3;
  let api: TestApi;
  let token: string;

  const start = (topic: string) =>
    api.request<{ initial_message: string; detail?: string }>(
      'POST',
      '/api/v1/conversations/initiate',
      { token, body: { topic } },
    );
  const currentId = (key: PromptKey) => s3.versions(fileOf(key))[0]!.versionId;

  before(async () => {
    s3 = await seeded();
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

  it("when a conversation starts, then its opening message is the bucket's current version", async () => {
    const key = 'coaching/core_values';
    await s3.put(fileOf(key), withOpening(key, 'Hello from the bucket. What matters most?'));
    const response = await start('core_values');
    expect(response.status).to.equal(201);
    expect(response.body.initial_message).to.equal('Hello from the bucket. What matters most?');
  });

  it('when a broken version becomes current, then the newest earlier good version serves, health names both, and a fixed version serves after the TTL', async () => {
    const key = 'coaching/vision';
    await s3.put(fileOf(key), withOpening(key, 'Vision, version one?'));
    const good = currentId(key);
    expect((await start('vision')).body.initial_message).to.equal('Vision, version one?');

    await s3.put(fileOf(key), broken(key));
    const bad = currentId(key);
    await pause(1100);
    const during = await start('vision');
    expect(during.status).to.equal(201);
    expect(during.body.initial_message).to.equal('Vision, version one?');
    const rejected = api.logger.lines.find(
      (l) => l.event === 'prompt_template_rejected' && l.version_id === bad,
    );
    expect(String(rejected?.reason)).to.match(/^system_prompt: /);
    const health = await api.request<Health>('GET', '/api/v1/health');
    expect(health.status).to.equal(200);
    expect(health.body.services.storage).to.equal('healthy');
    expect(health.body.warnings).to.have.lengthOf(1);
    expect(health.body.warnings![0]).to.include(key).and.include(bad).and.include(good);

    await s3.put(fileOf(key), withOpening(key, 'Vision, version two?'));
    await pause(1100);
    expect((await start('vision')).body.initial_message).to.equal('Vision, version two?');
    await pause(5100); // past the health route's own cache
    expect((await api.request<Health>('GET', '/api/v1/health')).body.warnings).to.equal(undefined);
  });

  it('when a fresh instance finds a broken current version, then it serves the earlier good one from the history, not the image copy', async () => {
    const key = 'coaching/purpose';
    await s3.put(fileOf(key), withOpening(key, 'Purpose from the history?'));
    await s3.put(fileOf(key), broken(key));
    const fresh = await startApi({
      env: { PROMPTS_S3_BUCKET: s3.bucket, S3_ENDPOINT: s3.endpoint },
    });
    try {
      const response = await fresh.request<{ initial_message: string }>(
        'POST',
        '/api/v1/conversations/initiate',
        { token: await fresh.token('sam', 'acme'), body: { topic: 'purpose' } },
      );
      expect(response.status).to.equal(201);
      expect(response.body.initial_message).to.equal('Purpose from the history?');
    } finally {
      await fresh.close();
    }
  });

  it('when an admin publishes, then the app serves the new version within PROMPT_CACHE_SECONDS', async () => {
    const key = 'coaching/goals';
    await start('goals');
    const admin = createPromptAdmin({ history: s3PromptHistory(s3.client, s3.bucket), rules: {} });
    await admin.publish(key, {
      content: withOpening(key, 'Published goals?'),
      ifMatch: currentId(key),
      updatedBy: 'admin',
    });
    await pause(1100);
    expect((await start('goals')).body.initial_message).to.equal('Published goals?');
  });
});

describe('what a turn reads from the bucket', () => {
  /** An app on a seeded bucket with one conversation started, and its turn. */
  async function started(cacheSeconds: string) {
    const s3 = await seeded();
    const api = await startApi({
      env: {
        PROMPTS_S3_BUCKET: s3.bucket,
        S3_ENDPOINT: s3.endpoint,
        PROMPT_CACHE_SECONDS: cacheSeconds,
      },
    });
    const token = await api.token('sam', 'acme');
    const created = await api.request<{ conversation_id: string }>(
      'POST',
      '/api/v1/conversations/initiate',
      { token, body: { topic: 'goals' } },
    );
    const turn = async () =>
      (
        await api.request('POST', `/api/v1/conversations/${created.body.conversation_id}/message`, {
          token,
          body: { user_message: 'Growing the bakery matters to me.' },
        })
      ).status;
    s3.requests.length = 0;
    const close = async () => {
      await api.close();
      await s3.close();
    };
    return { s3, turn, close };
  }

  it('when a template is cached, then turns read nothing from S3', async () => {
    const { s3, turn, close } = await started('600');
    try {
      expect(await turn()).to.equal(200);
      expect(await turn()).to.equal(200);
      expect(s3.requests).to.deep.equal([]);
    } finally {
      await close();
    }
  });

  it('when PROMPT_CACHE_SECONDS have passed, then a turn makes one conditional read, answered 304', async () => {
    const { s3, turn, close } = await started('1');
    try {
      await pause(1100);
      expect(await turn()).to.equal(200);
      expect(s3.requests.map((r) => [r.method, r.status, Boolean(r.ifNoneMatch)])).to.deep.equal([
        ['GET', 304, true],
      ]);
    } finally {
      await close();
    }
  });
});

describe('a template with no version the service can use', () => {
  it('when its only version is broken, then health is 503 naming the template and its problem, and a request needing it is 503 with the same words, without asking S3 again until PROMPT_CACHE_SECONDS have passed', async () => {
    const s3 = await startFakeS3();
    for (const key of promptKeys) {
      await s3.put(fileOf(key), key === 'coaching/purpose' ? broken(key) : shipped(key));
    }
    const api = await startApi({ env: { PROMPTS_S3_BUCKET: s3.bucket, S3_ENDPOINT: s3.endpoint } });
    try {
      const token = await api.token('sam', 'acme');
      const response = await api.request<{ error: string; detail: string }>(
        'POST',
        '/api/v1/conversations/initiate',
        { token, body: { topic: 'purpose' } },
      );
      expect(response.status).to.equal(503);
      expect(response.body.error).to.equal('service_unavailable');
      expect(response.body.detail).to.match(/coaching\/purpose.*system_prompt: /);
      expect(await api.items('conversations')).to.have.lengthOf(0);
      const health = await api.request<Health>('GET', '/api/v1/health');
      expect(health.status).to.equal(503);
      expect(health.body.services.storage).to.match(/^unhealthy: coaching\/purpose: system_prompt: /);
      expect(response.body.detail).to.include(health.body.services.storage.split(': ').slice(2).join(': '));
      const readsSoFar = s3.requests.length;
      const again = await api.request('POST', '/api/v1/conversations/initiate', {
        token,
        body: { topic: 'purpose' },
      });
      expect(again.status).to.equal(503);
      expect(s3.requests.length, 'refused again from memory, not from S3').to.equal(readsSoFar);
      const other = await api.request('POST', '/api/v1/conversations/initiate', {
        token,
        body: { topic: 'goals' },
      });
      expect(other.status).to.equal(201);
    } finally {
      await api.close();
      await s3.close();
    }
  });
});

describe('races on the bucket', () => {
  let s3: FakeS3;
  const key: PromptKey = 'coaching/goals';
  const history = () => s3.versions(fileOf(key)).map((v) => v.versionId);

  beforeEach(async () => {
    s3 = await seeded();
  });
  afterEach(() => s3.close());

  const admin = () => createPromptAdmin({ history: s3PromptHistory(s3.client, s3.bucket), rules: {} });

  it('when a publish lands between another publish’s check and its write, then the write itself fails with 412 and the history holds only the first', async () => {
    const start = history()[0]!;
    const held = s3.hold((method, url) => method === 'PUT' && url.pathname.endsWith(fileOf(key)));
    const slow = admin().publish(key, { content: withOpening(key, 'Slow?'), ifMatch: start, updatedBy: 'slow' });
    await held.reached;
    const fast = await admin().publish(key, { content: withOpening(key, 'Fast?'), ifMatch: start, updatedBy: 'fast' });
    held.release();
    const error = await slow.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).to.be.instanceOf(PreconditionFailedError);
    expect((error as PreconditionFailedError).fields).to.deep.equal({ current_version_id: fast.versionId });
    expect(history()).to.deep.equal([fast.versionId, start]);
  });

  it('when a template was deleted by hand (a delete marker is current), then reading it is 404 prompt_not_found and the marker’s id is 404 version_not_found', async () => {
    const start = history()[0]!;
    await s3.client.send(new DeleteObjectCommand({ Bucket: s3.bucket, Key: fileOf(key) }));
    const marker = history()[0]!;
    const refusedWith = (work: Promise<unknown>) =>
      work.then(
        () => undefined,
        (e: { code?: string }) => e.code,
      );
    expect(await refusedWith(admin().read(key))).to.equal('prompt_not_found');
    expect(await refusedWith(admin().read(key, marker))).to.equal('version_not_found');
    expect(await refusedWith(admin().rollback(key, { versionId: marker, updatedBy: 'a' }))).to.equal(
      'version_not_found',
    );
    const restored = await admin().rollback(key, { versionId: start, updatedBy: 'ops' });
    expect(restored).to.include({ isCurrent: true, content: shipped(key) });
  });

  it('when a rollback races a publish, then with If-Match the late one is 412, without it both land in the history', async () => {
    const start = history()[0]!;
    const edit = await admin().publish(key, { content: withOpening(key, 'Edit?'), ifMatch: start, updatedBy: 'a' });

    let held = s3.hold((method, url) => method === 'PUT' && url.pathname.endsWith(fileOf(key)));
    const guarded = admin().rollback(key, { versionId: start, ifMatch: edit.versionId, updatedBy: 'ops' });
    await held.reached;
    const publish = await admin().publish(key, { content: withOpening(key, 'Meanwhile?'), ifMatch: edit.versionId, updatedBy: 'b' });
    held.release();
    expect(await guarded.catch((e: unknown) => e)).to.be.instanceOf(PreconditionFailedError);
    expect(history()).to.deep.equal([publish.versionId, edit.versionId, start]);

    held = s3.hold((method, url) => method === 'PUT' && url.pathname.endsWith(fileOf(key)));
    const unguarded = admin().rollback(key, { versionId: start, updatedBy: 'ops' });
    await held.reached;
    const another = await admin().publish(key, { content: withOpening(key, 'Another?'), ifMatch: publish.versionId, updatedBy: 'c' });
    held.release();
    const back = await unguarded;
    expect(back.content).to.equal(shipped(key));
    expect(history()).to.deep.equal([back.versionId, another.versionId, publish.versionId, edit.versionId, start]);
  });
});

/** A loopback port nobody listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('prompt templates when S3 is unreachable or hangs', () => {
  it("when S3 is down, then the app starts at once, serves the image's copy and reports storage unhealthy", async () => {
    const started = Date.now();
    const api = await startApi({
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
      expect(response.body.initial_message).to.include(opening('coaching/goals'));
      expect(Date.now() - started).to.be.below(5000);

      const health = await api.request<Health>('GET', '/api/v1/health');
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

  it('when S3 accepts connections and never answers, then each request ends with the cached or the image’s template and no read stays shared', async function () {
    this.timeout(40_000);
    const s3 = await seeded();
    const key: PromptKey = 'coaching/vision';
    await s3.put(fileOf(key), withOpening(key, 'Cached vision?'));
    const api = await startApi({
      env: { PROMPTS_S3_BUCKET: s3.bucket, S3_ENDPOINT: s3.endpoint, PROMPT_CACHE_SECONDS: '1' },
    });
    try {
      const token = await api.token('sam', 'acme');
      const initiate = (topic: string) =>
        api.request<{ initial_message: string }>('POST', '/api/v1/conversations/initiate', {
          token,
          body: { topic },
        });
      expect((await initiate('vision')).body.initial_message).to.equal('Cached vision?');
      s3.stall();
      await pause(1100);
      for (const attempt of [1, 2]) {
        const startedAt = Date.now();
        const cached = await initiate('vision');
        expect(cached.status, `attempt ${attempt}`).to.equal(201);
        expect(cached.body.initial_message).to.equal('Cached vision?');
        expect(Date.now() - startedAt).to.be.below(12_000);
        await pause(1100);
      }
      const never = await initiate('goals');
      expect(never.status).to.equal(201);
      expect(never.body.initial_message).to.include(opening('coaching/goals'));
      expect(
        api.logger.lines.some((l) => l.event === 'prompt_store_unavailable' && l.key === 'coaching/goals'),
      ).to.equal(true);
    } finally {
      await api.close();
      await s3.close();
    }
  });
});

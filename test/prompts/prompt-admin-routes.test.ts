// The prompt templates' admin routes over HTTP, as a platform admin's client calls them: the key
// as two path segments, If-Match in the forms clients send, every refusal a clear 4xx that
// leaves the history as it was, two admins racing from the same version, and a version
// published here reaching the next conversation, which records it. The whole suite runs on the
// embedded history and on the S3 adapter against a versioned bucket over HTTP.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { adminRouteTable } from '../../app/src/http/admin-routes.js';
import { ifMatchVersion } from '../../app/src/http/prompt-admin-handlers.js';
import { fileOf, promptKeys } from '../../app/src/prompts/prompt-keys.js';
import { analysisAnswers, coachingTurn } from '../support/fake-answers.js';
import { fakeBedrockEnv, startFakeBedrock, type FakeBedrock } from '../support/fake-bedrock.js';
import { startFakeS3, type FakeS3 } from '../support/fake-s3.js';
import { startApi, type Response, type TestApi } from '../support/harness.js';

const MODEL = 'us.anthropic.claude-sonnet-4-6';
const GOALS = '/api/v1/admin/prompts/coaching/goals';
const promptsDir = path.resolve(__dirname, '..', '..', 'prompts');
const shippedGoals = readFileSync(path.join(promptsDir, 'coaching', 'goals.yaml'), 'utf8');

interface VersionBody {
  key: string;
  version_id: string;
  updated_at: string;
  updated_by: string;
  note: string | null;
  is_current: boolean;
  content: string;
  error?: string;
  message?: string;
  current_version_id?: string;
  detail?: { loc: (string | number)[]; msg: string; type: string }[];
}

interface VersionPage {
  versions: { version_id: string; note: string | null; is_current: boolean; size: number }[];
  next_cursor: string | null;
}

/** The shipped goals template with a title a test can tell apart. */
const goalsTitled = (title: string) =>
  shippedGoals.replace(/^title: .*$/m, `title: ${JSON.stringify(title)}`);

interface Store {
  readonly env: Record<string, string>;
  /** The bucket, when the store is S3. */
  readonly s3?: FakeS3;
  close(): Promise<void>;
}

const stores: [string, () => Promise<Store>][] = [
  ['the embedded history', async () => ({ env: {}, close: async () => {} })],
  [
    'the S3 adapter on a versioned bucket',
    async () => {
      const s3 = await startFakeS3();
      for (const key of promptKeys) {
        const text = readFileSync(path.join(promptsDir, fileOf(key)), 'utf8');
        await s3.put(fileOf(key), text, { 'updated-by': 'deploy' });
      }
      return {
        env: { PROMPTS_S3_BUCKET: s3.bucket, S3_ENDPOINT: s3.endpoint },
        s3,
        close: () => s3.close(),
      };
    },
  ],
];

for (const [storeName, openStore] of stores) describe(`the prompt admin routes, on ${storeName}`, () => {
  let fake: FakeBedrock;
  let store: Store;
  let api: TestApi;
  let admin: string;

  before(async () => {
    fake = await startFakeBedrock();
    store = await openStore();
    api = await startApi({ env: { ...fakeBedrockEnv(fake, MODEL), ...store.env } });
    admin = await api.token('root', 'home-co', { roles: ['platform_admin'] });
  });
  after(async () => {
    await api.close();
    await store.close();
    await fake.close();
  });

  const read = (key = GOALS, query = '') =>
    api.request<VersionBody>('GET', `${key}${query}`, { token: admin });
  const history = async (key = GOALS) => {
    const page = await api.request<VersionPage>('GET', `${key}/versions?page_size=100`, {
      token: admin,
    });
    expect(page.status, page.text).to.equal(200);
    return page.body.versions;
  };
  const publish = (
    content: string,
    ifMatch: string | undefined,
    extra: { key?: string; note?: string } = {},
  ) =>
    api.request<VersionBody>('PUT', extra.key ?? GOALS, {
      token: admin,
      body: { content, ...(extra.note === undefined ? {} : { note: extra.note }) },
      headers: ifMatch === undefined ? {} : { 'If-Match': ifMatch },
    });
  const current = async (key = GOALS) => {
    const response = await read(key);
    expect(response.status, response.text).to.equal(200);
    return response.body;
  };
  /** Runs `work`, then checks the template's history is exactly what it was before. */
  const unchanged = async (work: () => Promise<Response<VersionBody>>, key = GOALS) => {
    const before = await history(key);
    const response = await work();
    expect(await history(key)).to.deep.equal(before);
    return response;
  };

  describe('roles', () => {
    const promptRoutes = adminRouteTable.filter((r) => r.path.startsWith('/admin/prompts'));

    it('when a plain user or a tenant admin calls any prompt route, then 403 names platform_admin and nothing is written', async () => {
      expect(promptRoutes).to.have.length(6);
      const before = await history();
      for (const claims of [{}, { roles: ['tenant_admin'] }]) {
        const token = await api.token('ana', 'home-co', claims);
        for (const route of promptRoutes) {
          const url = `/api/v1${route.path.replace(':kind', 'coaching').replace(':name', 'goals')}`;
          const response = await api.request(route.method.toUpperCase(), url, {
            token,
            body: route.method === 'get' ? undefined : { content: goalsTitled('Hijack') },
            headers: { 'If-Match': before[0]?.version_id ?? '' },
          });
          expect(response.status, `${route.operationId} ${JSON.stringify(claims)}`).to.equal(403);
          expect(response.body).to.include({
            error: 'permission_denied',
            message: 'This needs the platform_admin role',
          });
        }
      }
      expect(await history()).to.deep.equal(before);
      expect(fake.requests).to.have.length(0);
    });
  });

  describe('reading', () => {
    it('when the templates are listed, then each of the nine keys has its current version, imported from the repository', async () => {
      const list = await api.request<{ prompts: { key: string; updated_by: string }[] }>(
        'GET',
        '/api/v1/admin/prompts',
        { token: admin },
      );
      expect(list.status).to.equal(200);
      expect(list.body.prompts.map((p) => p.key).sort()).to.deep.equal([
        'analysis/alignment',
        'analysis/kpi',
        'analysis/operations',
        'analysis/strategy',
        'coaching/core_values',
        'coaching/goals',
        'coaching/purpose',
        'coaching/vision',
        'suggestions/onboarding',
      ]);
    });

    it('when a template is read, then its YAML comes with its version as the ETag', async () => {
      const response = await read('/api/v1/admin/prompts/analysis/kpi');
      expect(response.status).to.equal(200);
      expect(response.body).to.include({ key: 'analysis/kpi', is_current: true });
      expect(response.body.content).to.equal(
        readFileSync(path.join(promptsDir, 'analysis', 'kpi.yaml'), 'utf8'),
      );
      expect(response.headers.get('etag')).to.equal(`"${response.body.version_id}"`);
    });

    it('when a key is not one of the nine, then 404 prompt_not_found; when a segment is not key-shaped or the key is one encoded segment, then no route matches', async () => {
      for (const key of ['coaching/careers', 'analysis/goals', 'Coaching/goals']) {
        const response = await read(`/api/v1/admin/prompts/${key}`);
        expect(response.status, key).to.equal(404);
        expect(response.body, key).to.include({ error: 'prompt_not_found' });
      }
      for (const raw of [
        'coaching%2Fgoals',
        // `..` and `%2e%2e` segments are resolved by the client (WHATWG URL) before sending.
        '..%2Fbudgets/home-co',
        'coaching/..%2F..%2Fbudgets',
        'coaching/go.als',
        'coaching/goals%00',
      ]) {
        const response = await read(`/api/v1/admin/prompts/${raw}`);
        expect(response.status, raw).to.equal(404);
        expect(response.body, raw).to.include({ error: 'not_found' });
      }
    });

    it('when a version of another key, or none at all, is asked for, then 404 version_not_found', async () => {
      const kpi = await current('/api/v1/admin/prompts/analysis/kpi');
      for (const id of [kpi.version_id, 'no-such-version', 'x'.repeat(2000)]) {
        const response = await read(GOALS, `?version_id=${encodeURIComponent(id)}`);
        expect(response.status, id.slice(0, 20)).to.equal(404);
        expect(response.body.error).to.equal('version_not_found');
      }
    });

    it('when the history is paged, then pages are newest first and join up; a bad page size or cursor is 422', async () => {
      const start = await current();
      for (const title of ['Paged one', 'Paged two']) {
        const { version_id } = await current();
        expect((await publish(goalsTitled(title), `"${version_id}"`)).status).to.equal(200);
      }
      const all = await history();
      expect(all[0]?.is_current).to.equal(true);
      expect(all.filter((v) => v.is_current)).to.have.length(1);
      expect(all.map((v) => v.version_id)).to.include(start.version_id);
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const query: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
        const page: Response<VersionPage> = await api.request<VersionPage>(
          'GET',
          `${GOALS}/versions?page_size=1${query}`,
          { token: admin },
        );
        expect(page.status, page.text).to.equal(200);
        expect(page.body.versions).to.have.length(1);
        seen.push(...page.body.versions.map((v) => v.version_id));
        cursor = page.body.next_cursor;
      } while (cursor);
      expect(seen).to.deep.equal(all.map((v) => v.version_id));
      for (const query of ['page_size=0', 'page_size=101', 'page_size=two', 'cursor=forged']) {
        const response = await api.request('GET', `${GOALS}/versions?${query}`, { token: admin });
        expect(response.status, query).to.equal(422);
        expect(response.body.error, query).to.equal('validation_error');
      }
    });
  });

  describe('publishing', () => {
    it('when If-Match names the current version, quoted, bare or weak, then each publish is the new current version written by the caller', async () => {
      for (const form of [(id: string) => `"${id}"`, (id: string) => id, (id: string) => `W/"${id}"`]) {
        const before = await current();
        const title = `Form ${form('x')}`;
        const response = await publish(goalsTitled(title), form(before.version_id), {
          note: 'clearer title',
        });
        expect(response.status, response.text).to.equal(200);
        expect(response.body).to.include({
          key: 'coaching/goals',
          updated_by: 'root',
          note: 'clearer title',
          is_current: true,
          content: goalsTitled(title),
        });
        expect(response.body.version_id).to.not.equal(before.version_id);
        expect(response.headers.get('etag')).to.equal(`"${response.body.version_id}"`);
        expect(await current()).to.deep.include({ version_id: response.body.version_id });
      }
    });

    it('when a template is published, then its admin_action line names the key and the version it started from, and no log line holds its text', async () => {
      const { version_id } = await current();
      const marker = 'UNLOGGED-TEMPLATE-WORDS-7f3a';
      const response = await publish(goalsTitled(marker), `"${version_id}"`);
      expect(response.status).to.equal(200);
      const line = api.logger.lines.filter((l) => l.event === 'admin_action').at(-1);
      expect(line).to.include({ operation: 'publishPrompt', user_id: 'root', status: 200 });
      expect(line?.target).to.deep.equal({ key: 'coaching/goals', if_match: version_id });
      expect(JSON.stringify(api.logger.lines)).to.not.include(marker);
    });

    it('when If-Match is missing, `*` or a list, then 428 precondition_required and nothing is written', async () => {
      const { version_id } = await current();
      for (const ifMatch of [undefined, '*', `"${version_id}", "other"`, '']) {
        const response = await unchanged(() => publish(goalsTitled('No precondition'), ifMatch));
        expect(response.status, String(ifMatch)).to.equal(428);
        expect(response.body.error).to.equal('precondition_required');
        // Also when a header was sent: it says why that one names no version.
        expect(response.body.message, String(ifMatch)).to.include('`*` or a list of tags');
      }
    });

    it('when If-Match is an earlier version or another key’s, then 412 names the current version and nothing is written', async () => {
      const kpi = await current('/api/v1/admin/prompts/analysis/kpi');
      const versions = await history();
      const earlier = versions.find((v) => !v.is_current);
      expect(earlier).to.not.equal(undefined);
      for (const stale of [earlier?.version_id ?? '', kpi.version_id]) {
        const response = await unchanged(() => publish(goalsTitled('Stale'), `"${stale}"`));
        expect(response.status).to.equal(412);
        expect(response.body).to.include({
          error: 'precondition_failed',
          current_version_id: versions[0]?.version_id,
        });
      }
    });

    it('when the content is not a template the service can use, then 422 invalid_template names the problem and nothing is written', async () => {
      const { version_id } = await current();
      const bomb = [
        'a: &a ["x","x","x","x","x","x","x","x","x","x"]',
        ...Array.from({ length: 8 }, (_, i) => {
          const prev = String.fromCharCode(97 + i);
          const next = String.fromCharCode(98 + i);
          return `${next}: &${next} [*${prev},*${prev},*${prev},*${prev},*${prev},*${prev},*${prev},*${prev},*${prev},*${prev}]`;
        }),
      ].join('\n');
      const cases: [string, string, RegExp][] = [
        ['not YAML', 'system_prompt: [unclosed', /line 1/],
        ['a YAML bomb', bomb, /alias/],
        ['over 32 KiB', `${shippedGoals}\n# ${'x'.repeat(33 * 1024)}\n`, /over the limit/],
        [
          'a lone surrogate (not UTF-8)',
          shippedGoals.replace(/^title: .*$/m, 'title: Broken \ud800 text'),
          /UTF-8/,
        ],
        ['a lone surrogate as a YAML escape', goalsTitled('Broken \ud800 text'), /Unicode/],
        [
          'a model outside the allowed list',
          shippedGoals.replace(/^model:\n/m, 'model:\n  model_id: gpt-2-cheap\n'),
          /not one of the allowed models/,
        ],
        [
          'a placeholder the service does not fill',
          shippedGoals.replace(/^title: .*$/m, 'title: "Hi {{user_password}}"'),
          /placeholder|user_password/,
        ],
        [
          'another key’s template',
          readFileSync(path.join(promptsDir, 'coaching', 'vision.yaml'), 'utf8'),
          /topic|goals|vision/,
        ],
      ];
      for (const [what, content, problem] of cases) {
        const response = await unchanged(() => publish(content, `"${version_id}"`));
        expect(response.status, `${what}: ${response.text}`).to.equal(422);
        expect(response.body.error, what).to.equal('invalid_template');
        expect(response.body.message, what).to.match(problem);
        expect(response.body.detail, what).to.be.an('array').with.length.above(0);
      }
    });

    it('when the body’s bytes are not UTF-8 inside the template, then 422 invalid_template and nothing is written', async () => {
      const { version_id } = await current();
      const json = JSON.stringify({ content: goalsTitled('Bad BYTES here') });
      const [before, after] = json.split('BYTES');
      const raw = Buffer.concat([
        Buffer.from(before ?? ''),
        Buffer.from([0xc3, 0x28, 0xff]),
        Buffer.from(after ?? ''),
      ]);
      const response = await unchanged(() =>
        api.request<VersionBody>('PUT', GOALS, {
          token: admin,
          rawBody: raw,
          headers: { 'Content-Type': 'application/json', 'If-Match': `"${version_id}"` },
        }),
      );
      expect(response.status, response.text).to.equal(422);
      expect(response.body.error).to.equal('invalid_template');
      expect(response.body.message).to.match(/UTF-8/);
    });

    it('when the body is too large for the API or the note too long, then 413 or 422 and nothing is written', async () => {
      const { version_id } = await current();
      const huge = await unchanged(() =>
        publish(`${shippedGoals}# ${'y'.repeat(api.config.maxBodyBytes)}`, `"${version_id}"`),
      );
      expect(huge.status).to.equal(413);
      const note = await unchanged(() =>
        publish(goalsTitled('Noted'), `"${version_id}"`, { note: 'n'.repeat(501) }),
      );
      expect(note.status).to.equal(422);
      expect(note.body.detail?.[0]?.loc).to.deep.equal(['body', 'note']);
      const missing = await unchanged(() =>
        api.request<VersionBody>('PUT', GOALS, {
          token: admin,
          body: { note: 'no content' },
          headers: { 'If-Match': `"${version_id}"` },
        }),
      );
      expect(missing.status).to.equal(422);
      expect(missing.body.detail?.[0]?.loc).to.deep.equal(['body', 'content']);
    });

    it('when two admins publish from the same version at once, then one gets 200, the other 412, and the history holds exactly the winner', async () => {
      const other = await api.token('second', 'home-co', { roles: ['platform_admin'] });
      const start = await current();
      const before = await history();
      const send = (token: string, title: string) =>
        api.request<VersionBody>('PUT', GOALS, {
          token,
          body: { content: goalsTitled(title) },
          headers: { 'If-Match': `"${start.version_id}"` },
        });
      const results = await Promise.all([send(admin, 'Racer A'), send(other, 'Racer B')]);
      expect(results.map((r) => r.status).sort()).to.deep.equal([200, 412]);
      const winner = results.find((r) => r.status === 200);
      const loser = results.find((r) => r.status === 412);
      expect(loser?.body.current_version_id).to.equal(winner?.body.version_id);
      const after = await history();
      expect(after).to.have.length(before.length + 1);
      expect(after[0]?.version_id).to.equal(winner?.body.version_id);
      expect((await current()).content).to.equal(winner?.body.content);
    });

    if (storeName.startsWith('the S3')) {
      it('when a publish is held between the service’s check and S3’s write while another lands, then S3’s conditional write refuses it: 412, and the history holds the other only', async () => {
        const s3 = store.s3!;
        const start = await current();
        const before = await history();
        const held = s3.hold(
          (method, url) => method === 'PUT' && url.pathname.endsWith('/coaching/goals.yaml'),
        );
        const slow = publish(goalsTitled('Held at the write'), `"${start.version_id}"`);
        await held.reached;
        const fast = await publish(goalsTitled('Landed first'), `"${start.version_id}"`);
        expect(fast.status, fast.text).to.equal(200);
        held.release();
        const late = await slow;
        expect(late.status, late.text).to.equal(412);
        expect(late.body.current_version_id).to.equal(fast.body.version_id);
        const after = await history();
        expect(after.map((v) => v.version_id)).to.deep.equal([
          fast.body.version_id,
          ...before.map((v) => v.version_id),
        ]);
        expect((await current()).content).to.equal(goalsTitled('Landed first'));
      });
    }

    it('when a rollback races a publish from the same version, then one lands and the other is 412, nothing lost', async () => {
      const start = await current();
      const before = await history();
      const target = before.find((v) => !v.is_current)?.version_id ?? '';
      const results = await Promise.all([
        publish(goalsTitled('Publish racing a rollback'), `"${start.version_id}"`),
        api.request<VersionBody>('POST', `${GOALS}/rollback`, {
          token: admin,
          body: { version_id: target },
          headers: { 'If-Match': `"${start.version_id}"` },
        }),
      ]);
      expect(results.map((r) => r.status).sort()).to.deep.equal([200, 412]);
      const after = await history();
      expect(after).to.have.length(before.length + 1);
      expect(after.slice(1)).to.deep.equal(
        before.map((v) => ({ ...v, is_current: false })),
      );
    });
  });

  describe('rolling back', () => {
    it('when an earlier version is rolled back to, then a new current version holds its content, says so, and the history keeps every version', async () => {
      const first = (await history()).at(-1);
      const firstContent = (await read(GOALS, `?version_id=${encodeURIComponent(first?.version_id ?? '')}`)).body.content;
      const before = await history();
      const response = await api.request<VersionBody>('POST', `${GOALS}/rollback`, {
        token: admin,
        body: { version_id: first?.version_id },
      });
      expect(response.status, response.text).to.equal(200);
      expect(response.body).to.include({
        content: firstContent,
        is_current: true,
        updated_by: 'root',
        note: `rollback to ${first?.version_id}`,
      });
      const after = await history();
      expect(after.map((v) => v.version_id)).to.deep.equal([
        response.body.version_id,
        ...before.map((v) => v.version_id),
      ]);
    });

    it('when the version is another key’s, unknown, or missing, then 404 or 422 and nothing is written', async () => {
      const kpi = await current('/api/v1/admin/prompts/analysis/kpi');
      for (const [body, status, code] of [
        [{ version_id: kpi.version_id }, 404, 'version_not_found'],
        [{ version_id: 'nope' }, 404, 'version_not_found'],
        [{}, 422, 'validation_error'],
      ] as const) {
        const response = await unchanged(() =>
          api.request<VersionBody>('POST', `${GOALS}/rollback`, { token: admin, body }),
        );
        expect(response.status, JSON.stringify(body)).to.equal(status);
        expect(response.body.error).to.equal(code);
      }
    });
  });

  describe('serving what was published', () => {
    it('when a version is published, then the next conversation opens with it and records it in the opening message’s metadata', async () => {
      const { version_id } = await current();
      const opening = 'Welcome to the freshly published goals coach.';
      const content = shippedGoals.replace(
        /^initial_message: >\n(?: {2}.*\n)+/m,
        `initial_message: ${JSON.stringify(opening)}\n`,
      );
      expect(content).to.not.equal(shippedGoals);
      const published = await publish(content, `"${version_id}"`);
      expect(published.status, published.text).to.equal(200);
      const user = await api.token('ada', 'home-co');
      const started = await api.request<{ conversation_id: string; initial_message: string }>(
        'POST',
        '/api/v1/conversations/initiate',
        { token: user, body: { topic: 'goals' } },
      );
      expect(started.status).to.equal(201);
      expect(started.body.initial_message).to.equal(opening);
      const conversation = await api.request<{
        messages: { role: string; metadata?: Record<string, unknown> }[];
      }>('GET', `/api/v1/conversations/${started.body.conversation_id}`, { token: user });
      expect(conversation.body.messages[0]?.metadata).to.deep.equal({
        model: null,
        prompt_version: { key: 'coaching/goals', version_id: published.body.version_id },
      });
    });
  });

  describe('which version said what', () => {
    it('when a turn is answered before and after a publish, then each assistant message records the model and the version that wrote it', async () => {
      const user = await api.token('bea', 'home-co');
      const before = await current();
      const id = (
        await api.request<{ conversation_id: string }>('POST', '/api/v1/conversations/initiate', {
          token: user,
          body: { topic: 'goals' },
        })
      ).body.conversation_id;
      const say = async (text: string) => {
        fake.script({ tool: coachingTurn() });
        const reply = await api.request('POST', `/api/v1/conversations/${id}/message`, {
          token: user,
          body: { user_message: text },
        });
        expect(reply.status, reply.text).to.equal(200);
      };
      await say('First answer');
      const published = await publish(goalsTitled('Second wording'), `"${before.version_id}"`);
      expect(published.status).to.equal(200);
      await say('Second answer');
      const history = await api.request<{
        messages: { role: string; metadata: Record<string, unknown> }[];
      }>('GET', `/api/v1/conversations/${id}`, { token: user });
      const written = (versionId: string, model: string | null) => ({
        model,
        prompt_version: { key: 'coaching/goals', version_id: versionId },
      });
      expect(
        history.body.messages.filter((m) => m.role === 'assistant').map((m) => m.metadata),
      ).to.deep.equal([
        written(before.version_id, null),
        written(before.version_id, MODEL),
        written(published.body.version_id, MODEL),
      ]);
    });

    it('when an analysis runs on a published version, then its response and its stored copy name that version', async () => {
      const kpiKey = '/api/v1/admin/prompts/analysis/kpi';
      const start = await current(kpiKey);
      const published = await publish(
        start.content.replace(/^system_prompt: \|\n/m, 'system_prompt: |\n  Be brief.\n'),
        `"${start.version_id}"`,
        { key: kpiKey },
      );
      expect(published.status, published.text).to.equal(200);
      const user = await api.token('bea', 'home-co');
      fake.script({ tool: analysisAnswers.kpi });
      const analysis = await api.request<{
        analysis_id: string;
        metadata: Record<string, unknown>;
      }>('POST', '/api/v1/analysis/kpi', { token: user, body: { current_kpis: ['Revenue'] } });
      expect(analysis.status, analysis.text).to.equal(201);
      const recorded = { key: 'analysis/kpi', version_id: published.body.version_id };
      expect(analysis.body.metadata).to.deep.include({ model: MODEL, prompt_version: recorded });
      const again = await api.request<{ metadata: Record<string, unknown> }>(
        'GET',
        `/api/v1/analysis/${analysis.body.analysis_id}`,
        { token: user },
      );
      expect(again.body.metadata.prompt_version).to.deep.equal(recorded);
    });
  });

  describe('If-Match', () => {
    it('when a header names one version in any form a client sends, then that version is read; `*`, lists and blanks name none', () => {
      expect(ifMatchVersion('"3.abc"')).to.equal('3.abc');
      expect(ifMatchVersion('W/"3.abc"')).to.equal('3.abc');
      expect(ifMatchVersion(' 3.abc ')).to.equal('3.abc');
      for (const none of [undefined, '', '*', '"a", "b"', 'a, b', '""', 'W/""']) {
        expect(ifMatchVersion(none), String(none)).to.equal(undefined);
      }
    });
  });
});

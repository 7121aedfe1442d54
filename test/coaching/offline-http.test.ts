// The offline provider over HTTP at the edges of what the routes accept: long multibyte drafts,
// long purposes, maximal KPI lists answer 2xx bodies that fit the document; and an offline
// answer that breaks its own schema (a template too long for it) is 502 llm_bad_response,
// never a 500, with nothing of the turn stored.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import fc from 'fast-check';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { fileOf, type PromptKey } from '../../app/src/prompts/prompt-keys.js';
import type { PromptSource } from '../../app/src/prompts/prompt-store.js';
import { initiate, startApi } from '../support/harness.js';
import { businessContext, firstCodePoints, textUpTo } from '../support/text-arbitraries.js';
import { useApi } from '../support/fixtures.js';

const promptsDir = path.resolve(__dirname, '..', '..', 'prompts');

/** The files under prompts/, with one template's YAML rewritten. */
function patchedPrompts(key: PromptKey, patch: (template: Record<string, unknown>) => void) {
  const source: PromptSource = {
    name: 'patched-files',
    async read(wanted) {
      const text = await readFile(path.join(promptsDir, fileOf(wanted)), 'utf8');
      if (wanted !== key) return { text };
      const template = parseYaml(text) as Record<string, unknown>;
      patch(template);
      return { text: stringifyYaml(template) };
    },
  };
  return source;
}

describe('the offline provider at the limits of the input', () => {
  const { api } = useApi();
  let token: string;

  before(async () => {
    token = await api.token('edge', 'acme');
  });

  const post = (route: string, body: unknown) => api.request('POST', route, { token, body });

  for (const [label, current] of [
    ['1,600 letters in one word', 'x'.repeat(1600)],
    ['2,000 accented letters', 'é'.repeat(2000)],
    ['2,000 emoji (4,000 UTF-16 units)', '😀'.repeat(2000)],
    ['2,000 letters with combining accents', 'e\u0301'.repeat(1000)],
    ['2,000 characters of prose', 'We bake bread for cafes. '.repeat(80)],
  ] as const) {
    it(`when the onboarding draft is ${label}, then it is 200 with a suggestion of at most 2,000 characters`, async () => {
      const response = await post('/api/v1/suggestions/onboarding', { kind: 'niche', current });
      expect(response.status, response.text.slice(0, 300)).to.equal(200);
      const { suggestion } = (response.body.data ?? {}) as { suggestion?: string };
      expect(suggestion).to.be.a('string');
      expect(suggestion?.length).to.be.within(1, 2000);
      expect(suggestion).to.not.match(/[\ud800-\udbff](?![\udc00-\udfff])/);
    });
  }

  it('when an alignment names a purpose of 1,800 characters, then it is 201 and every sentence fits', async () => {
    const response = await post('/api/v1/analysis/alignment', {
      text_to_analyze: 'We deliver loaves to every neighbourhood.',
      context: { purpose: `Bread ${'ü'.repeat(1800)}` },
    });
    expect(response.status, response.text.slice(0, 300)).to.equal(201);
    expect(String(response.body.overall_assessment).length).to.be.at.most(2000);
  });

  it('when 50 KPIs of 200 emoji-heavy characters each are sent with 20 long goals, then it is 201', async () => {
    const response = await post('/api/v1/analysis/kpi', {
      current_kpis: Array.from({ length: 50 }, (_, i) =>
        firstCodePoints(`${i} ${'🙂'.repeat(200)}`, 200),
      ),
      context: { goals: Array.from({ length: 20 }, () => 'ß'.repeat(300)), purpose: 'ß' },
    });
    expect(response.status, response.text.slice(0, 300)).to.equal(201);
  });

  it('when a message names every value the coach knows, then the turn is 200 with at most ten values', async () => {
    const id = await initiate(api, token);
    const response = await post(`/api/v1/conversations/${id}/message`, {
      user_message:
        'honest integrity family growth learning courage freedom creativity respect ' +
        'compassion excellence balance service adventure loyalty humility gratitude',
    });
    expect(response.status, response.text.slice(0, 300)).to.equal(200);
    expect(response.body.identified_values).to.have.length.within(1, 10);
  });

  it('when any accepted analysis body is sent, then the answer is 201, never a 5xx', async function () {
    this.timeout(60_000);
    const bodies = fc.oneof(
      fc.record({
        route: fc.constant('alignment'),
        body: fc.record({ text_to_analyze: textUpTo(10_000, 10), context: businessContext }),
      }),
      fc.record({
        route: fc.constant('strategy'),
        body: fc.record({ current_strategy: textUpTo(10_000, 10), context: businessContext }),
      }),
      fc.record({
        route: fc.constant('operations'),
        body: fc.record({
          analysis_type: fc.constantFrom('swot', 'root_cause', 'action_plan'),
          description: textUpTo(10_000, 10),
          context: businessContext,
        }),
      }),
    );
    await fc.assert(
      fc.asyncProperty(bodies, async ({ route, body }) => {
        const response = await post(`/api/v1/analysis/${route}`, body);
        // The arbitraries stay inside the schema but may exceed the body limit in bytes.
        expect([201, 413], `${route}: ${response.text.slice(0, 300)}`).to.include(response.status);
      }),
      { numRuns: 40, seed: 1312 },
    );
  });
});

describe('an offline answer that breaks its own schema', () => {
  it('when the template makes the suggestion longer than 2,000 characters, then it is 502 llm_bad_response in the legacy envelope', async () => {
    const api = await startApi({
      overrides: {
        promptSource: patchedPrompts('suggestions/onboarding', (t) => {
          (t.offline_openers as Record<string, string>).niche = 'Name it. '.repeat(250);
        }),
      },
    });
    try {
      const token = await api.token('edge', 'acme');
      const response = await api.request('POST', '/api/v1/suggestions/onboarding', {
        token,
        body: { kind: 'niche', current: 'bakeries' },
      });
      expect(response.status, response.text).to.equal(502);
      expect(response.body).to.include({ success: false, error: 'llm_bad_response' });
    } finally {
      await api.close();
    }
  });

  it('when the template makes the coach’s reply longer than its schema allows, then the turn is 502 and nothing of it is stored', async () => {
    const api = await startApi({
      overrides: {
        promptSource: patchedPrompts('coaching/core_values', (t) => {
          const bank = t.question_bank as { questions: { question: string }[] }[];
          const first = bank[0]?.questions[0];
          if (first) first.question = `Why? ${'Tell me more. '.repeat(700)}`;
        }),
      },
    });
    try {
      const token = await api.token('edge', 'acme');
      const id = await initiate(api, token);
      const response = await api.request('POST', `/api/v1/conversations/${id}/message`, {
        token,
        body: { user_message: 'Honesty matters to me.' },
      });
      expect(response.status, response.text).to.equal(502);
      expect(response.body.error).to.equal('llm_bad_response');
      const read = await api.request('GET', `/api/v1/conversations/${id}`, { token });
      expect(read.body.messages).to.have.length(1);
    } finally {
      await api.close();
    }
  });
});

// How the offline answers read, on the very requests the README's curl section sends: the
// first thing a newcomer sees. Plurals agree with their counts, no sentence is quoted twice,
// nothing is called measurable that is not, and a plain weakness is found as one.
import { expect } from 'chai';
import { initiate } from '../support/harness.js';
import { useApi } from '../support/fixtures.js';

type Body = Record<string, unknown>;

/** Every string of an answer, however deep, for checks that hold across the whole text. */
function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (value && typeof value === 'object') return Object.values(value).flatMap(strings);
  return [];
}

/** Wording a careful writer never leaves in: a count of one with a plural noun, and the like. */
function expectPlainEnglish(body: Body): void {
  for (const text of strings(body)) {
    expect(text, text).to.not.match(/\b1 (KPIs|values|words|areas|elements|of them are)\b/);
    expect(text, text).to.not.match(/\b0 of 0\b/);
    expect(text, text).to.not.match(/"\.\s*"|\."\./);
  }
}

describe('the offline answers read as good English (the README examples)', () => {
  const { api } = useApi();
  let token: string;

  before(async () => {
    token = await api.token('u1', 't1');
  });

  const post = async (path: string, body: unknown): Promise<Body> => {
    const response = await api.request<Body>('POST', path, { token, body });
    expect(response.status, response.text).to.be.oneOf([200, 201]);
    expectPlainEnglish(response.body);
    return response.body;
  };

  it('when the user says "I value honesty and my family", then the coach quotes it once, punctuated, and names both values in lower case', async () => {
    const id = await initiate(api, token);
    const turn = await post(`/api/v1/conversations/${id}/message`, {
      user_message: 'I value honesty and my family',
    });
    const reply = String(turn.ai_response);
    expect(reply).to.match(
      /^You said: "I value honesty and my family\." I hear integrity and family/,
    );
    expect(reply.split('I value honesty')).to.have.length(2);
    expect(turn.identified_values).to.deep.equal(['Integrity', 'Family']);
  });

  it('when the user ends the sentence themselves, then the quote keeps their punctuation and adds none', async () => {
    const id = await initiate(api, token);
    const turn = await post(`/api/v1/conversations/${id}/message`, {
      user_message: 'Honesty matters most! Family too.',
    });
    expect(String(turn.ai_response)).to.match(/^You said: "Honesty matters most!" /);
  });

  it('when the alignment example is analysed, then "honest" shows Integrity, and one matching purpose word is "the word"', async () => {
    const body = await post('/api/v1/analysis/alignment', {
      text_to_analyze: 'We build honest software for families.',
      context: { core_values: ['Integrity', 'Family'], purpose: 'Help families thrive' },
    });
    const strengths = (body.strengths as string[]).join(' ');
    expect(strengths).to.include('"Integrity"').and.include('"Family"');
    expect(strengths).to.include('in the word "families"');
    expect((body.misalignments as string[]).join(' ')).to.not.include('Integrity');
    expect(body.overall_assessment)
      .to.include('2 of 2 stated values')
      .and.include('1 of 3 purpose words');
  });

  it('when an alignment has no context, then it says what was missing instead of counting 0 of 0', async () => {
    const body = await post('/api/v1/analysis/alignment', {
      text_to_analyze: 'We build honest software for families.',
      context: {},
    });
    expect(body.overall_assessment).to.include(
      'No core values or purpose were given in the context, so those scores are conservative.',
    );
  });

  it('when the strategy example is analysed, then its one sentence is quoted once and "grow" is not called a measurable target', async () => {
    const body = await post('/api/v1/analysis/strategy', {
      current_strategy: 'Grow through partnerships with local schools.',
      context: {},
    });
    const all = strings(body).join('\n');
    expect(all.split('Grow through partnerships with local schools')).to.have.length(2);
    expect((body.strengths as string[]).join(' ')).to.not.include('measurable');
    expect(body.weaknesses).to.include(
      'It names a direction but no number to reach, so nobody can tell when it has worked.',
    );
  });

  it('when one sentence names several elements, then it is quoted once with all of them', async () => {
    const body = await post('/api/v1/analysis/strategy', {
      current_strategy: 'We will double online sales to cafes within two years.',
      context: {},
    });
    const strengths = body.strengths as string[];
    expect(strengths).to.have.length(1);
    expect(strengths[0]).to.match(/^It names its .+ and timeframe: "We will double/);
    expect(strengths[0]).to.include('measurable targets');
  });

  it('when the KPI example is analysed, then both KPIs are measurable and the counts agree with their nouns', async () => {
    const two = await post('/api/v1/analysis/kpi', {
      current_kpis: ['Monthly revenue', 'Churn rate'],
      context: {},
    });
    expect(two.overall_assessment).to.include(
      'your 2 KPIs cover 2 of 5 business areas, and both are measurable as written.',
    );
    const one = await post('/api/v1/analysis/kpi', {
      current_kpis: ['Monthly revenue'],
      context: {},
    });
    expect(one.overall_assessment).to.include(
      'your KPI covers 1 of 5 business areas, and it is measurable as written.',
    );
    const three = await post('/api/v1/analysis/kpi', {
      current_kpis: ['Monthly revenue', 'Customer happiness', 'Team spirit'],
      context: {},
    });
    expect(three.overall_assessment).to.include('and 1 of them is measurable as written.');
  });

  it('when the SWOT example says the support team is overloaded, then that is the weakness and the first action fixes it', async () => {
    const body = await post('/api/v1/analysis/operations', {
      analysis_type: 'swot',
      description: 'Our support team is overloaded every Monday.',
      context: {},
    });
    const findings = body.findings as Record<string, string[]>;
    expect(findings.weaknesses).to.deep.equal(['Our support team is overloaded every Monday.']);
    expect(findings.strengths?.[0]).to.match(/^The description names no strengths/);
    expect(body.priority_actions).to.deep.equal([
      'Fix this weakness: "Our support team is overloaded every Monday."',
    ]);
  });

  it('when the onboarding example is sent, then the suggestion builds on the draft and quotes its key words', async () => {
    const body = await post('/api/v1/suggestions/onboarding', {
      kind: 'niche',
      current: 'coaching for small bakeries',
    });
    const { suggestion } = body.data as { suggestion: string };
    expect(suggestion).to.include('Building on your draft, "coaching for small bakeries",');
    expect(suggestion).to.match(
      /Keep the words that carry your meaning: "coaching", .*"bakeries"\.$/,
    );
  });
});

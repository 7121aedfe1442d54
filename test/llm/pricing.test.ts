// The price table: list prices per million tokens, cache reads and writes at their own rates,
// the regional premium of geographic profiles, and models it does not know.
import { expect } from 'chai';
import { callCostUsd, estimateCostUsd, isPriced } from '../../app/src/llm/pricing.js';

const million = (part: 'input' | 'output' | 'read' | 'write') => ({
  inputTokens: part === 'input' ? 1e6 : 0,
  outputTokens: part === 'output' ? 1e6 : 0,
  cacheReadTokens: part === 'read' ? 1e6 : 0,
  cacheWriteTokens: part === 'write' ? 1e6 : 0,
});

const rates = (model: string) =>
  (['input', 'output', 'write', 'read'] as const).map(
    (part) => Math.round(callCostUsd(model, million(part))! * 1e6) / 1e6,
  );

describe('pricing', () => {
  it('when the stacks’ Sonnet 4.6 profile is priced, then input, output, cache writes and reads cost the US rates', () => {
    expect(rates('us.anthropic.claude-sonnet-4-6')).to.deep.equal([3.3, 16.5, 4.125, 0.33]);
    expect(rates('us.anthropic.claude-haiku-4-5-20251001-v1:0')).to.deep.equal([
      1.1, 5.5, 1.375, 0.11,
    ]);
  });

  it('when the same models go through a global profile, then they cost the list price without the premium', () => {
    expect(rates('global.anthropic.claude-sonnet-4-6')).to.deep.equal([3, 15, 3.75, 0.3]);
    expect(rates('global.anthropic.claude-haiku-4-5-20251001-v1:0')).to.deep.equal([
      1, 5, 1.25, 0.1,
    ]);
  });

  it('when a model predates the regional premium, then its profile costs its one list price', () => {
    expect(rates('us.anthropic.claude-3-7-sonnet-20250219-v1:0')).to.deep.equal([3, 15, 3.75, 0.3]);
  });

  it('when a call reads most of its input from the cache, then it costs a fraction of the plain call', () => {
    const plain = callCostUsd('us.anthropic.claude-sonnet-4-6', {
      inputTokens: 10_000,
      outputTokens: 200,
    })!;
    const cached = callCostUsd('us.anthropic.claude-sonnet-4-6', {
      inputTokens: 500,
      outputTokens: 200,
      cacheReadTokens: 9_500,
    })!;
    expect(cached / plain).to.be.closeTo(
      (500 * 3.3 + 200 * 16.5 + 9500 * 0.33) / (10_000 * 3.3 + 200 * 16.5),
      1e-12,
    );
    expect(cached).to.be.below(plain / 3);
  });

  it('when a model has no cache rates, then cache tokens cost its input rate', () => {
    expect(rates('amazon.nova-lite-v1:0')).to.deep.equal([0.06, 0.24, 0.06, 0.06]);
  });

  it('when a model is not in the table, then it has no price (the caller counts it as 0)', () => {
    expect(isPriced('llama3.1:8b')).to.equal(false);
    expect(callCostUsd('llama3.1:8b', million('input'))).to.equal(undefined);
    expect(estimateCostUsd('llama3.1:8b', million('input'))).to.equal(undefined);
    expect(isPriced('offline')).to.equal(true);
    expect(callCostUsd('offline', million('output'))).to.equal(0);
  });
});

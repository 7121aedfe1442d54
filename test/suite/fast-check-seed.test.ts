// The suite's properties run on one seed (test/support/fast-check-seed.ts), so a run's outcome
// depends on the code alone.
import { expect } from 'chai';
import fc from 'fast-check';

describe('the suite’s fast-check seed', () => {
  it('when the suite runs without FAST_CHECK_SEED=random, then every property draws the same inputs on every run', function () {
    if (process.env.FAST_CHECK_SEED === 'random') this.skip();
    const seed = fc.readConfigureGlobal().seed;
    expect(seed).to.equal(Number(process.env.FAST_CHECK_SEED ?? 20261207));
    const draw = () => fc.sample(fc.string(), 20);
    expect(draw()).to.deep.equal(draw());
  });
});

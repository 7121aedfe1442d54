// The committed offline plans: a pull request that changes infrastructure changes one of
// test/infra/plans/*.json, so the change shows up in review even without cloud credentials.
import { existsSync, readFileSync } from 'node:fs';
import { expect } from 'chai';
import { planJson } from '../../scripts/plan';
import { committedPlanPath, stacks } from '../../scripts/synth';
import { lineDiff } from '../support/line-diff';
import { stackPlan } from '../support/stack-plans';

describe('the committed offline plans', function () {
  this.timeout(120_000);

  for (const stack of stacks) {
    it(`match what the program plans for ${stack}`, async () => {
      const file = committedPlanPath(stack);
      const fix = `npm run synth -- --stack ${stack} --update`;
      expect(existsSync(file), `no plan committed for ${stack}: run \`${fix}\``).to.equal(true);
      const committed = readFileSync(file, 'utf8');
      const current = planJson(await stackPlan(stack));
      if (current !== committed) {
        expect.fail(
          `The ${stack} plan no longer matches ${file.slice(file.indexOf('test/'))} ` +
            `(- committed, + now). Review the change, then run \`${fix}\` and commit it.\n\n` +
            lineDiff(committed, current),
        );
      }
    });
  }

  it('the line diff shows a changed value and nothing else', () => {
    const before = ['[', '  "a": 1,', '  "b": 2,', '  "c": 3', ']'].join('\n');
    const after = ['[', '  "a": 1,', '  "b": 20,', '  "c": 3', ']'].join('\n');
    expect(lineDiff(before, after, 0)).to.equal('-   "b": 2,\n+   "b": 20,');
  });
});

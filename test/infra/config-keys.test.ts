// The program refuses a key of its namespace that Pulumi.yaml does not declare, as `pulumi up`
// would run it: the check is in the program (infra/config.ts), so the offline plan meets it too.
import { expect } from 'chai';
import { declaredConfigKeys, nearestKey, unknownConfigKeyProblems } from '../../infra/config-keys';
import { stackPlan } from '../support/stack-plans';

const declared = declaredConfigKeys();

describe('keys of the program’s config namespace', function () {
  this.timeout(120_000);

  it('when prod sets memmorySize, then the plan stops and names memorySize, whose default prod would have run with', async () => {
    const plan = stackPlan('prod', { 'purposepath-coaching:memmorySize': 4096 });
    await plan.then(
      () => expect.fail('a misspelt key was planned'),
      (error: Error) => {
        expect(error.message).to.contain('Invalid configuration for stack prod');
        expect(error.message).to.contain(
          'unknown key memmorySize: did you mean memorySize? (the keys are declared in Pulumi.yaml)',
        );
      },
    );
  });

  it('when a key is nothing like a declared one, then it is refused without a guess', () => {
    expect(
      unknownConfigKeyProblems('purposepath-coaching', ['purposepath-coaching:colour'], declared),
    ).to.deep.equal(['unknown key colour (the keys are declared in Pulumi.yaml)']);
  });

  it('when keys belong to another namespace (aws:region), or are declared, then nothing is said', () => {
    expect(
      unknownConfigKeyProblems(
        'purposepath-coaching',
        ['aws:region', 'aws:profile', 'purposepath-coaching:memorySize', 'other:memmorySize'],
        declared,
      ),
    ).to.deep.equal([]);
  });

  it('when several keys are unknown, then each gets its own line, in order', () => {
    expect(
      unknownConfigKeyProblems(
        'purposepath-coaching',
        ['purposepath-coaching:timout', 'purposepath-coaching:alarmEmial'],
        declared,
      ),
    ).to.deep.equal([
      'unknown key alarmEmial: did you mean alarmEmail? (the keys are declared in Pulumi.yaml)',
      'unknown key timout: did you mean timeout? (the keys are declared in Pulumi.yaml)',
    ]);
  });

  it('when a key differs only in case or by one letter, then the nearest declared key is named', () => {
    expect(nearestKey('MemorySize', declared)).to.equal('memorySize');
    expect(nearestKey('logLevl', declared)).to.equal('logLevel');
    expect(nearestKey('x', declared)).to.equal(undefined);
  });
});

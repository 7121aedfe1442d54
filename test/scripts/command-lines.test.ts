import path from 'node:path';
import { expect } from 'chai';
import { runChild, type Outcome } from '../support/child-processes.js';
import { quietEnv } from '../support/server-process.js';

const root = path.resolve(__dirname, '..', '..');

/** Runs a script as its npm script does (tsx), and keeps how it ended. */
function script(file: string, args: string[]): Promise<Outcome> {
  return runChild(process.execPath, ['--import', 'tsx', file, ...args], {
    cwd: root,
    env: { ...process.env, ...quietEnv },
  });
}

const scripts = {
  bench: { file: 'bench/run.ts', options: ['--quick', '--json', '--help'] },
  load: { file: 'bench/load.ts', options: ['--rate', '--seconds', '--help'] },
  trace: { file: 'bench/trace-turn.ts', options: ['--files', '--json', '--help'] },
  token: {
    file: 'scripts/token.ts',
    options: ['--user', '--tenant', '--expired', '--exp', '--claim', '--iss', '--aud', '--omit'],
  },
  synth: {
    file: 'scripts/synth.ts',
    options: ['--stack', '--json', '--update', '--deploy-policy', '--help'],
  },
  smoke: {
    file: 'scripts/smoke.ts',
    options: ['--url', '--token', '--stack', '--secret-arn', '--issuer', '--job-timeout'],
  },
} as const;

describe('the scripts’ command lines', function () {
  this.timeout(90_000);
  const help = new Map<string, Promise<Outcome>>();
  const wrong = new Map<string, Promise<Outcome>>();
  before(() => {
    // All at once: each is a Node start-up, and none of them does anything else.
    for (const [name, { file }] of Object.entries(scripts)) {
      help.set(name, script(file, ['--help']));
      wrong.set(name, script(file, ['--no-such-option']));
    }
  });

  for (const [name, { options }] of Object.entries(scripts)) {
    it(`when npm run ${name} is given --help, then it prints its usage and options, exits 0 and does nothing else`, async () => {
      const outcome = await help.get(name)!;
      expect(outcome.code, outcome.stderr).to.equal(0);
      expect(outcome.stdout).to.match(new RegExp(`^Usage: npm run (--silent )?${name}`));
      for (const option of options) expect(outcome.stdout).to.include(option);
      // The bench and the load run report progress on stderr as soon as they start working.
      expect(outcome.stderr).to.equal('');
    });

    it(`when npm run ${name} is given an unknown option, then it says so in one line and exits 2`, async () => {
      const outcome = await wrong.get(name)!;
      expect(outcome.code).to.equal(2);
      expect(outcome.stderr.trim()).to.equal("Unknown option '--no-such-option' (see --help)");
      expect(outcome.stdout).to.equal('');
    });
  }

  it('when npm run synth is given an unknown stack, then one line names the stacks there are', async () => {
    const outcome = await script('scripts/synth.ts', ['--stack', 'nope']);
    expect(outcome.code).to.equal(2);
    expect(outcome.stderr.trim()).to.equal(
      'unknown stack "nope": the stacks are dev, staging, prod (Pulumi.<stack>.yaml) (see --help)',
    );
  });
});

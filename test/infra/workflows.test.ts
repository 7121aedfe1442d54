// The hosted workflows run what the tests ran: Node 22 (the image's Node) and the Pulumi CLI of
// the same release as the SDK the lock file installs, pinned, so a new CLI never arrives unseen.
// And a deploy proves itself: each `pulumi up` is followed by the smoke check, staging goes
// before prod, and prod is not touched when staging's deploy or smoke check fails.
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { expect } from 'chai';
import { parse as parseYaml } from 'yaml';
import { projectRoot } from '../../scripts/plan';

interface Step {
  uses?: string;
  run?: string;
  if?: string;
  'continue-on-error'?: unknown;
  with?: Record<string, unknown>;
}

interface Job {
  steps?: Step[];
  uses?: string;
  needs?: string | string[];
  if?: string;
  with?: Record<string, unknown>;
  'continue-on-error'?: unknown;
}

const workflowsDir = path.join(projectRoot, '.github', 'workflows');
const workflows = Object.fromEntries(
  readdirSync(workflowsDir).map((file) => [
    file,
    parseYaml(readFileSync(path.join(workflowsDir, file), 'utf8')) as { jobs: Record<string, Job> },
  ]),
);
const steps = Object.entries(workflows).flatMap(([file, workflow]) =>
  Object.values(workflow.jobs).flatMap((job) => (job.steps ?? []).map((step) => ({ file, step }))),
);
const lockedSdk = (
  JSON.parse(readFileSync(path.join(projectRoot, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { version: string }>;
  }
).packages['node_modules/@pulumi/pulumi']?.version;

describe('the hosted workflows', () => {
  it('when a workflow runs Pulumi, then it pins the CLI to the locked SDK’s release', () => {
    const pulumiSteps = steps.filter(({ step }) => step.uses?.startsWith('pulumi/actions@'));
    expect(pulumiSteps.map(({ file }) => file).sort()).to.deep.equal([
      'pull-request.yml',
      'up.yml',
    ]);
    expect(lockedSdk).to.match(/^3\.\d+\.\d+$/);
    for (const { file, step } of pulumiSteps) {
      expect(step.with?.['pulumi-version'], file).to.equal(lockedSdk);
    }
  });

  it('when a workflow sets up Node, then it is Node 22, as in the Lambda image', () => {
    const nodeSteps = steps.filter(({ step }) => step.uses?.startsWith('actions/setup-node@'));
    expect(nodeSteps).to.have.length.above(0);
    for (const { file, step } of nodeSteps)
      expect(String(step.with?.['node-version']), file).to.equal('22');
  });
});

describe('the deploy workflow', () => {
  const deploy = workflows['deploy.yml']!.jobs;
  const upSteps = workflows['up.yml']!.jobs.up!.steps ?? [];

  it('when a stack is deployed, then pulumi up runs and the smoke check of that stack follows it, and can fail the job', () => {
    const up = upSteps.findIndex(
      (s) => s.uses?.startsWith('pulumi/actions@') && s.with?.command === 'up',
    );
    const smoke = upSteps.findIndex((s) => /npm run smoke -- --stack "\$STACK"/.test(s.run ?? ''));
    expect(up, 'pulumi up').to.be.at.least(0);
    expect(smoke, 'the smoke check').to.be.above(up);
    expect(upSteps[up]?.with?.['stack-name']).to.equal('${{ inputs.stack }}');
    for (const step of upSteps.slice(up)) {
      expect(step['continue-on-error'], step.run ?? step.uses).to.equal(undefined);
      expect(step.if, step.run ?? step.uses).to.equal(undefined);
    }
    expect(workflows['up.yml']!.jobs.up!['continue-on-error']).to.equal(undefined);
  });

  it('when main is pushed, then dev is deployed and checked; by hand, staging first', () => {
    expect(deploy.dev).to.deep.include({
      uses: './.github/workflows/up.yml',
      with: { stack: 'dev' },
      if: "github.event_name == 'push'",
    });
    expect(deploy.staging).to.deep.include({
      uses: './.github/workflows/up.yml',
      with: { stack: 'staging' },
    });
    expect(deploy.staging?.needs).to.equal(undefined);
  });

  it('when staging’s deploy or smoke check fails, then prod is not touched: it needs staging and does not run regardless', () => {
    const prod = deploy.prod!;
    expect(prod.uses).to.equal('./.github/workflows/up.yml');
    expect(prod.with?.stack).to.equal('prod');
    expect([prod.needs].flat()).to.include('staging');
    // always(), failure() or !cancelled() would run prod after a failed staging.
    expect(prod.if ?? '').to.not.match(/always\(\)|failure\(\)|cancelled\(\)/);
    expect(prod.if).to.contain("inputs.through == 'prod'");
  });
});

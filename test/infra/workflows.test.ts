// The hosted workflows run what the tests ran: Node 22 (the image's Node) and the Pulumi CLI of
// the same release as the SDK the lock file installs, pinned, so a new CLI never arrives unseen.
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { expect } from 'chai';
import { parse as parseYaml } from 'yaml';
import { projectRoot } from '../../scripts/plan';

interface Step {
  uses?: string;
  with?: Record<string, unknown>;
}

const workflowsDir = path.join(projectRoot, '.github', 'workflows');
const steps = readdirSync(workflowsDir).flatMap((file) => {
  const workflow = parseYaml(readFileSync(path.join(workflowsDir, file), 'utf8')) as {
    jobs: Record<string, { steps: Step[] }>;
  };
  return Object.values(workflow.jobs).flatMap((job) => job.steps.map((step) => ({ file, step })));
});
const lockedSdk = (
  JSON.parse(readFileSync(path.join(projectRoot, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { version: string }>;
  }
).packages['node_modules/@pulumi/pulumi']?.version;

describe('the hosted workflows', () => {
  it('when a workflow runs Pulumi, then it pins the CLI to the locked SDK’s release', () => {
    const pulumiSteps = steps.filter(({ step }) => step.uses?.startsWith('pulumi/actions@'));
    expect(pulumiSteps.map(({ file }) => file).sort()).to.deep.equal([
      'deploy.yml',
      'pull-request.yml',
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

// The offline plan: what a stack would create, computed from the program under mocks, with no
// cloud credentials. `--json` prints the form committed under test/infra/plans/.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { stringify as toYaml } from 'yaml';
import { commandLine, fail } from './cli';
import { deployPolicy } from './deploy-policy';
import { planJson, planStack, projectRoot, type PlannedResource, type StackPlan } from './plan';

export const stacks = ['dev', 'staging', 'prod'] as const;

const usage = `
Usage: npm run synth -- --stack <dev|staging|prod> [--json | --plan | --update]
       npm run synth -- --update
       npm run synth -- --deploy-policy [--account <id>] [--stack <name> ...]

The offline plan of a stack: every resource the Pulumi program would create, with its inputs,
computed under Pulumi's mocks (no cloud credentials, no Pulumi CLI).

Options:
  --stack <name>     dev, staging or prod (the Pulumi.<name>.yaml files); repeatable
  --json             print the plan as JSON, the form committed under test/infra/plans/
  --plan             print the whole plan as JSON: config, provider calls and outputs too
  --update           rewrite test/infra/plans/<stack>.json (every stack when none is named)
  --deploy-policy    print the IAM policy the deploy role needs for the stacks (every stack
                     when none is named), built from what their plans create and call
  --account <id>     the account id in that policy's ARNs (default: <account>, to fill in)
  -h, --help         print this help and exit
`;

export function committedPlanPath(stack: string): string {
  return path.join(projectRoot, 'test', 'infra', 'plans', `${stack}.json`);
}

async function main(): Promise<void> {
  const values = commandLine(usage, {
    stack: { type: 'string', multiple: true },
    json: { type: 'boolean', default: false },
    plan: { type: 'boolean', default: false },
    update: { type: 'boolean', default: false },
    'deploy-policy': { type: 'boolean', default: false },
    account: { type: 'string', default: '<account>' },
  });
  const everyStack = values.update || values['deploy-policy'];
  const selected = values.stack ?? (everyStack ? [...stacks] : []);
  if (selected.length === 0) fail('name a stack: --stack dev, --stack staging or --stack prod');
  const unknown = selected.find((stack) => !(stacks as readonly string[]).includes(stack));
  if (unknown !== undefined) {
    fail(`unknown stack "${unknown}": the stacks are ${stacks.join(', ')} (Pulumi.<stack>.yaml)`);
  }
  if (values['deploy-policy']) {
    const plans = selected.map(
      (stack) =>
        JSON.parse(
          execFileSync(
            process.execPath,
            [...process.execArgv, __filename, '--stack', stack, '--plan'],
            {
              maxBuffer: 64 * 1024 * 1024,
            },
          ).toString(),
        ) as StackPlan,
    );
    process.stdout.write(`${JSON.stringify(deployPolicy(plans, values.account), null, 2)}\n`);
    return;
  }
  if (selected.length > 1) {
    // The Pulumi runtime keeps global state: each stack gets a fresh process.
    for (const stack of selected) {
      const flags = [values.json ? '--json' : '', values.update ? '--update' : ''].filter(Boolean);
      execFileSync(
        process.execPath,
        [...process.execArgv, __filename, '--stack', stack, ...flags],
        {
          stdio: 'inherit',
        },
      );
    }
    return;
  }

  const [stack = ''] = selected;
  const plan = await planStack({ stack });
  if (values.update) {
    writeFileSync(committedPlanPath(stack), planJson(plan));
    console.log(`wrote ${path.relative(projectRoot, committedPlanPath(stack))}`);
  } else if (values.json) {
    process.stdout.write(planJson(plan));
  } else if (values.plan) {
    process.stdout.write(JSON.stringify(plan));
  } else {
    process.stdout.write(readablePlan(plan));
  }
}

/** Components first, each followed by what it holds, inputs as indented YAML. */
export function readablePlan(plan: StackPlan): string {
  const lines = [
    `Stack ${plan.stack} (${plan.region}): ${plan.resources.length} resources, offline plan`,
    '',
  ];
  const children = (parent?: string) => plan.resources.filter((r) => r.parent === parent);
  const describe = (resource: PlannedResource, depth: number) => {
    const indent = '  '.repeat(depth);
    const flag = resource.protect ? '  [protected]' : '';
    lines.push(`${indent}+ ${resource.name}  (${resource.type})${flag}`);
    if (Object.keys(resource.inputs).length > 0) {
      const yaml = toYaml(resource.inputs, { lineWidth: 0 }).trimEnd();
      lines.push(...yaml.split('\n').map((line) => `${indent}    ${line}`));
    }
    for (const child of children(resource.name)) describe(child, depth + 1);
  };
  for (const root of children(undefined)) describe(root, 0);
  lines.push(
    '',
    'Outputs:',
    ...toYaml(plan.outputs, { lineWidth: 0 })
      .trimEnd()
      .split('\n')
      .map((l) => `  ${l}`),
  );
  return `${lines.join('\n')}\n`;
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}

// Builds stacks for the infra tests, each in its own process (the Pulumi runtime keeps global
// state), once per test run, and offers small lookups over the result.
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import type { PlannedResource, StackPlan } from '../../scripts/plan';
import { standIn } from './stand-in';

const printPlan = path.join(__dirname, 'print-plan.ts');
const builds = new Map<string, Promise<StackPlan>>();

/** The plan of `stack` with `overrides` applied over its stack file; built once and shared. */
export function stackPlan(
  stack: string,
  overrides: Record<string, unknown> = {},
): Promise<StackPlan> {
  const key = `${stack} ${JSON.stringify(overrides)}`;
  let build = builds.get(key);
  if (!build) {
    build = new Promise((resolve, reject) => {
      execFile(
        process.execPath,
        ['--import', 'tsx', printPlan, stack, JSON.stringify(overrides)],
        { maxBuffer: 64 * 1024 * 1024 },
        (error, stdout, stderr) => {
          if (error)
            reject(new Error(`building stack ${stack} failed:\n${stderr || error.message}`));
          else resolve(JSON.parse(stdout) as StackPlan);
        },
      );
    });
    builds.set(key, build);
  }
  return build;
}

/**
 * The plan of `stack` with `overrides`, built before the describe block's tests (a build takes
 * a while the first time); what it returns stands for the plan once it is built.
 */
export function usePlan(stack: string, overrides: Record<string, unknown> = {}): StackPlan {
  let plan: StackPlan | undefined;
  before(async function () {
    this.timeout(120_000);
    plan = await stackPlan(stack, overrides);
  });
  return standIn(`the ${stack} plan`, () => plan);
}

export function resourcesOfType(plan: StackPlan, type: string): PlannedResource[] {
  return plan.resources.filter((resource) => resource.type === type);
}

export function onlyResource(plan: StackPlan, type: string): PlannedResource {
  const found = resourcesOfType(plan, type);
  if (found.length !== 1) {
    throw new Error(`expected one ${type} in stack ${plan.stack}, found ${found.length}`);
  }
  return found[0]!;
}

/** A nested input by dotted path, e.g. `environment.variables.STAGE`. */
export function input(resource: PlannedResource, dotted: string): unknown {
  return dotted
    .split('.')
    .reduce<unknown>(
      (value, key) => (value as Record<string, unknown> | undefined)?.[key],
      resource.inputs,
    );
}

/** The resource of this type and logical name (what `onlyResource` is when a type repeats). */
export function namedResource(plan: StackPlan, type: string, name: string): PlannedResource {
  const found = resourcesOfType(plan, type).find((resource) => resource.name === name);
  if (!found) throw new Error(`no ${type} named ${name} in stack ${plan.stack}`);
  return found;
}

/** The API function (`lambda.handler`, behind the HTTP API). */
export const apiFunction = (plan: StackPlan) =>
  namedResource(plan, 'aws:lambda/function:Function', 'service-function');

/** The streaming function (`lambda.streamingHandler`, behind the REST API). */
export const streamingFunction = (plan: StackPlan) =>
  namedResource(plan, 'aws:lambda/function:Function', 'streaming-function');

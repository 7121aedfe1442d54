// The deploy role's IAM policy, built from what the stacks' plans create and call
// (deploy-permissions.ts), and the table docs/deployment.md shows of it.
import {
  invokeNeeds,
  resourceNeeds,
  scopes,
  smokeNeeds,
  type Extra,
  type Need,
  type Scope,
} from './deploy-permissions';

/** The part of a stack's plan the policy is built from. */
export interface PlanForPolicy {
  readonly region: string;
  readonly config: Record<string, unknown>;
  readonly resources: readonly { readonly type: string }[];
  readonly invokes: readonly string[];
}

export interface Statement {
  readonly Sid: string;
  readonly Effect: 'Allow';
  readonly Action: string[];
  readonly Resource: string[];
  readonly Condition?: Record<string, Record<string, string[]>>;
}

/** The types and calls a plan needs permissions for; components and random: need none. */
export function neededBy(plan: PlanForPolicy): string[] {
  const types = plan.resources
    .map((r) => r.type)
    .filter((type) => /^(aws|docker-build):/.test(type));
  return [...new Set([...types, ...plan.invokes])].sort();
}

/** The need of a resource type or call, or undefined: the table does not know it. */
export function needOf(typeOrCall: string): Need | undefined {
  return resourceNeeds[typeOrCall] ?? invokeNeeds[typeOrCall];
}

/** Where the plans' stacks live, and the names their config brings from outside. */
export function extraOf(plans: readonly PlanForPolicy[]): Extra {
  const values = (key: string) =>
    plans.map((plan) => String(plan.config[`purposepath-coaching:${key}`] ?? '')).filter(Boolean);
  return {
    secretArns: [...new Set([...values('jwtSecretArn'), ...values('redisPasswordSecretArn')])],
    domainNames: [...new Set(values('customDomainName'))],
    hostedZoneIds: [...new Set(values('hostedZoneId'))],
  };
}

/** The deploy role's policy for these stacks (one region), smoke check included. */
export function deployPolicy(plans: readonly PlanForPolicy[], account: string) {
  const [first] = plans;
  if (!first || plans.some((plan) => plan.region !== first.region)) {
    throw new Error('build the deploy policy from the plans of stacks in one region');
  }
  const scope: Scope = { region: first.region, account };
  const needs = [
    ...[...new Set(plans.flatMap(neededBy))].map((token) => {
      const need = needOf(token);
      if (!need)
        throw new Error(
          `no deploy permission covers ${token}: add it to scripts/deploy-permissions.ts`,
        );
      return need;
    }),
    smokeNeeds,
  ];
  const resourcesOf = scopes(scope, extraOf(plans));
  const byService = new Map<string, Set<string>>();
  for (const action of needs.flatMap((need) => need.actions)) {
    const service = action.slice(0, action.indexOf(':'));
    byService.set(service, (byService.get(service) ?? new Set()).add(action));
  }
  const statements: Statement[] = [...byService].sort().map(([service, actions]) => ({
    Sid: `Deploy${service.replace(/^./, (c) => c.toUpperCase())}`,
    Effect: 'Allow',
    Action: [...actions].sort(),
    Resource: [...(resourcesOf[service] ?? [])],
  }));
  const unscoped = [...new Set(needs.flatMap((need) => need.unscoped ?? []))].sort();
  if (unscoped.length > 0) {
    statements.push({ Sid: 'NoResourceLevel', Effect: 'Allow', Action: unscoped, Resource: ['*'] });
  }
  const passedTo = [...new Set(needs.flatMap((need) => need.passRoleTo ?? []))].sort();
  if (passedTo.length > 0) {
    statements.push({
      Sid: 'PassStackRoles',
      Effect: 'Allow',
      Action: ['iam:PassRole'],
      Resource: [...(resourcesOf.iam ?? [])],
      Condition: { StringEquals: { 'iam:PassedToService': passedTo } },
    });
  }
  return { Version: '2012-10-17' as const, Statement: statements };
}

/** Every need the program can have, whichever options a stack sets: the docs' table. */
export function permissionsTable(): string {
  const all = [...Object.values(resourceNeeds), ...Object.values(invokeNeeds), smokeNeeds];
  const rows = new Map<string, { scoped: Set<string>; unscoped: Set<string> }>();
  const add = (action: string, kind: 'scoped' | 'unscoped') => {
    const service = action.slice(0, action.indexOf(':'));
    const row = rows.get(service) ?? { scoped: new Set<string>(), unscoped: new Set<string>() };
    row[kind].add(action.slice(service.length + 1));
    rows.set(service, row);
  };
  for (const need of all) {
    need.actions.forEach((action) => add(action, 'scoped'));
    need.unscoped?.forEach((action) => add(action, 'unscoped'));
  }
  add('iam:PassRole', 'scoped');
  const example = scopes(
    { region: '<region>', account: '<account>' },
    { secretArns: [], domainNames: ['<domain>'], hostedZoneIds: [] },
  );
  const code = (items: Iterable<string>) =>
    [...items]
      .sort()
      .map((item) => `\`${item}\``)
      .join(', ');
  const lines = [...rows]
    .sort()
    .map(
      ([service, row]) =>
        `| ${service} | ${code(row.scoped)} | ${code(row.scoped.size > 0 ? (example[service] ?? []) : [])} | ${code(row.unscoped)} |`,
    );
  return [
    '| Service | Actions | On | Actions on `*` (no resource-level permission) |',
    '|---|---|---|---|',
    ...lines,
  ].join('\n');
}

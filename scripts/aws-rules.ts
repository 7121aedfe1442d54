// What AWS refuses that Pulumi's mocks accept: the offline plan applies these rules to every
// planned resource, so a value the service would reject at `pulumi up` fails `npm test` instead.
// Each rule cites the service's own limit; a problem names the resource and the value.

/** The part of a planned resource the rules read. */
export interface PlannedInputs {
  readonly type: string;
  readonly name: string;
  readonly inputs: Record<string, unknown>;
}

type Rule = (resources: readonly PlannedInputs[]) => string[];

/** Every problem AWS would report for these resources, one line each. */
export function findAwsProblems(resources: readonly PlannedInputs[]): string[] {
  return rules.flatMap((rule) => rule(resources));
}

/** Throws every problem at once, as the offline plan's answer for a stack AWS would refuse. */
export function assertAwsAccepts(stack: string, resources: readonly PlannedInputs[]): void {
  const problems = findAwsProblems(resources);
  if (problems.length > 0) {
    throw new Error(`AWS would refuse stack ${stack}:\n  ${problems.join('\n  ')}`);
  }
}

const ofType = (resources: readonly PlannedInputs[], type: string) =>
  resources.filter((r) => r.type === type);

// API Gateway HTTP API routes (CreateRoute): `$default`, or an HTTP method (or ANY) and a path
// that starts with `/`, has no empty segment and no trailing `/`, whose variables are whole
// segments, with a greedy `{name+}` only as the last one. A route key is unique within an API.
const routeMethods = ['ANY', 'DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT'];

export function routeKeyProblems(routeKey: string): string[] {
  if (routeKey === '$default') return [];
  const match = /^(\S+) (\S+)$/.exec(routeKey);
  if (!match) return [`"${routeKey}" is neither $default nor "METHOD /path"`];
  const [, method = '', path = ''] = match;
  const problems: string[] = [];
  if (!routeMethods.includes(method)) {
    problems.push(`method ${method} is not one of ${routeMethods.join(', ')}`);
  }
  if (!path.startsWith('/')) problems.push(`path ${path} does not start with /`);
  if (path.length > 1 && path.endsWith('/')) problems.push(`path ${path} ends with /`);
  if (path.includes('//')) problems.push(`path ${path} has an empty segment`);
  const segments = path.split('/').slice(1);
  segments.forEach((segment, index) => {
    if (!segment.includes('{') && !segment.includes('}')) return;
    const variable = /^\{([A-Za-z0-9._-]+)(\+?)\}$/.exec(segment);
    if (!variable) problems.push(`${segment} is not a whole-segment path variable`);
    else if (variable[2] && index !== segments.length - 1) {
      problems.push(`greedy variable ${segment} is not the last segment`);
    }
  });
  return problems.map((problem) => `route "${routeKey}": ${problem}`);
}

const routeRule: Rule = (resources) => {
  const routes = ofType(resources, 'aws:apigatewayv2/route:Route');
  const problems = routes.flatMap((route) =>
    routeKeyProblems(String(route.inputs.routeKey)).map((p) => `${route.name}: ${p}`),
  );
  const seen = new Set<string>();
  for (const route of routes) {
    const key = `${String(route.inputs.apiId)} ${String(route.inputs.routeKey)}`;
    if (seen.has(key))
      problems.push(
        `${route.name}: route "${String(route.inputs.routeKey)}" already exists on the API`,
      );
    seen.add(key);
  }
  return problems;
};

const rules: readonly Rule[] = [routeRule];

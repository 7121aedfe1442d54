// The deploy role's permissions are derived from the plans: every resource type and provider
// call of every stack, options included, has its actions in scripts/deploy-permissions.ts, every
// name a plan creates lies inside the policy's scopes, and docs/deployment.md shows that table.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { expect } from 'chai';
import { scopes, type Scope } from '../../scripts/deploy-permissions';
import {
  deployPolicy,
  extraOf,
  neededBy,
  needOf,
  permissionsTable,
  type Statement,
} from '../../scripts/deploy-policy';
import { mockAccountId, projectRoot, type StackPlan } from '../../scripts/plan';
import { optionStacks } from '../support/option-stacks';
import { stackPlan } from '../support/stack-plans';

const scope: Scope = { region: 'us-east-1', account: mockAccountId };

/** IAM's wildcard: `*` is any run of characters, `/` and `:` included. */
const matches = (pattern: string, arn: string) =>
  new RegExp(`^${pattern.split('*').map(escape).join('.*')}$`).test(arn);
const escape = (text: string) => text.replace(/[.+?^${}()|[\]\\]/g, '\\$&');

const grantsOf = (statements: Statement[], action: string) =>
  statements.filter((s) => s.Action.includes(action));

describe('the deploy role’s permissions, derived from the plans', function () {
  this.timeout(180_000);
  let plans: { story: string; plan: StackPlan }[];

  before(async () => {
    const stories: [string, string, Record<string, unknown>][] = [
      ['dev', 'dev', {}],
      ['staging', 'staging', {}],
      ['prod', 'prod', {}],
      ...optionStacks.map(([stack, overrides], i): [string, string, Record<string, unknown>] => [
        `${stack} with options ${i + 1}`,
        stack,
        overrides,
      ]),
    ];
    plans = await Promise.all(
      stories.map(async ([story, stack, overrides]) => ({
        story,
        plan: await stackPlan(stack, overrides),
      })),
    );
  });

  it('when every stack, with every option, is planned, then each resource type and provider call has its permissions listed', () => {
    const unknown = plans.flatMap(({ story, plan }) =>
      neededBy(plan)
        .filter((token) => needOf(token) === undefined)
        .map((token) => `${story}: ${token}`),
    );
    expect(unknown).to.deep.equal([]);
    const everything = new Set(plans.flatMap(({ plan }) => neededBy(plan)));
    // The optional parts are in: a created domain and its certificate, the original's tables.
    expect([...everything]).to.include.members([
      'aws:acm/certificate:Certificate',
      'aws:route53/record:Record',
      'aws:dynamodb/getTable:getTable',
      'aws:secretsmanager/getSecretVersion:getSecretVersion',
      'aws:sqs/queue:Queue',
      'aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig',
    ]);
  });

  it('when a plan names a resource, then its ARN lies inside the policy’s scope for that service', () => {
    const outside: string[] = [];
    for (const { story, plan } of plans) {
      const allowed = scopes(scope, extraOf([plan]));
      for (const resource of plan.resources) {
        const arn = needOf(resource.type)?.arn?.(resource, scope);
        if (!arn) continue;
        const service = arn.split(':')[2] ?? '';
        if (!(allowed[service] ?? []).some((pattern) => matches(pattern, arn))) {
          outside.push(`${story}: ${resource.name} ${arn}`);
        }
      }
    }
    expect(outside).to.deep.equal([]);
  });

  it('when the policy is built for the three stacks, then REST APIs, the account setting, SQS, event-invoke configs and both roles it passes are in', () => {
    const policy = deployPolicy(
      plans.slice(0, 3).map(({ plan }) => plan),
      mockAccountId,
    );
    const statements = policy.Statement;
    const apiGateway = grantsOf(statements, 'apigateway:POST').flatMap((s) => s.Resource);
    expect(apiGateway).to.include.members([
      'arn:aws:apigateway:us-east-1::/restapis',
      'arn:aws:apigateway:us-east-1::/restapis/*',
      'arn:aws:apigateway:us-east-1::/apis/*',
      'arn:aws:apigateway:us-east-1::/account',
      'arn:aws:apigateway:us-east-1::/domainnames/api.purposepath.ai/*',
    ]);
    expect(grantsOf(statements, 'sqs:CreateQueue')).to.have.length(1);
    for (const action of ['Put', 'Get', 'Delete'].map(
      (v) => `lambda:${v}FunctionEventInvokeConfig`,
    )) {
      expect(grantsOf(statements, action), action).to.have.length(1);
    }
    const [passRole] = grantsOf(statements, 'iam:PassRole');
    expect(passRole?.Resource).to.deep.equal([`arn:aws:iam::${mockAccountId}:role/purposepath-*`]);
    expect(passRole?.Condition).to.deep.equal({
      StringEquals: { 'iam:PassedToService': ['apigateway.amazonaws.com', 'lambda.amazonaws.com'] },
    });
    // The logging role dev creates carries a prefix the IAM scope holds.
    const iam = grantsOf(statements, 'iam:CreateRole').flatMap((s) => s.Resource);
    expect(
      iam.some((pattern) =>
        matches(pattern, `arn:aws:iam::${mockAccountId}:role/purposepath-apigateway-logs-x`),
      ),
    ).to.equal(true);
    // The smoke check mints its token from the stage's secret.
    expect(grantsOf(statements, 'secretsmanager:GetSecretValue')).to.have.length(1);
    expect(statements.find((s) => s.Resource.includes('*'))?.Action).to.include(
      'ecr:GetAuthorizationToken',
    );
  });

  it('when a stack names a secret or a zone of its own, then the policy reaches exactly those', () => {
    const withOptions = plans.filter(({ story }) => story.includes('options')).map((p) => p.plan);
    const policy = deployPolicy(withOptions, mockAccountId);
    const secrets = grantsOf(policy.Statement, 'secretsmanager:DescribeSecret').flatMap(
      (s) => s.Resource,
    );
    expect(secrets).to.include.members([
      'arn:aws:secretsmanager:us-east-1:123456789012:secret:issuer/jwt-Ab12Cd',
      'arn:aws:secretsmanager:us-east-1:123456789012:secret:redis/auth-Ab12Cd',
    ]);
    const zones = grantsOf(policy.Statement, 'route53:ChangeResourceRecordSets').flatMap(
      (s) => s.Resource,
    );
    expect(zones).to.include('arn:aws:route53:::hostedzone/Z0EXAMPLE');
  });

  it('when the policy for every stack and option is written out, then it fits an inline role policy (10,240 characters)', () => {
    const policy = deployPolicy(
      plans.map(({ plan }) => plan),
      mockAccountId,
    );
    expect(JSON.stringify(policy).length).to.be.at.most(10_240);
    for (const statement of policy.Statement) {
      expect(statement.Action, statement.Sid).to.not.include('*');
      expect(statement.Resource, statement.Sid).to.have.length.above(0);
    }
  });

  it('when docs/deployment.md lists the deploy permissions, then it shows the table the policy is built from', () => {
    const guide = readFileSync(path.join(projectRoot, 'docs', 'deployment.md'), 'utf8');
    const table = permissionsTable();
    expect(
      guide.includes(table),
      `docs/deployment.md, "Deploy permissions", should hold this table:\n\n${table}\n`,
    ).to.equal(true);
  });
});

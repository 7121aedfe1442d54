// The optional parts of a stack, switched on through config overrides, and the config checks
// that refuse a stack which could not work.
import { expect } from 'chai';
import { loadConfig } from '../../app/src/config';
import type { StackConfig } from '../../infra/config';
import { findConfigProblems } from '../../infra/config';
import { bedrockModelGrant, modelStatements } from '../../infra/policy';
import type { StackPlan } from '../../scripts/plan';
import { everyOption, issuerSecretArn, ownHostedZone } from '../support/option-stacks';
import { validSettings } from '../support/stack-settings';
import {
  apiFunction,
  input,
  namedResource,
  onlyResource,
  resourcesOfType,
  usePlan,
  streamingFunction,
} from '../support/stack-plans';

/** The streaming REST API's stage under its own key on the same domain as the HTTP API. */
function expectStreamingMapping(plan: StackPlan, domainName: string, stage: string) {
  const mapping = namedResource(
    plan,
    'aws:apigatewayv2/apiMapping:ApiMapping',
    'domain-streaming-mapping',
  );
  expect(mapping.inputs).to.include({ apiMappingKey: 'coaching-stream', stage });
  expect(mapping.inputs.domainName).to.equal(
    namedResource(plan, 'aws:apigatewayv2/apiMapping:ApiMapping', 'domain-mapping').inputs
      .domainName,
  );
  expect(String(plan.outputs.streamingEndpoint)).to.contain(`//${String(mapping.inputs.apiId)}.`);
  const url = `https://${domainName}/coaching-stream`;
  expect(plan.outputs.streamingCustomDomainUrl).to.equal(url);
  for (const fn of resourcesOfType(plan, 'aws:lambda/function:Function')) {
    expect(input(fn, 'environment.variables.STREAMING_URL'), fn.name).to.equal(url);
  }
}

describe('a stack with every option set', function () {
  this.timeout(120_000);
  const plan = usePlan('staging', everyOption);

  it('passes the two default budgets to both functions as the app reads them', () => {
    for (const fn of [apiFunction(plan), streamingFunction(plan)]) {
      expect(input(fn, 'environment.variables')).to.include({
        TENANT_MONTHLY_BUDGET_USD: '500',
        USER_DAILY_BUDGET_USD: '2.5',
      });
    }
    expect(
      loadConfig({
        ...(input(apiFunction(plan), 'environment.variables') as Record<string, string>),
      }).budgets,
    ).to.deep.equal({ tenantMonthlyUsd: 500, userDailyUsd: 2.5 });
  });

  it('builds and runs an arm64 image', () => {
    expect(onlyResource(plan, 'docker-build:index:Image').inputs.platforms).to.deep.equal([
      'linux/arm64',
    ]);
    expect(streamingFunction(plan).inputs.architectures).to.deep.equal(['arm64']);
    expect(apiFunction(plan).inputs.architectures).to.deep.equal(['arm64']);
  });

  it('reserves the given concurrency, and alarms at 80% of it', () => {
    expect(apiFunction(plan).inputs.reservedConcurrentExecutions).to.equal(50);
    const concurrency = resourcesOfType(plan, 'aws:cloudwatch/metricAlarm:MetricAlarm').find((a) =>
      String(a.inputs.name).endsWith('-lambda-concurrency'),
    );
    expect(concurrency?.inputs.threshold).to.equal(40);
  });

  it('runs in the given subnets, with ENI permissions scoped to them', () => {
    const fn = apiFunction(plan);
    expect(fn.inputs.vpcConfig).to.deep.equal({
      securityGroupIds: ['sg-0c'],
      subnetIds: ['subnet-0a', 'subnet-0b'],
    });
    // The streaming function reaches the same Redis from the same subnets.
    expect(streamingFunction(plan).inputs.vpcConfig).to.deep.equal(fn.inputs.vpcConfig);
    const statements = input(
      namedResource(plan, 'aws:iam/rolePolicy:RolePolicy', 'service-permissions'),
      'policy.Statement',
    ) as {
      Action: string[];
      Resource: string[];
    }[];
    const create = statements.find((s) => s.Action.includes('ec2:CreateNetworkInterface'))!;
    expect(create.Resource).to.include.members([
      'arn:aws:ec2:us-east-1:123456789012:subnet/subnet-0a',
      'arn:aws:ec2:us-east-1:123456789012:security-group/sg-0c',
    ]);
    expect(create.Resource).to.not.include('*');
  });

  it('moves the rate limits to the Redis endpoint, and passes the audience, the mapping key and the given secret', () => {
    const env = input(apiFunction(plan), 'environment.variables');
    expect(env).to.include({
      REDIS_CLUSTER_ENDPOINT: 'redis.internal:6379',
      REDIS_SSL: 'true',
      RATE_LIMIT_STORE: 'redis',
      JWT_AUDIENCE: 'coaching-api',
      API_MAPPING_KEY: 'v2',
      JWT_SECRET_ARN: issuerSecretArn,
    });
  });

  it('creates the domain with the given certificate and maps it, leaving DNS to its owner', () => {
    const domain = onlyResource(plan, 'aws:apigatewayv2/domainName:DomainName');
    expect(domain.inputs.domainNameConfiguration).to.include({
      certificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/abc',
      endpointType: 'REGIONAL',
      securityPolicy: 'TLS_1_2',
    });
    expect(
      namedResource(plan, 'aws:apigatewayv2/apiMapping:ApiMapping', 'domain-mapping').inputs
        .apiMappingKey,
    ).to.equal('v2');
    expect(resourcesOfType(plan, 'aws:acm/certificate:Certificate')).to.deep.equal([]);
    expect(resourcesOfType(plan, 'aws:route53/record:Record')).to.deep.equal([]);
    expect(plan.outputs.customDomainUrl).to.equal('https://coaching.example.com/v2');
    expectStreamingMapping(plan, 'coaching.example.com', 'staging');
    expect(String(plan.outputs.customDomainTarget)).to.match(
      /^d-\w+\.execute-api\.us-east-1\.amazonaws\.com$/,
    );
  });
});

describe('a stack that creates its domain in its own hosted zone', function () {
  this.timeout(120_000);
  const plan = usePlan('dev', ownHostedZone);

  it('issues a certificate proven by a DNS record in the zone, and serves the domain with it', () => {
    expect(onlyResource(plan, 'aws:acm/certificate:Certificate').inputs).to.include({
      domainName: 'coaching.dev.example.com',
      validationMethod: 'DNS',
    });
    const records = resourcesOfType(plan, 'aws:route53/record:Record');
    const validation = records.find((r) => r.inputs.type === 'CNAME')!;
    expect(validation.inputs.zoneId).to.equal('Z0EXAMPLE');
    const issued = onlyResource(plan, 'aws:acm/certificateValidation:CertificateValidation');
    expect(issued.inputs.validationRecordFqdns).to.deep.equal([
      String(validation.inputs.name).replace(/\.$/, ''),
    ]);
    const domain = onlyResource(plan, 'aws:apigatewayv2/domainName:DomainName');
    expect(domain.inputs.domainNameConfiguration).to.include({
      certificateArn: issued.inputs.certificateArn,
      endpointType: 'REGIONAL',
      securityPolicy: 'TLS_1_2',
    });
  });

  it('points an alias record in the zone at the domain, and maps the API under coaching', () => {
    const alias = resourcesOfType(plan, 'aws:route53/record:Record').find(
      (r) => r.inputs.type === 'A',
    )!;
    expect(alias.inputs).to.include({ zoneId: 'Z0EXAMPLE', name: 'coaching.dev.example.com' });
    expect(alias.inputs.aliases).to.deep.equal([
      {
        name: plan.outputs.customDomainTarget,
        zoneId: 'Z1UJRXOUMOOFQ8',
        evaluateTargetHealth: false,
      },
    ]);
    expect(
      namedResource(plan, 'aws:apigatewayv2/apiMapping:ApiMapping', 'domain-mapping').inputs,
    ).to.include({
      domainName: 'coaching.dev.example.com',
      apiMappingKey: 'coaching',
    });
    expect(plan.outputs.customDomainUrl).to.equal('https://coaching.dev.example.com/coaching');
    expectStreamingMapping(plan, 'coaching.dev.example.com', 'dev');
  });
});

describe('a stack rolled back to an image already in ECR', function () {
  this.timeout(120_000);
  const digest = `sha256:${'ab'.repeat(32)}`;
  const plan = usePlan('prod', { 'purposepath-coaching:imageDigest': digest });

  it('builds nothing and runs the pinned digest from the stack’s repository', () => {
    expect(resourcesOfType(plan, 'docker-build:index:Image')).to.deep.equal([]);
    const repository = onlyResource(plan, 'aws:ecr/repository:Repository');
    const uri = `123456789012.dkr.ecr.us-east-1.amazonaws.com/${String(repository.inputs.name)}@${digest}`;
    expect(apiFunction(plan).inputs.imageUri).to.equal(uri);
    expect(plan.outputs.imageUri).to.equal(uri);
  });

  it('keeps the repository and its lifecycle, so the next deploy builds again into the same place', () => {
    expect(resourcesOfType(plan, 'aws:ecr/lifecyclePolicy:LifecyclePolicy')).to.have.length(1);
  });
});

describe('a stack whose streams may last longer', function () {
  this.timeout(120_000);
  const p = 'purposepath-coaching';
  const plan = usePlan('staging', {
    [`${p}:streamingTimeout`]: 400,
    [`${p}:llmStreamTimeoutMs`]: 360_000,
  });

  it('gives the streaming function, both integrations and the budget the new lengths, and leaves the API function alone', () => {
    expect(streamingFunction(plan).inputs.timeout).to.equal(400);
    expect(input(streamingFunction(plan), 'environment.variables.LLM_STREAM_TIMEOUT_MS')).to.equal(
      '360000',
    );
    const integrations = resourcesOfType(plan, 'aws:apigateway/integration:Integration');
    expect(integrations.map((i) => i.inputs.timeoutMilliseconds)).to.deep.equal([400_000, 400_000]);
    // The API function keeps its own default (the jobs' 150 s).
    expect(apiFunction(plan).inputs.timeout).to.equal(150);
  });
});

describe('stack config checks', () => {
  const valid = validSettings;

  it('when the settings are coherent, then there is nothing to report', () => {
    expect(findConfigProblems(valid)).to.deep.equal([]);
  });

  const broken: [string, Partial<StackConfig>, string][] = [
    [
      'the default model is not allowed',
      { llm: { defaultModel: 'x.y', allowedModels: ['anthropic.a'] } },
      'defaultModel',
    ],
    [
      'the timeout does not cover an asynchronous job and its storage calls',
      { function: { ...valid.function, timeoutSeconds: 134 } },
      'timeout must be between 135 (asyncModelTimeout 120 s plus 15 s',
    ],
    [
      'the timeout is past what Lambda allows',
      { function: { ...valid.function, timeoutSeconds: 901 } },
      'and 900 seconds',
    ],
    [
      'a longer job budget is not matched by the timeout',
      { function: { ...valid.function, asyncModelTimeoutSeconds: 300 } },
      'timeout must be between 315',
    ],
    [
      'the job budget is nothing',
      { function: { ...valid.function, asyncModelTimeoutSeconds: 0, timeoutSeconds: 60 } },
      'asyncModelTimeout must be at least 1 second',
    ],
    [
      'subnets come without security groups',
      { function: { ...valid.function, subnetIds: ['subnet-1'] } },
      'lambdaSecurityGroupIds',
    ],
    [
      'a secret is both named and generated',
      { auth: { ...valid.auth, jwtSecretArn: 'arn:aws:secretsmanager:x' } },
      'jwtSecretArn',
    ],
    [
      'a created domain has neither zone nor certificate',
      { customDomain: { name: 'api.example.com', mode: 'create' } },
      'certificateArn',
    ],
    [
      'an existing domain is given a zone to write to',
      { customDomain: { name: 'api.example.com', mode: 'existing', hostedZoneId: 'Z1' } },
      'customDomainMode create',
    ],
    [
      'the certificate is from another region than the regional domain',
      {
        customDomain: {
          name: 'api.example.com',
          mode: 'create',
          certificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/abc',
        },
      },
      'certificateArn must be an ACM certificate in us-east-1',
    ],
    [
      'the domain mode is unknown',
      { customDomain: { name: 'api.example.com', mode: 'own' as 'create', hostedZoneId: 'Z1' } },
      'customDomainMode',
    ],
    ['the mapping key has a slash', { apiMappingKey: 'coaching/v2' }, 'apiMappingKey'],
    [
      'the rollback image is named by tag rather than digest',
      { function: { ...valid.function, imageDigest: 'latest' } },
      'imageDigest',
    ],
    [
      'Redis is named for a function outside any VPC',
      { redis: { endpoint: 'redis.internal:6379', ssl: true } },
      'redisClusterEndpoint needs subnetIds',
    ],
    [
      'a reservation of 0 would stop every invocation',
      { function: { ...valid.function, reservedConcurrency: 0 } },
      'reservedConcurrency must be -1 (none) or at least 1',
    ],
    [
      'a reservation leaves fewer than 100 executions unreserved',
      { function: { ...valid.function, reservedConcurrency: 901 } },
      'at most 900',
    ],
    [
      'more models are allowed than one alarm can watch',
      {
        llm: {
          defaultModel: 'anthropic.m0',
          allowedModels: Array.from({ length: 11 }, (_, i) => `anthropic.m${i}`),
        },
      },
      'allowedModels may list at most 10',
    ],
    [
      'the 5xx alarm would judge a rate over no request',
      { alarms: { ...valid.alarms, api5xxMinRequests: 0 } },
      'api5xxMinRequests',
    ],
    [
      'the job-failures alarm has a negative threshold',
      { alarms: { ...valid.alarms, jobFailuresPer5Minutes: -1 } },
      'jobFailuresPer5Minutes',
    ],
    [
      'the streaming function would stop before its model budget and the commit',
      { streaming: { ...valid.streaming, timeoutSeconds: 125 } },
      'streamingTimeout must be between 130',
    ],
    [
      'the streaming function asks for more than Lambda’s 15 minutes',
      { streaming: { ...valid.streaming, timeoutSeconds: 901 } },
      "900 seconds (Lambda's limit)",
    ],
    [
      'the stream budget is not a whole number of milliseconds',
      { streaming: { ...valid.streaming, llmStreamTimeoutMs: 1.5 } },
      'llmStreamTimeoutMs',
    ],
    [
      'the streaming endpoint would share the API’s mapping key',
      { streaming: { ...valid.streaming, mappingKey: 'coaching' } },
      'streamingMappingKey must differ',
    ],
    [
      'the streaming mapping key has a slash',
      { streaming: { ...valid.streaming, mappingKey: 'coaching/stream' } },
      'streamingMappingKey must be one path segment',
    ],
    ['the log level is unknown', { logLevel: 'VERBOSE' }, 'logLevel'],
    [
      'the architecture is unknown',
      { function: { ...valid.function, architecture: 'sparc' as 'arm64' } },
      'architecture',
    ],
    [
      'the tenant budget is not an amount',
      { budgets: { tenantMonthlyUsd: Number.NaN } },
      'tenantMonthlyBudgetUsd must be empty (no budget) or US dollars from 0 to 1000000000',
    ],
    [
      'the user budget is absurd',
      { budgets: { userDailyUsd: 1e12 } },
      'userDailyBudgetUsd must be empty',
    ],
  ];
  for (const [story, change, key] of broken) {
    it(`when ${story}, then the problem names ${key}`, () => {
      const problems = findConfigProblems({ ...valid, ...change });
      expect(problems).to.have.length(1);
      expect(problems[0]).to.contain(key);
    });
  }
});

describe('Bedrock model grants', () => {
  const sonnet = 'anthropic.claude-sonnet-4-6';
  const haiku = 'anthropic.claude-haiku-4-5-20251001-v1:0';

  it('when a model id is a foundation model, then only that model in the stack’s region is granted', () => {
    expect(modelStatements([haiku], 'eu-west-1', '111122223333')).to.deep.equal([
      {
        Sid: 'AllowedModels',
        Effect: 'Allow',
        Action: ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream'],
        Resource: [`arn:aws:bedrock:eu-west-1::foundation-model/${haiku}`],
      },
    ]);
  });

  it('when a model id is an inference profile, then the profile, and its model in every region only through that profile, are granted', () => {
    const profile = `arn:aws:bedrock:us-east-1:111122223333:inference-profile/us.${sonnet}`;
    const [direct, routed] = modelStatements([`us.${sonnet}`], 'us-east-1', '111122223333');
    expect(direct?.Resource).to.deep.equal([profile]);
    expect(direct?.Condition).to.equal(undefined);
    expect(routed?.Resource).to.deep.equal([`arn:aws:bedrock:*::foundation-model/${sonnet}`]);
    expect(routed?.Condition).to.deep.equal({
      StringEquals: { 'bedrock:InferenceProfileArn': [profile] },
    });
  });

  it('when a profile is global, then the region-less model ARN a global call reaches is granted too', () => {
    expect(bedrockModelGrant(`global.${sonnet}`, 'us-east-1', '1').routedTo).to.deep.equal([
      `arn:aws:bedrock:*::foundation-model/${sonnet}`,
      `arn:aws:bedrock:::foundation-model/${sonnet}`,
    ]);
  });

  it('when profiles and a plain model are allowed together, then only the profiles open their models', () => {
    const [direct, routed] = modelStatements([`us.${sonnet}`, haiku], 'us-east-1', '1');
    expect(direct?.Resource).to.have.length(2);
    expect(routed?.Resource).to.deep.equal([`arn:aws:bedrock:*::foundation-model/${sonnet}`]);
  });
});

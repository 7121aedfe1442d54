// The three stacks, each built from Pulumi.yaml's defaults and its own stack file under Pulumi
// mocks, checked against the platform's promises: shared table definitions, private prompts,
// the function's image and environment, the routes, the domain, protections (alarms:
// alarms.test.ts).
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { expect } from 'chai';
import { FINISH_MARGIN_MS } from '../../app/src/jobs/job-timing';
import { estimateCostUsd } from '../../app/src/llm/pricing';
import { tableList, tableName, tables } from '../../app/src/storage/tables';
import { actionsWithoutResourceLevel, usageCountersTableActions } from '../../infra/policy';
import { projectRoot, type PlannedResource, type StackPlan } from '../../scripts/plan';
import {
  apiFunction,
  input,
  namedResource,
  onlyResource,
  resourcesOfType,
  stackPlan,
  streamingFunction,
} from '../support/stack-plans';

interface StackExpectations {
  readonly protect: boolean;
  readonly logLevel: string;
  readonly logRetentionDays: number;
  readonly throttling: { rate: number; burst: number };
  readonly memorySize: number;
  readonly customDomain?: string;
  readonly generatesSecret: boolean;
}

const stacks: Record<string, StackExpectations> = {
  dev: {
    protect: false,
    logLevel: 'DEBUG',
    logRetentionDays: 7,
    throttling: { rate: 20, burst: 40 },
    memorySize: 1024,
    generatesSecret: true,
  },
  staging: {
    protect: false,
    logLevel: 'INFO',
    logRetentionDays: 30,
    throttling: { rate: 50, burst: 100 },
    memorySize: 1024,
    generatesSecret: false,
  },
  prod: {
    protect: true,
    logLevel: 'WARNING',
    logRetentionDays: 90,
    throttling: { rate: 200, burst: 400 },
    memorySize: 2048,
    customDomain: 'api.purposepath.ai',
    generatesSecret: false,
  },
};

/** Pulumi.yaml's nameSuffix, which no stack file changes: the original SAM stack's is -v2. */
const suffix = '-v3';

/** Written out here, not imported, so a route dropped from the program fails this list. */
const expectedRoutes = [
  '$default',
  'ANY /api/v1/suggestions/{proxy+}',
  'DELETE /api/v1/conversations/{id}',
  'GET /',
  'GET /api/v1/analysis/{analysis_id}',
  'GET /api/v1/conversations',
  'GET /api/v1/conversations/{id}',
  'GET /api/v1/health',
  'GET /api/v1/health/live',
  'GET /api/v1/health/ready',
  'GET /api/v1/jobs/{job_id}',
  'GET /docs',
  'GET /openapi.json',
  'GET /redoc',
  'POST /api/v1/analysis/alignment',
  'POST /api/v1/analysis/kpi',
  'POST /api/v1/analysis/operations',
  'POST /api/v1/analysis/strategy',
  'POST /api/v1/conversations/initiate',
  'POST /api/v1/conversations/{id}/complete',
  'POST /api/v1/conversations/{id}/message',
  'POST /api/v1/conversations/{id}/pause',
  'POST /api/v1/conversations/{id}/resume',
];

/** The environment the app reads in AWS, besides the optional Redis and audience settings. */
const expectedEnvironment = [
  'ALLOWED_LLM_MODELS',
  'ANALYSES_TABLE',
  'API_MAPPING_KEY',
  'API_PREFIX',
  'APPLICATION_NAME',
  'COACHING_SESSIONS_TABLE',
  'CONVERSATIONS_TABLE',
  'CORS_ORIGINS',
  'DEFAULT_LLM_MODEL',
  'DEFAULT_LLM_PROVIDER',
  'JOBS_FUNCTION_NAME',
  'JOBS_TABLE',
  'JWT_ISSUER',
  'JWT_SECRET_ARN',
  'LLM_ASYNC_TIMEOUT_MS',
  'LLM_STREAM_TIMEOUT_MS',
  'LOG_LEVEL',
  'MESSAGES_TABLE',
  'METRICS_ENABLED',
  'PROMPTS_S3_BUCKET',
  'RATE_LIMIT_STORE',
  'RATE_LIMIT_TABLE',
  'STAGE',
  'STREAMING_URL',
  'USAGE_COUNTERS_TABLE',
];

function promptFiles(dir = path.join(projectRoot, 'prompts'), prefix = ''): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => !entry.name.startsWith('.'))
    .flatMap((entry) =>
      entry.isDirectory()
        ? promptFiles(path.join(dir, entry.name), `${prefix}${entry.name}/`)
        : [`${prefix}${entry.name}`],
    )
    .sort();
}

/** Every IAM policy document in the plan: role policies, trust policies, bucket policies. */
function policyDocuments(plan: StackPlan): { resource: string; statements: Statement[] }[] {
  const documents: { resource: string; statements: Statement[] }[] = [];
  for (const resource of plan.resources) {
    for (const key of ['policy', 'assumeRolePolicy']) {
      const document = resource.inputs[key] as { Statement?: Statement[] } | undefined;
      if (document?.Statement)
        documents.push({ resource: resource.name, statements: document.Statement });
    }
  }
  return documents;
}

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource?: string | string[];
  Principal?: unknown;
  Condition?: unknown;
}

/** The REST API's `{proxy+}` resource id: the methods sit on it and on the root. */
function streamingRootOrProxy(plan: StackPlan): unknown {
  const proxyIntegration = resourcesOfType(plan, 'aws:apigateway/integration:Integration').find(
    (integration) => integration.name.endsWith('-proxy'),
  );
  return proxyIntegration?.inputs.resourceId;
}

const asList = (value: string | string[] | undefined): string[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

for (const [stage, expected] of Object.entries(stacks)) {
  describe(`the ${stage} stack`, function () {
    this.timeout(120_000);
    let plan: StackPlan;
    let fn: PlannedResource;
    let env: Record<string, string>;

    before(async () => {
      plan = await stackPlan(stage);
      fn = apiFunction(plan);
      env = input(fn, 'environment.variables') as Record<string, string>;
    });

    describe('tables', () => {
      it('has one table per shared definition, with its keys and indexes exactly', () => {
        const deployed = resourcesOfType(plan, 'aws:dynamodb/table:Table');
        expect(deployed.map((t) => t.inputs.name).sort()).to.deep.equal(
          tableList.map((def) => tableName(def, stage, suffix)).sort(),
        );
        for (const def of tableList) {
          const table = deployed.find((t) => t.inputs.name === tableName(def, stage, suffix))!;
          expect(table.inputs.hashKey, def.id).to.equal(def.hashKey.name);
          expect(table.inputs.rangeKey, def.id).to.equal(def.rangeKey?.name);
          const indexes = (table.inputs.globalSecondaryIndexes as Record<string, unknown>[]).map(
            (gsi) => ({
              name: gsi.name,
              keys: gsi.keySchemas,
              projection: gsi.projectionType,
              attributes: gsi.nonKeyAttributes,
            }),
          );
          expect(indexes, def.id).to.deep.equal(
            def.indexes.map((index) => ({
              name: index.name,
              keys: [
                { attributeName: index.hashKey.name, keyType: 'HASH' },
                ...(index.rangeKey
                  ? [{ attributeName: index.rangeKey.name, keyType: 'RANGE' }]
                  : []),
              ],
              projection: index.projection.type,
              attributes:
                index.projection.type === 'INCLUDE' ? [...index.projection.attributes] : undefined,
            })),
          );
          const declared = new Map(
            (table.inputs.attributes as { name: string; type: string }[]).map((a) => [
              a.name,
              a.type,
            ]),
          );
          for (const key of [
            def.hashKey,
            def.rangeKey,
            ...def.indexes.flatMap((i) => [i.hashKey, i.rangeKey]),
          ]) {
            if (key) expect(declared.get(key.name), `${def.id}.${key.name}`).to.equal(key.type);
          }
          expect(table.inputs.ttl, def.id).to.deep.equal(
            def.ttlAttribute ? { attributeName: def.ttlAttribute, enabled: true } : undefined,
          );
        }
      });

      it('bills on demand, encrypts, keeps point-in-time recovery', () => {
        for (const table of resourcesOfType(plan, 'aws:dynamodb/table:Table')) {
          expect(table.inputs.billingMode).to.equal('PAY_PER_REQUEST');
          expect(table.inputs.serverSideEncryption).to.deep.equal({ enabled: true });
          expect(table.inputs.pointInTimeRecovery).to.deep.equal({ enabled: true });
        }
      });

      it(`${expected.protect ? 'is' : 'is not'} protected from deletion`, () => {
        for (const table of resourcesOfType(plan, 'aws:dynamodb/table:Table')) {
          expect(table.inputs.deletionProtectionEnabled, table.name).to.equal(expected.protect);
          expect(table.protect, table.name).to.equal(expected.protect);
        }
      });
    });

    describe('prompt bucket', () => {
      it('is private, versioned, encrypted, TLS-only, and expires replaced versions', () => {
        const bucket = onlyResource(plan, 'aws:s3/bucket:Bucket');
        expect(bucket.inputs.bucket).to.equal(`purposepath-coaching-prompts-${stage}${suffix}`);
        expect(bucket.inputs.forceDestroy).to.equal(!expected.protect);
        expect(bucket.protect).to.equal(expected.protect);
        expect(
          onlyResource(plan, 'aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock').inputs,
        ).to.include({
          blockPublicAcls: true,
          blockPublicPolicy: true,
          ignorePublicAcls: true,
          restrictPublicBuckets: true,
        });
        expect(
          input(
            onlyResource(plan, 'aws:s3/bucketVersioning:BucketVersioning'),
            'versioningConfiguration.status',
          ),
        ).to.equal('Enabled');
        const encryption = onlyResource(
          plan,
          'aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration',
        );
        expect(encryption.inputs.rules).to.have.length(1);
        const [rule] = onlyResource(
          plan,
          'aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration',
        ).inputs.rules as Record<string, unknown>[];
        expect(rule?.status).to.equal('Enabled');
        expect(rule?.noncurrentVersionExpiration)
          .to.have.property('noncurrentDays')
          .that.is.above(0);
        const [deny] = input(
          onlyResource(plan, 'aws:s3/bucketPolicy:BucketPolicy'),
          'policy.Statement',
        ) as Record<string, unknown>[];
        expect(deny).to.deep.include({
          Effect: 'Deny',
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        });
      });

      it('holds every file of prompts/ under its relative key, hashed by content', () => {
        const objects = resourcesOfType(plan, 'aws:s3/bucketObjectv2:BucketObjectv2');
        const files = promptFiles();
        expect(files).to.have.length.above(0);
        expect(objects.map((o) => o.inputs.key).sort()).to.deep.equal(files);
        for (const object of objects) {
          const file = `prompts/${String(object.inputs.key)}`;
          expect(object.inputs.source).to.deep.equal({ fileAsset: file });
          expect(object.inputs.sourceHash).to.equal(
            createHash('sha256')
              .update(readFileSync(path.join(projectRoot, file)))
              .digest('hex'),
          );
          expect(object.inputs.bucket).to.equal(`purposepath-coaching-prompts-${stage}${suffix}`);
        }
      });
    });

    describe('function', () => {
      it('runs the image built for its architecture from app/Dockerfile and pushed to its repository', () => {
        const image = onlyResource(plan, 'docker-build:index:Image');
        expect(image.inputs).to.deep.include({
          context: { location: '.' },
          dockerfile: { location: 'app/Dockerfile' },
          platforms: ['linux/amd64'],
          push: true,
          buildArgs: { FUNCTION_MEMORY_MB: String(expected.memorySize) },
        });
        expect(fn.inputs).to.include({ packageType: 'Image', imageUri: plan.outputs.imageUri });
        expect(fn.inputs.architectures).to.deep.equal(['x86_64']);
        const repository = onlyResource(plan, 'aws:ecr/repository:Repository');
        const repositoryUrl = `123456789012.dkr.ecr.us-east-1.amazonaws.com/${String(repository.inputs.name)}`;
        expect(image.inputs.tags).to.deep.equal([`${repositoryUrl}:latest`]);
        expect(String(fn.inputs.imageUri)).to.match(
          new RegExp(`^${repositoryUrl}@sha256:[0-9a-f]{64}$`),
        );
        expect(input(repository, 'imageScanningConfiguration.scanOnPush')).to.equal(true);
        const [rule] = input(
          onlyResource(plan, 'aws:ecr/lifecyclePolicy:LifecyclePolicy'),
          'policy.rules',
        ) as {
          selection: { countType: string; countNumber: number };
        }[];
        expect(rule?.selection.countType).to.equal('imageCountMoreThan');
        expect(rule?.selection.countNumber).to.be.at.least(10);
      });

      it('keeps every pushed image when the image leaves the program or is replaced: only the lifecycle expires images', () => {
        // docker-build deletes an Image's pushed tags on delete; a pinned imageDigest removes it.
        expect(onlyResource(plan, 'docker-build:index:Image').retainOnDelete).to.equal(true);
        expect(onlyResource(plan, 'aws:ecr/repository:Repository').inputs.forceDelete).to.equal(
          !expected.protect,
        );
      });

      it('traces with X-Ray and logs JSON to its own log group', () => {
        expect(input(fn, 'tracingConfig.mode')).to.equal('Active');
        expect(input(fn, 'loggingConfig.logFormat')).to.equal('JSON');
        // DEBUG passes through; above INFO the filter would drop the level-less metric lines.
        expect(input(fn, 'loggingConfig.applicationLogLevel')).to.equal(
          expected.logLevel === 'DEBUG' ? 'DEBUG' : 'INFO',
        );
        const logGroup = resourcesOfType(plan, 'aws:cloudwatch/logGroup:LogGroup').find(
          (group) => group.inputs.name === input(fn, 'loggingConfig.logGroup'),
        );
        expect(logGroup?.inputs.retentionInDays).to.equal(expected.logRetentionDays);
        expect(fn.inputs.memorySize).to.equal(expected.memorySize);
      });

      it('runs 150 s, long enough for a job’s 120 s model budget and its storage calls', () => {
        expect(fn.inputs.timeout).to.equal(150);
        expect(Number(env.LLM_ASYNC_TIMEOUT_MS)).to.equal(120_000);
        expect(Number(fn.inputs.timeout) * 1000).to.be.at.least(
          Number(env.LLM_ASYNC_TIMEOUT_MS) + FINISH_MARGIN_MS,
        );
      });

      it('gets the environment the app reads, naming this stack’s tables, bucket and secret', () => {
        expect(Object.keys(env).sort()).to.deep.equal(expectedEnvironment);
        for (const def of tableList)
          expect(env[def.envVar], def.envVar).to.equal(tableName(def, stage, suffix));
        expect(env.PROMPTS_S3_BUCKET).to.equal(
          onlyResource(plan, 'aws:s3/bucket:Bucket').inputs.bucket,
        );
        expect(env.JWT_SECRET_ARN).to.equal(plan.outputs.jwtSecretArn);
        expect(env.JWT_SECRET_ARN).to.contain(`:secret:purposepath/jwt-secret/${stage}`);
        expect(env).to.include({
          STAGE: stage,
          LOG_LEVEL: expected.logLevel,
          APPLICATION_NAME: 'PurposePath',
          API_PREFIX: '/api/v1',
          JWT_ISSUER: 'purposepath',
          DEFAULT_LLM_PROVIDER: 'bedrock',
          RATE_LIMIT_STORE: 'dynamodb',
          API_MAPPING_KEY: 'coaching',
          METRICS_ENABLED: 'true',
        });
        expect(env.ALLOWED_LLM_MODELS?.split(',')).to.include(env.DEFAULT_LLM_MODEL);
        expect(env).to.not.have.property('AWS_REGION');
      });
    });

    describe('HTTP API', () => {
      it('routes the Phase 7, docs and legacy paths and $default to one Lambda proxy integration', () => {
        const integration = onlyResource(plan, 'aws:apigatewayv2/integration:Integration');
        expect(integration.inputs).to.include({
          integrationType: 'AWS_PROXY',
          payloadFormatVersion: '2.0',
          // A request waits at most the gateway's 30 s, however long the function may run.
          timeoutMilliseconds: 30_000,
        });
        expect(integration.inputs.integrationUri).to.contain(`function:${String(fn.inputs.name)}/`);
        const routes = resourcesOfType(plan, 'aws:apigatewayv2/route:Route');
        expect(routes.map((r) => r.inputs.routeKey).sort()).to.deep.equal(
          [...expectedRoutes].sort(),
        );
        const targets = new Set(routes.map((r) => r.inputs.target));
        expect([...targets]).to.have.length(1);
        expect(String([...targets][0])).to.match(/^integrations\/\w+$/);
      });

      it('leaves CORS to the service, throttles the stage and writes JSON access logs', () => {
        const api = onlyResource(plan, 'aws:apigatewayv2/api:Api');
        expect(api.inputs.protocolType).to.equal('HTTP');
        expect(api.inputs).to.not.have.property('corsConfiguration');
        const stageResource = onlyResource(plan, 'aws:apigatewayv2/stage:Stage');
        expect(stageResource.inputs.defaultRouteSettings).to.deep.include({
          throttlingRateLimit: expected.throttling.rate,
          throttlingBurstLimit: expected.throttling.burst,
        });
        expect(input(stageResource, 'accessLogSettings.format'))
          .to.be.an('object')
          .with.property('status');
      });

      it('lets only this API invoke the function', () => {
        const permission = namedResource(plan, 'aws:lambda/permission:Permission', 'http-invoke');
        expect(permission.inputs).to.include({
          principal: 'apigateway.amazonaws.com',
          action: 'lambda:InvokeFunction',
          function: fn.inputs.name,
        });
        expect(permission.inputs.sourceArn).to.match(/^arn:aws:execute-api:[\w-]+:\d+:\w+\/\*$/);
        expect(String(plan.outputs.apiEndpoint)).to.match(/^https:\/\/\w+\.execute-api\./);
      });

      if (expected.customDomain) {
        it(`maps ${expected.customDomain}/coaching onto the shared domain, owning nothing else of it`, () => {
          const mapping = namedResource(
            plan,
            'aws:apigatewayv2/apiMapping:ApiMapping',
            'domain-mapping',
          );
          expect(mapping.inputs).to.include({
            domainName: expected.customDomain,
            apiMappingKey: 'coaching',
            stage: '$default',
          });
          expect(String(plan.outputs.apiEndpoint)).to.contain(`//${String(mapping.inputs.apiId)}.`);
          for (const type of [
            'aws:apigatewayv2/domainName:DomainName',
            'aws:acm/certificate:Certificate',
            'aws:acm/certificateValidation:CertificateValidation',
            'aws:route53/record:Record',
          ]) {
            expect(resourcesOfType(plan, type), type).to.deep.equal([]);
          }
          expect(plan.outputs.customDomainUrl).to.equal(
            `https://${expected.customDomain}/coaching`,
          );
          expect(String(plan.outputs.customDomainTarget)).to.match(
            /^d-\w+\.execute-api\.us-east-1\.amazonaws\.com$/,
          );
        });
      } else {
        it('has no custom domain', () => {
          for (const type of [
            'aws:apigatewayv2/domainName:DomainName',
            'aws:apigatewayv2/apiMapping:ApiMapping',
            'aws:acm/certificate:Certificate',
            'aws:route53/record:Record',
          ]) {
            expect(resourcesOfType(plan, type), type).to.deep.equal([]);
          }
          expect(plan.outputs).to.not.have.property('customDomainUrl');
        });
      }
    });

    describe('jobs', () => {
      it('keeps a job’s event as long as a worker may start it (60 s), asks for no retry that could not start it, and records what Lambda gives up on', () => {
        const config = onlyResource(
          plan,
          'aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig',
        );
        const queue = onlyResource(plan, 'aws:sqs/queue:Queue');
        expect(config.inputs).to.deep.include({
          functionName: fn.inputs.name,
          maximumEventAgeInSeconds: 60,
          maximumRetryAttempts: 0,
          destinationConfig: {
            onFailure: {
              destination: `arn:aws:sqs:us-east-1:123456789012:${String(queue.inputs.name)}`,
            },
          },
        });
        expect(config.inputs).to.not.have.property('qualifier');
        expect(queue.inputs).to.include({
          name: `purposepath-coaching-failed-jobs-${stage}${suffix}`,
          sqsManagedSseEnabled: true,
          messageRetentionSeconds: 14 * 24 * 3600,
        });
        expect(queue.inputs).to.not.have.property('fifoQueue');
        expect(String(plan.outputs.failedJobQueueUrl)).to.contain(String(queue.inputs.name));
      });
    });

    describe('streaming endpoint', () => {
      let streamingFn: PlannedResource;
      let restApiId: string;
      const streamingUrl = () =>
        expected.customDomain
          ? `https://${expected.customDomain}/coaching-stream`
          : String(plan.outputs.streamingEndpoint);

      before(() => {
        streamingFn = streamingFunction(plan);
        restApiId = /^https:\/\/(\w+)\.execute-api\./.exec(
          String(plan.outputs.streamingEndpoint),
        )![1]!;
      });

      it('runs the same image at the bundle’s streaming entry, with the API function’s role and its own log group', () => {
        expect(streamingFn.inputs).to.include({
          packageType: 'Image',
          imageUri: fn.inputs.imageUri,
          role: fn.inputs.role,
          memorySize: fn.inputs.memorySize,
          timeout: 150,
        });
        expect(input(streamingFn, 'imageConfig.commands')).to.deep.equal([
          'lambda.streamingHandler',
        ]);
        expect(input(fn, 'imageConfig')).to.equal(undefined);
        expect(input(streamingFn, 'tracingConfig.mode')).to.equal('Active');
        expect(input(streamingFn, 'loggingConfig.logFormat')).to.equal('JSON');
        const logGroupName = input(streamingFn, 'loggingConfig.logGroup');
        expect(logGroupName).to.equal(`/aws/lambda/${String(streamingFn.inputs.name)}`);
        const logGroup = resourcesOfType(plan, 'aws:cloudwatch/logGroup:LogGroup').find(
          (group) => group.inputs.name === logGroupName,
        );
        expect(logGroup?.inputs.retentionInDays).to.equal(expected.logRetentionDays);
        // The shared role may write to this log group too, and to nothing else new.
        const [logs] = input(
          namedResource(plan, 'aws:iam/rolePolicy:RolePolicy', 'streaming-log-permissions'),
          'policy.Statement',
        ) as Statement[];
        expect(asList(logs?.Action)).to.deep.equal(['logs:CreateLogStream', 'logs:PutLogEvents']);
        expect(asList(logs?.Resource)).to.deep.equal([
          `arn:aws:logs:us-east-1:123456789012:log-group:${String(logGroupName)}`,
          `arn:aws:logs:us-east-1:123456789012:log-group:${String(logGroupName)}:*`,
        ]);
      });

      it('gets the API function’s environment, with its own mapping key, and both name the streaming URL', () => {
        const streamingEnv = input(streamingFn, 'environment.variables') as Record<string, string>;
        expect(streamingEnv).to.deep.equal({ ...env, API_MAPPING_KEY: 'coaching-stream' });
        expect(env.STREAMING_URL).to.equal(streamingUrl());
        expect(env.LLM_STREAM_TIMEOUT_MS).to.equal('120000');
        expect(String(plan.outputs.streamingEndpoint)).to.equal(
          `https://${restApiId}.execute-api.us-east-1.amazonaws.com/${stage}`,
        );
      });

      it('is a regional REST API sending every path and method, without gateway auth, to the function in STREAM mode', () => {
        expect(onlyResource(plan, 'aws:apigateway/restApi:RestApi').inputs).to.deep.include({
          name: `purposepath-coaching-stream-${stage}${suffix}`,
          endpointConfiguration: { types: 'REGIONAL' },
        });
        const proxy = onlyResource(plan, 'aws:apigateway/resource:Resource');
        expect(proxy.inputs.pathPart).to.equal('{proxy+}');
        const methods = resourcesOfType(plan, 'aws:apigateway/method:Method');
        expect(methods.map((m) => m.inputs.resourceId).sort()).to.deep.equal(
          [proxy.inputs.parentId, streamingRootOrProxy(plan)].sort(),
        );
        for (const method of methods) {
          expect(method.inputs).to.include({ httpMethod: 'ANY', authorization: 'NONE' });
        }
        const integrations = resourcesOfType(plan, 'aws:apigateway/integration:Integration');
        expect(integrations).to.have.length(2);
        const fnArn = `arn:aws:lambda:us-east-1:123456789012:function:${String(streamingFn.inputs.name)}`;
        for (const integration of integrations) {
          expect(integration.inputs).to.include({
            type: 'AWS_PROXY',
            integrationHttpMethod: 'POST',
            responseTransferMode: 'STREAM',
            timeoutMilliseconds: 150_000,
            uri: `arn:aws:apigateway:us-east-1:lambda:path/2021-11-15/functions/${fnArn}/response-streaming-invocations`,
          });
        }
      });

      it('lets only this API’s stage invoke the streaming function', () => {
        const permission = namedResource(
          plan,
          'aws:lambda/permission:Permission',
          'streaming-invoke',
        );
        expect(permission.inputs).to.include({
          principal: 'apigateway.amazonaws.com',
          action: 'lambda:InvokeFunction',
          function: streamingFn.inputs.name,
          sourceArn: `arn:aws:execute-api:us-east-1:123456789012:${restApiId}/${stage}/*`,
        });
      });

      it('deploys a stage named after the stack’s, throttled like the HTTP API, with JSON access logs', () => {
        const deployment = onlyResource(plan, 'aws:apigateway/deployment:Deployment');
        const stageResource = onlyResource(plan, 'aws:apigateway/stage:Stage');
        expect(stageResource.inputs).to.include({ stageName: stage, restApi: restApiId });
        expect(input(deployment, 'triggers.wiring')).to.be.an('object');
        const settings = onlyResource(plan, 'aws:apigateway/methodSettings:MethodSettings');
        expect(settings.inputs).to.deep.include({
          methodPath: '*/*',
          stageName: stage,
          settings: {
            throttlingRateLimit: expected.throttling.rate,
            throttlingBurstLimit: expected.throttling.burst,
          },
        });
        const format = input(stageResource, 'accessLogSettings.format');
        expect(format).to.be.an('object').with.property('status', '$context.status');
        const logGroup = resourcesOfType(plan, 'aws:cloudwatch/logGroup:LogGroup').find(
          (group) =>
            `arn:aws:logs:us-east-1:123456789012:log-group:${String(group.inputs.name)}` ===
            input(stageResource, 'accessLogSettings.destinationArn'),
        );
        expect(logGroup?.inputs.retentionInDays).to.equal(expected.logRetentionDays);
      });

      if (stage === 'dev') {
        it('sets the region’s API Gateway logging role, keeps it when the stack goes, and names it afresh each time, so the stack can be created again', () => {
          const account = onlyResource(plan, 'aws:apigateway/account:Account');
          const role = namedResource(plan, 'aws:iam/role:Role', 'streaming-logs-role');
          expect(role.inputs).to.not.have.property('name');
          expect(role.inputs.namePrefix).to.equal('purposepath-apigateway-logs-');
          expect(String(account.inputs.cloudwatchRoleArn)).to.match(
            /^arn:aws:iam::123456789012:role\/purposepath-apigateway-logs-\w+$/,
          );
          expect(
            onlyResource(plan, 'aws:iam/rolePolicyAttachment:RolePolicyAttachment').inputs
              .policyArn,
          ).to.equal('arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs');
          for (const kept of [account, role]) expect(kept.retainOnDelete, kept.name).to.equal(true);
        });
      } else {
        it('leaves the region’s API Gateway logging role as it is', () => {
          expect(resourcesOfType(plan, 'aws:apigateway/account:Account')).to.deep.equal([]);
        });
      }

      if (expected.customDomain) {
        it(`maps ${expected.customDomain}/coaching-stream onto the same shared domain`, () => {
          const mapping = namedResource(
            plan,
            'aws:apigatewayv2/apiMapping:ApiMapping',
            'domain-streaming-mapping',
          );
          expect(mapping.inputs).to.include({
            domainName: expected.customDomain,
            apiMappingKey: 'coaching-stream',
            apiId: restApiId,
            stage,
          });
          expect(plan.outputs.streamingCustomDomainUrl).to.equal(streamingUrl());
        });
      } else {
        it('is reached at its execute-api URL only', () => {
          expect(plan.outputs).to.not.have.property('streamingCustomDomainUrl');
        });
      }
    });

    describe('JWT secret', () => {
      if (expected.generatesSecret) {
        it('generates purposepath/jwt-secret/<stage><suffix>, not the original’s name, deletable at once, its value masked', () => {
          const secret = onlyResource(plan, 'aws:secretsmanager/secret:Secret');
          expect(secret.inputs).to.include({
            name: `purposepath/jwt-secret/${stage}${suffix}`,
            recoveryWindowInDays: 0,
          });
          expect(
            onlyResource(plan, 'aws:secretsmanager/secretVersion:SecretVersion').inputs
              .secretString,
          ).to.equal('[secret]');
        });
      } else {
        it('uses the existing secret the token issuer shares, and creates none', () => {
          expect(resourcesOfType(plan, 'aws:secretsmanager/secret:Secret')).to.deep.equal([]);
          expect(resourcesOfType(plan, 'random:index/randomPassword:RandomPassword')).to.deep.equal(
            [],
          );
        });
      }
    });

    describe('IAM', () => {
      it('grants no wildcard action, and `*` resources only where AWS has no resource-level form', () => {
        const documents = policyDocuments(plan);
        expect(documents.map((d) => d.resource)).to.include.members([
          'service-permissions',
          'service-role',
          'prompts-tls-only',
        ]);
        for (const { resource, statements } of documents) {
          for (const statement of statements) {
            const actions = asList(statement.Action);
            expect(actions, resource).to.not.include('*');
            if (statement.Effect !== 'Allow') continue;
            for (const action of actions) expect(action, resource).to.not.contain('*');
            if (statement.Principal) continue;
            const resources = asList(statement.Resource);
            expect(resources, resource).to.have.length.above(0);
            if (resources.includes('*')) {
              expect(
                actionsWithoutResourceLevel,
                `${resource}: ${actions.join(', ')}`,
              ).to.include.members(actions);
            }
          }
        }
      });

      it('scopes data, secret and model access to this stack’s resources and allowed, priced models', () => {
        const statements = input(
          namedResource(plan, 'aws:iam/rolePolicy:RolePolicy', 'service-permissions'),
          'policy.Statement',
        ) as Statement[];
        const resourcesFor = (prefix: string) =>
          statements
            .filter((s) => asList(s.Action).some((a) => a.startsWith(prefix)))
            .flatMap((s) => asList(s.Resource));
        const tableArns = tableList
          .filter((def) => def.id !== 'jobs' && def.id !== 'usageCounters')
          .map((def) => `:table/${tableName(def, stage, suffix)}`);
        const jobsTable = `:table/${tableName(tables.jobs, stage, suffix)}`;
        const countersTable = `:table/${tableName(tables.usageCounters, stage, suffix)}`;
        expect(
          resourcesFor('dynamodb:')
            .map((arn) => arn.replace(/^arn:aws:dynamodb:[\w-]+:\d+/, ''))
            .sort(),
        ).to.deep.equal(
          [
            ...tableArns.flatMap((arn) => [arn, `${arn}/index/*`]),
            jobsTable,
            ...tables.jobs.indexes.map((index) => `${jobsTable}/index/${index.name}`),
            countersTable,
          ].sort(),
        );
        // The usage counters: exactly what their storage calls, on the table (it has no index).
        const counterGrants = statements.filter((s) =>
          asList(s.Resource).some((arn) => arn.includes(countersTable)),
        );
        expect(
          counterGrants.map((s) => ({
            actions: [...asList(s.Action)].sort(),
            resources: asList(s.Resource).map((arn) => arn.slice(arn.indexOf(':table/'))),
          })),
        ).to.deep.equal([
          { actions: [...usageCountersTableActions].sort(), resources: [countersTable] },
        ]);
        // The jobs table: items by id, and a conversation's jobs by its one index; no Scan.
        const jobGrants = statements.filter((s) =>
          asList(s.Resource).some((arn) => arn.includes(jobsTable)),
        );
        expect(
          jobGrants.map((s) => ({
            actions: [...asList(s.Action)].sort(),
            resources: asList(s.Resource).map((arn) => arn.slice(arn.indexOf(':table/'))),
          })),
        ).to.deep.equal([
          {
            actions: [
              'dynamodb:BatchWriteItem',
              'dynamodb:GetItem',
              'dynamodb:PutItem',
              'dynamodb:UpdateItem',
            ],
            resources: [jobsTable],
          },
          {
            actions: ['dynamodb:Query'],
            resources: tables.jobs.indexes.map((index) => `${jobsTable}/index/${index.name}`),
          },
        ]);
        expect(resourcesFor('secretsmanager:')).to.deep.equal([env.JWT_SECRET_ARN]);
        expect(resourcesFor('s3:')).to.have.members([
          `arn:aws:s3:::${env.PROMPTS_S3_BUCKET}`,
          `arn:aws:s3:::${env.PROMPTS_S3_BUCKET}/*`,
        ]);
        const modelArns = resourcesFor('bedrock:');
        for (const model of env.ALLOWED_LLM_MODELS!.split(',')) {
          expect(
            modelArns.some((arn) => arn.endsWith(`/${model}`)),
            model,
          ).to.equal(true);
        }
        // Nothing else: each ARN names an allowed id, or the model an allowed profile routes to.
        const allowed = env.ALLOWED_LLM_MODELS!.split(',');
        const granted = modelArns.map((arn) => arn.slice(arn.lastIndexOf('/') + 1));
        for (const model of granted) {
          expect(
            allowed.some((m) => m === model || m.endsWith(`.${model}`)),
            model,
          ).to.equal(true);
        }
        // A profile's models in other regions are reachable through the allowed profiles only.
        const anyRegion = statements.filter((s) =>
          asList(s.Resource).some((arn) => arn.startsWith('arn:aws:bedrock:*::')),
        );
        expect(anyRegion).to.have.length(1);
        expect(anyRegion[0]?.Condition).to.deep.equal({
          StringEquals: {
            'bedrock:InferenceProfileArn': modelArns.filter((arn) =>
              arn.includes(':inference-profile/'),
            ),
          },
        });
        for (const model of allowed) {
          expect(estimateCostUsd(model, { inputTokens: 1e6, outputTokens: 0 }), model).to.be.above(
            0,
          );
        }
      });

      it('lets the function invoke itself only, and send only to its failed-job queue', () => {
        const statements = input(
          namedResource(plan, 'aws:iam/rolePolicy:RolePolicy', 'service-permissions'),
          'policy.Statement',
        ) as Statement[];
        const grantsOf = (prefix: string) =>
          statements.filter((s) => asList(s.Action).some((a) => a.startsWith(prefix)));
        const invoke = grantsOf('lambda:');
        expect(invoke.map((s) => asList(s.Action))).to.deep.equal([['lambda:InvokeFunction']]);
        expect(invoke.flatMap((s) => asList(s.Resource))).to.deep.equal([
          `arn:aws:lambda:us-east-1:123456789012:function:${String(fn.inputs.name)}`,
        ]);
        // The function jobs are handed to is that same one, by name.
        expect(env.JOBS_FUNCTION_NAME).to.equal(fn.inputs.name);
        const queue = onlyResource(plan, 'aws:sqs/queue:Queue');
        const send = grantsOf('sqs:');
        expect(send.map((s) => asList(s.Action))).to.deep.equal([['sqs:SendMessage']]);
        expect(send.flatMap((s) => asList(s.Resource))).to.deep.equal([
          `arn:aws:sqs:us-east-1:123456789012:${String(queue.inputs.name)}`,
        ]);
      });
    });

    describe('names and lifecycle', () => {
      it('puts the -v3 suffix on every named resource', () => {
        const named = plan.resources.flatMap((r) =>
          ['name', 'bucket', 'dashboardName'].flatMap((key) =>
            typeof r.inputs[key] === 'string' ? [{ r, value: r.inputs[key] as string }] : [],
          ),
        );
        const exempt = (type: string) =>
          type === 'aws:route53/record:Record' ||
          type.startsWith('aws:apigatewayv2/stage') ||
          type.startsWith('aws:apigatewayv2/integration');
        const unsuffixed = named.filter(
          ({ r, value }) => !exempt(r.type) && !value.includes(`${stage}${suffix}`),
        );
        expect(unsuffixed.map(({ r, value }) => `${r.name}: ${value}`)).to.deep.equal([]);
      });

      it(`protects ${expected.protect ? 'the tables and the bucket' : 'nothing'}`, () => {
        const protectedResources = plan.resources
          .filter((r) => r.protect)
          .map((r) => r.type)
          .sort();
        expect(protectedResources).to.deep.equal(
          expected.protect
            ? ['aws:dynamodb/table:Table', 'aws:s3/bucket:Bucket']
                .flatMap((t) => (t.includes('dynamodb') ? tableList.map(() => t) : [t]))
                .sort()
            : [],
        );
      });

      it('tags every AWS resource with the service, stage and stack through the provider', () => {
        const provider = onlyResource(plan, 'pulumi:providers:aws');
        expect(input(provider, 'defaultTags.tags')).to.deep.equal({
          service: 'purposepath-coaching',
          stage,
          stack: stage,
        });
        const untagged = plan.resources
          .filter((r) => r.type.startsWith('aws:') && r.provider !== provider.name)
          .map((r) => r.name);
        expect(untagged).to.deep.equal([]);
      });

      it('holds no absolute path, so the plan is the same in any clone', () => {
        const text = JSON.stringify(plan.resources);
        expect(text).to.not.contain(projectRoot);
        for (const object of resourcesOfType(plan, 'aws:s3/bucketObjectv2:BucketObjectv2')) {
          expect(path.isAbsolute(String(input(object, 'source.fileAsset')))).to.equal(false);
        }
      });
    });
  });
}

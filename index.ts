// The PurposePath Coaching platform: one stack per stage (dev, staging, prod), each holding
// the tables, the prompt bucket, the JWT secret, the API function and its HTTP API, the
// streaming function and its REST API, and their alarms.
// Settings come from Pulumi.yaml and Pulumi.<stack>.yaml; see docs/deployment.md.
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { START_WITHIN_MS } from './app/src/jobs/job-timing';
import { concurrencyAlarmAt, readStackConfig, stackResourceName } from './infra/config';
import { CustomDomain } from './infra/custom-domain';
import { DataTables } from './infra/data';
import { appEnvironment, streamingEnvironment } from './infra/environment';
import { HttpApi } from './infra/http-api';
import { FailedJobQueue, jobInvokeConfig, jobInvokeSettings } from './infra/jobs';
import { Monitoring } from './infra/monitoring';
import { PromptStore } from './infra/prompts';
import { redisPassword } from './infra/redis';
import { JwtSecret } from './infra/secret';
import { CoachingService } from './infra/service';
import { StreamingApi } from './infra/streaming-api';
import { StreamingFunction } from './infra/streaming-function';

/** Builds the current stack; Pulumi runs it and its result becomes the stack outputs. */
async function buildStack() {
  const settings = readStackConfig();
  const { stage, protect } = settings;
  const name = (base: string) => stackResourceName(settings, base);
  // Every AWS resource comes from this provider, so each carries the tags that say whose it is.
  const provider = new aws.Provider('aws', {
    region: settings.region as aws.Region,
    defaultTags: {
      tags: { service: settings.project, stage, stack: pulumi.getStack() },
    },
  });
  const withProvider = { providers: { aws: provider } };
  const region = aws.getRegionOutput({}, { provider }).region;
  const accountId = aws.getCallerIdentityOutput({}, { provider }).accountId;

  const data = new DataTables(
    'data',
    {
      stage,
      nameSuffix: settings.nameSuffix,
      protect,
      originalTables: settings.original.useTables ? settings.original : undefined,
    },
    withProvider,
  );
  const prompts = new PromptStore(
    'prompts',
    {
      bucketName: name('purposepath-coaching-prompts'),
      sourceDir: 'prompts',
      protect,
      noncurrentVersionDays: settings.promptVersionDays,
    },
    withProvider,
  );
  const jwtSecret = new JwtSecret(
    'jwt-secret',
    {
      // A secret this stack generates gets its suffix; the one it looks up is the original's.
      secretName: `purposepath/jwt-secret/${stage}${settings.nameSuffix}`,
      existingName: `purposepath/jwt-secret/${stage}`,
      existingArn: settings.auth.jwtSecretArn,
      generate: settings.auth.createJwtSecret,
      protect,
    },
    withProvider,
  );

  const failedJobs = new FailedJobQueue(
    'failed-jobs',
    { name: name('purposepath-coaching-failed-jobs') },
    withProvider,
  );
  // The streaming endpoint's URL is known from its API's id, before any function exists, so
  // both functions can name it (STREAMING_URL) and its methods can name the function later.
  const streaming = new StreamingApi(
    'streaming',
    { name: name('purposepath-coaching-stream'), stageName: stage, region },
    withProvider,
  );
  const streamingUrl = settings.customDomain
    ? `https://${settings.customDomain.name}/${settings.streaming.mappingKey}`
    : streaming.url;
  const deployed = {
    tables: data.tables,
    promptsBucketName: prompts.bucketName,
    jwtSecretArn: jwtSecret.arn,
    jobsFunctionName: name('purposepath-coaching-api'),
    streamingUrl,
    redisPassword: settings.redis?.passwordSecretArn
      ? redisPassword(settings.redis.passwordSecretArn, { provider })
      : undefined,
  };

  const tables = Object.values(data.tables);
  const service = new CoachingService(
    'service',
    {
      name: name('purposepath-coaching-api'),
      ...settings.function,
      logRetentionDays: settings.logRetentionDays,
      logLevel: settings.logLevel,
      protect,
      imagesKept: 10,
      image: { context: '.', dockerfile: 'app/Dockerfile' },
      environment: appEnvironment(settings, deployed),
      vpc: settings.function.subnetIds.length > 0 ? settings.function : undefined,
      access: {
        region,
        accountId,
        tableArns: tables
          .filter((table) => table !== data.tables.jobs && table !== data.tables.usageCounters)
          .map((table) => table.arn),
        jobsTableArn: data.tables.jobs.arn,
        usageCountersTableArn: data.tables.usageCounters.arn,
        bucketArn: prompts.bucketArn,
        secretArn: jwtSecret.arn,
        failedJobQueueArn: failedJobs.arn,
        allowedModels: settings.llm.allowedModels,
      },
    },
    withProvider,
  );

  // A job's event is worth delivering while a worker may still start the job (the app's
  // start-by time: past it, the worker only marks the job failed).
  const jobInvoke = jobInvokeSettings(START_WITHIN_MS / 1000);
  jobInvokeConfig(
    'service-job-invoke',
    {
      functionName: service.functionName,
      failureDestinationArn: failedJobs.arn,
      ...jobInvoke,
    },
    { provider },
  );
  const streamingFunction = new StreamingFunction(
    'streaming',
    {
      name: name('purposepath-coaching-stream'),
      imageUri: service.imageUri,
      roleArn: service.roleArn,
      roleName: service.roleName,
      rolePermissions: service.permissions,
      architecture: settings.function.architecture,
      memorySize: settings.function.memorySize,
      timeoutSeconds: settings.streaming.timeoutSeconds,
      logRetentionDays: settings.logRetentionDays,
      logLevel: settings.logLevel,
      environment: streamingEnvironment(settings, deployed),
      vpc: settings.function.subnetIds.length > 0 ? settings.function : undefined,
    },
    withProvider,
  );
  const streamingStage = streaming.connect({
    functionName: streamingFunction.functionName,
    functionArn: streamingFunction.functionArn,
    timeoutSeconds: settings.streaming.timeoutSeconds,
    throttling: settings.throttling,
    logRetentionDays: settings.logRetentionDays,
    createLogsRole: settings.streaming.createLogsRole,
  });

  const http = new HttpApi(
    'http',
    {
      name: name('purposepath-coaching-api'),
      functionName: service.functionName,
      invokeArn: service.invokeArn,
      throttling: settings.throttling,
      logRetentionDays: settings.logRetentionDays,
    },
    withProvider,
  );
  const domain = settings.customDomain
    ? new CustomDomain(
        'domain',
        {
          domainName: settings.customDomain.name,
          mode: settings.customDomain.mode,
          mappingKey: settings.apiMappingKey,
          apiId: http.apiId,
          stageName: http.stageName,
          hostedZoneId: settings.customDomain.hostedZoneId,
          hostedZoneName: settings.customDomain.hostedZoneName,
          certificateArn: settings.customDomain.certificateArn,
          streaming: {
            mappingKey: settings.streaming.mappingKey,
            restApiId: streaming.restApiId,
            stageName: streamingStage,
          },
        },
        withProvider,
      )
    : undefined;

  const monitoring = new Monitoring(
    'monitoring',
    {
      name: name('purposepath-coaching'),
      stage,
      region,
      functionName: service.functionName,
      timeoutSeconds: settings.function.timeoutSeconds,
      apiId: http.apiId,
      tables: tables.map((table) => ({ id: table.definition.id, name: table.name })),
      models: settings.llm.allowedModels,
      email: settings.alarms.email,
      lambdaErrorsPer5Minutes: settings.alarms.lambdaErrorsPer5Minutes,
      llmTokensPerHour: settings.alarms.llmTokensPerHour,
      api5xxMinRequests: settings.alarms.api5xxMinRequests,
      concurrencyAlarmAt: concurrencyAlarmAt(settings.function),
      failedJobQueueName: failedJobs.name,
      jobFailuresPer5Minutes: settings.alarms.jobFailuresPer5Minutes,
      streaming: {
        functionName: streamingFunction.functionName,
        timeoutSeconds: settings.streaming.timeoutSeconds,
        restApiName: streaming.restApiName,
        stageName: streaming.stageName,
      },
    },
    withProvider,
  );

  return {
    stage,
    apiEndpoint: http.endpoint,
    customDomainUrl: domain?.url,
    customDomainTarget: domain?.targetDomainName,
    streamingEndpoint: streaming.url,
    streamingCustomDomainUrl: domain?.streamingUrl,
    streamingFunctionName: streamingFunction.functionName,
    tableNames: Object.fromEntries(tables.map((table) => [table.definition.id, table.name])),
    promptsBucketName: prompts.bucketName,
    jwtSecretArn: jwtSecret.arn,
    // With the secret, what `npm run smoke -- --stack` needs to mint a token the stage accepts.
    jwtIssuer: settings.auth.issuer,
    jwtAudience: settings.auth.audience,
    imageUri: service.imageUri,
    functionName: service.functionName,
    failedJobQueueUrl: failedJobs.url,
    alarmTopicArn: monitoring.topicArn,
    dashboardUrl: monitoring.dashboardUrl,
  };
}

export = buildStack;

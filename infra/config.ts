// The stack's settings, read once from Pulumi config and checked before any resource exists.
// Defaults live in Pulumi.yaml; the stack files hold only what differs per stage.
import * as pulumi from '@pulumi/pulumi';
import { budgetFromText, isBudget, MAX_BUDGET_USD } from '../app/src/domain/kernel';
import { FINISH_MARGIN_MS } from '../app/src/jobs/job-timing';
import { declaredConfigKeys, unknownConfigKeyProblems } from './config-keys';

export type Architecture = 'x86_64' | 'arm64';

/**
 * `existing`: the domain belongs to someone else (api.purposepath.ai is shared), so the stack only
 * maps the API onto it. `create`: the stack owns the domain, and with a zone its certificate and
 * DNS record too.
 */
export type CustomDomainMode = 'existing' | 'create';

export interface CustomDomainConfig {
  readonly name: string;
  readonly mode: CustomDomainMode;
  /** In `create` mode, where the certificate and alias come from: a zone this stack may write to, or neither. */
  readonly hostedZoneId?: string;
  readonly hostedZoneName?: string;
  /** An issued certificate in the stack's region, when the zone belongs to someone else. */
  readonly certificateArn?: string;
}

export interface StackConfig {
  readonly project: string;
  /** The region every resource lives in (`aws:region`). */
  readonly region: string;
  readonly stage: string;
  /** On every name the stack creates, so none is a name the original SAM stack holds. */
  readonly nameSuffix: string;
  /** The original SAM stack: its NameSuffix, and whether this stack serves its tables. */
  readonly original: {
    readonly nameSuffix: string;
    /** Look up the original's conversations and coaching-sessions tables instead of creating them. */
    readonly useTables: boolean;
  };
  /** Prod: `protect` on stateful resources, deletion protection, 30-day secret recovery. */
  readonly protect: boolean;
  readonly logLevel: string;
  readonly logRetentionDays: number;
  /** Days a replaced prompt template version stays in the bucket, so it can be rolled back to. */
  readonly promptVersionDays: number;
  readonly function: {
    readonly architecture: Architecture;
    readonly memorySize: number;
    readonly timeoutSeconds: number;
    /** The model budget of an asynchronous job (LLM_ASYNC_TIMEOUT_MS), which the timeout covers. */
    readonly asyncModelTimeoutSeconds: number;
    readonly subnetIds: readonly string[];
    readonly securityGroupIds: readonly string[];
    /** Executions reserved for the function; absent, it shares the account's unreserved pool. */
    readonly reservedConcurrency?: number;
    /** The account's concurrency quota in the region (Lambda's default is 1000). */
    readonly accountConcurrency: number;
    /** Run this image, already in the stack's repository, instead of building one: a rollback. */
    readonly imageDigest?: string;
  };
  /** The second function, lambda.streamingHandler behind the REST API, and its endpoint. */
  readonly streaming: {
    readonly timeoutSeconds: number;
    /** A streamed turn's model budget (LLM_STREAM_TIMEOUT_MS). */
    readonly llmStreamTimeoutMs: number;
    /** Path segment of the streaming endpoint on the custom domain, e.g. `coaching-stream`. */
    readonly mappingKey: string;
    /** Whether this stack sets the region's API Gateway CloudWatch Logs role. */
    readonly createLogsRole: boolean;
  };
  readonly llm: {
    readonly defaultModel: string;
    readonly allowedModels: readonly string[];
  };
  /** The default budgets in US dollars; absent: none. */
  readonly budgets: {
    readonly tenantMonthlyUsd?: number;
    readonly userDailyUsd?: number;
  };
  readonly auth: {
    /** An existing secret shared with the token issuer. */
    readonly jwtSecretArn?: string;
    /** Without an ARN: generate the secret (a fresh dev stack) or look it up by its usual name. */
    readonly createJwtSecret: boolean;
    readonly issuer: string;
    readonly audience?: string;
  };
  readonly corsOrigins: readonly string[];
  /** Path segment the API is mapped under on a shared custom domain, e.g. `coaching`. */
  readonly apiMappingKey: string;
  readonly redis?: {
    readonly endpoint: string;
    readonly ssl: boolean;
    /** The Secrets Manager secret holding its AUTH token, passed as REDIS_PASSWORD. */
    readonly passwordSecretArn?: string;
  };
  readonly throttling: { readonly rateLimit: number; readonly burstLimit: number };
  readonly customDomain?: CustomDomainConfig;
  readonly alarms: {
    readonly email?: string;
    readonly lambdaErrorsPer5Minutes: number;
    readonly llmTokensPerHour: number;
    readonly api5xxMinRequests: number;
    readonly jobFailuresPer5Minutes: number;
  };
}

const logLevels = ['DEBUG', 'INFO', 'WARNING', 'WARN', 'ERROR'];
const architectures: readonly Architecture[] = ['x86_64', 'arm64'];
const domainModes: readonly CustomDomainMode[] = ['existing', 'create'];
// Lambda's own ceiling. HTTP API requests stay bounded by the gateway's 30 s integration timeout
// (http-api.ts) and the app's synchronous model budget; only jobs run longer.
const maxTimeoutSeconds = 900;
/**
 * What a job's worker does besides the model call, inside the same invocation (claim the job,
 * load the prompt, commit the turn, record the outcome): the app's own allowance for it, which
 * its job deadline carries too (app/src/jobs/job-timing.ts).
 */
export const jobWorkerMarginSeconds = FINISH_MARGIN_MS / 1000;
/** Lambda's longest timeout, and so the longest a streamed response can last. */
const maxLambdaTimeoutSeconds = maxTimeoutSeconds;
/** What a streamed turn needs after its model budget: the commit and the last events. */
export const streamCommitMarginMs = 10_000;
/** `reservedConcurrency` meaning none, as Lambda spells it. */
const unreserved = -1;
/** Lambda keeps this many executions of the account's quota unreserved for every other function. */
const minUnreservedConcurrency = 100;
/** CloudWatch's limit of metrics in one alarm; the Bedrock throttling alarm takes one per model. */
const maxMetricsPerAlarm = 10;

/** Reads the current stack's configuration; throws one clear message for each mistake found. */
export function readStackConfig(): StackConfig {
  const config = new pulumi.Config();
  const list = (key: string): string[] => config.getObject<string[]>(key) ?? [];
  const optional = (key: string): string | undefined => config.get(key) || undefined;
  const stage = optional('stage') ?? pulumi.getStack();
  const customDomainName = optional('customDomainName');

  const settings: StackConfig = {
    project: pulumi.getProject(),
    region: new pulumi.Config('aws').require('region'),
    stage,
    nameSuffix: config.get('nameSuffix') ?? '',
    original: {
      nameSuffix: config.get('originalNameSuffix') ?? '',
      useTables: config.requireBoolean('useOriginalTables'),
    },
    protect: config.requireBoolean('protect'),
    logLevel: config.require('logLevel').toUpperCase(),
    logRetentionDays: config.requireNumber('logRetentionDays'),
    promptVersionDays: config.requireNumber('promptVersionDays'),
    function: {
      architecture: config.require('architecture') as Architecture,
      memorySize: config.requireNumber('memorySize'),
      timeoutSeconds: config.requireNumber('timeout'),
      asyncModelTimeoutSeconds: config.requireNumber('asyncModelTimeout'),
      subnetIds: list('subnetIds'),
      securityGroupIds: list('lambdaSecurityGroupIds'),
      reservedConcurrency:
        config.requireNumber('reservedConcurrency') === unreserved
          ? undefined
          : config.requireNumber('reservedConcurrency'),
      accountConcurrency: config.requireNumber('accountConcurrency'),
      imageDigest: optional('imageDigest'),
    },
    streaming: {
      timeoutSeconds: config.requireNumber('streamingTimeout'),
      llmStreamTimeoutMs: config.requireNumber('llmStreamTimeoutMs'),
      mappingKey: config.require('streamingMappingKey'),
      createLogsRole: config.requireBoolean('apiGatewayLogsRole'),
    },
    llm: {
      defaultModel: config.require('defaultModel'),
      allowedModels: list('allowedModels'),
    },
    budgets: {
      tenantMonthlyUsd: budgetFromText(config.get('tenantMonthlyBudgetUsd') ?? ''),
      userDailyUsd: budgetFromText(config.get('userDailyBudgetUsd') ?? ''),
    },
    auth: {
      jwtSecretArn: optional('jwtSecretArn'),
      createJwtSecret: config.requireBoolean('createJwtSecret'),
      issuer: config.require('jwtIssuer'),
      audience: optional('jwtAudience'),
    },
    corsOrigins: list('corsOrigins'),
    apiMappingKey: config.require('apiMappingKey'),
    redis:
      optional('redisClusterEndpoint') || optional('redisPasswordSecretArn')
        ? {
            endpoint: optional('redisClusterEndpoint') ?? '',
            ssl: config.requireBoolean('redisSsl'),
            passwordSecretArn: optional('redisPasswordSecretArn'),
          }
        : undefined,
    throttling: {
      rateLimit: config.requireNumber('throttlingRateLimit'),
      burstLimit: config.requireNumber('throttlingBurstLimit'),
    },
    customDomain:
      config.requireBoolean('enableCustomDomain') || customDomainName
        ? {
            name: customDomainName ?? '',
            mode: config.require('customDomainMode') as CustomDomainMode,
            hostedZoneId: optional('hostedZoneId'),
            hostedZoneName: optional('hostedZoneName'),
            certificateArn: optional('certificateArn'),
          }
        : undefined,
    alarms: {
      email: optional('alarmEmail'),
      lambdaErrorsPer5Minutes: config.requireNumber('lambdaErrorsPer5Minutes'),
      llmTokensPerHour: config.requireNumber('llmTokensPerHourAlarm'),
      api5xxMinRequests: config.requireNumber('api5xxMinRequests'),
      jobFailuresPer5Minutes: config.requireNumber('jobFailuresPer5Minutes'),
    },
  };
  const problems = [
    ...unknownConfigKeyProblems(
      settings.project,
      Object.keys(pulumi.runtime.allConfig()),
      declaredConfigKeys(),
    ),
    ...findConfigProblems(settings),
  ];
  if (problems.length > 0) {
    throw new Error(
      `Invalid configuration for stack ${pulumi.getStack()}:\n  ${problems.join('\n  ')}`,
    );
  }
  return settings;
}

/** Every mistake in the settings, as lines that name the config key to fix. */
export function findConfigProblems(settings: StackConfig): string[] {
  const problems: string[] = [];
  const { function: fn, llm, auth, customDomain, throttling } = settings;
  if (!/^[a-z][a-z0-9-]{0,19}$/.test(settings.stage)) {
    problems.push(`stage "${settings.stage}" must be lower-case letters, digits and dashes`);
  }
  problems.push(...namingProblems(settings));
  if (!logLevels.includes(settings.logLevel)) {
    problems.push(`logLevel must be one of ${logLevels.join(', ')}`);
  }
  if (!architectures.includes(fn.architecture)) {
    problems.push(`architecture must be x86_64 or arm64`);
  }
  if (fn.asyncModelTimeoutSeconds < 1) {
    problems.push('asyncModelTimeout must be at least 1 second');
  }
  const fewestSeconds = fn.asyncModelTimeoutSeconds + jobWorkerMarginSeconds;
  if (fn.timeoutSeconds < fewestSeconds || fn.timeoutSeconds > maxTimeoutSeconds) {
    problems.push(
      `timeout must be between ${fewestSeconds} (asyncModelTimeout ${fn.asyncModelTimeoutSeconds} s plus ${jobWorkerMarginSeconds} s for the job's own storage calls) and ${maxTimeoutSeconds} seconds`,
    );
  }
  problems.push(...streamingProblems(settings));
  if (fn.memorySize < 128 || fn.memorySize > 10240) {
    problems.push('memorySize must be between 128 and 10240 MB');
  }
  if (fn.subnetIds.length > 0 !== fn.securityGroupIds.length > 0) {
    problems.push('subnetIds and lambdaSecurityGroupIds must be set together');
  }
  if (settings.redis) problems.push(...redisProblems(settings.redis, fn));
  if (llm.allowedModels.length === 0) {
    problems.push('allowedModels must list at least one Bedrock model id');
  }
  if (llm.allowedModels.length > maxMetricsPerAlarm) {
    problems.push(
      `allowedModels may list at most ${maxMetricsPerAlarm} models, one metric each in the Bedrock throttling alarm`,
    );
  }
  problems.push(...concurrencyProblems(fn));
  for (const [key, usd] of [
    ['tenantMonthlyBudgetUsd', settings.budgets.tenantMonthlyUsd],
    ['userDailyBudgetUsd', settings.budgets.userDailyUsd],
  ] as const) {
    if (usd !== undefined && !isBudget(usd)) {
      problems.push(
        `${key} must be empty (no budget) or US dollars from 0 to ${MAX_BUDGET_USD}, such as 500 or 99.50`,
      );
    }
  }
  if (fn.imageDigest && !/^sha256:[0-9a-f]{64}$/.test(fn.imageDigest)) {
    problems.push('imageDigest must be an image digest as ECR lists it: sha256: and 64 hex digits');
  }
  if (
    !Number.isInteger(settings.alarms.jobFailuresPer5Minutes) ||
    settings.alarms.jobFailuresPer5Minutes < 0
  ) {
    problems.push('jobFailuresPer5Minutes must be a count, 0 or more');
  }
  if (!Number.isInteger(settings.promptVersionDays) || settings.promptVersionDays < 1) {
    problems.push('promptVersionDays must be a whole number of days, at least 1');
  }
  if (settings.alarms.api5xxMinRequests < 1) {
    problems.push('api5xxMinRequests must be at least 1');
  }
  if (!llm.allowedModels.includes(llm.defaultModel)) {
    problems.push(`defaultModel ${llm.defaultModel} must be one of allowedModels`);
  }
  if (auth.jwtSecretArn && auth.createJwtSecret) {
    problems.push('set either jwtSecretArn or createJwtSecret, not both');
  }
  if (auth.jwtSecretArn && !auth.jwtSecretArn.startsWith('arn:aws:secretsmanager:')) {
    problems.push('jwtSecretArn must be a Secrets Manager ARN');
  }
  if (throttling.rateLimit <= 0 || throttling.burstLimit <= 0) {
    problems.push('throttlingRateLimit and throttlingBurstLimit must be positive');
  }
  if (!/^[A-Za-z0-9._-]+$/.test(settings.apiMappingKey)) {
    problems.push('apiMappingKey must be one path segment of letters, digits, ".", "_" or "-"');
  }
  if (customDomain) problems.push(...customDomainProblems(customDomain, settings.region));
  return problems;
}

/**
 * The original SAM stack's tables are `{base}-{stage}{its NameSuffix}` (`-v2` by default), its
 * bucket and secret carry no suffix: a suffix that is empty or the original's would make this
 * stack create a table, bucket or secret under a name the original already holds.
 */
function namingProblems({ nameSuffix, original }: StackConfig): string[] {
  if (!/^-[a-z0-9-]{1,15}$/.test(nameSuffix)) {
    return [
      `nameSuffix "${nameSuffix}" must be a dash and up to 15 lower-case letters, digits or dashes: without one, the stack would create the bucket and secret the original SAM stack holds`,
    ];
  }
  if (nameSuffix === original.nameSuffix) {
    return [
      `nameSuffix ${nameSuffix} is the original SAM stack's (originalNameSuffix): its tables hold these names; choose another suffix, and set useOriginalTables to serve the original's data`,
    ];
  }
  return [];
}

function redisProblems(
  redis: NonNullable<StackConfig['redis']>,
  fn: StackConfig['function'],
): string[] {
  if (!redis.endpoint) return ['redisPasswordSecretArn needs redisClusterEndpoint'];
  const problems: string[] = [];
  // ElastiCache answers only inside its VPC.
  if (fn.subnetIds.length === 0) {
    problems.push('redisClusterEndpoint needs subnetIds and lambdaSecurityGroupIds in its VPC');
  }
  if (redis.passwordSecretArn && !redis.passwordSecretArn.startsWith('arn:aws:secretsmanager:')) {
    problems.push('redisPasswordSecretArn must be a Secrets Manager ARN');
  }
  return problems;
}

function streamingProblems(settings: StackConfig): string[] {
  const { timeoutSeconds, llmStreamTimeoutMs, mappingKey } = settings.streaming;
  const problems: string[] = [];
  if (!Number.isInteger(llmStreamTimeoutMs) || llmStreamTimeoutMs < 1000) {
    problems.push('llmStreamTimeoutMs must be a whole number of milliseconds, at least 1000');
  }
  const least = Math.ceil((llmStreamTimeoutMs + streamCommitMarginMs) / 1000);
  if (timeoutSeconds > maxLambdaTimeoutSeconds || timeoutSeconds < least) {
    problems.push(
      `streamingTimeout must be between ${least} (llmStreamTimeoutMs plus ${streamCommitMarginMs / 1000} s to commit) and ${maxLambdaTimeoutSeconds} seconds (Lambda's limit)`,
    );
  }
  if (!/^[A-Za-z0-9._-]+$/.test(mappingKey)) {
    problems.push(
      'streamingMappingKey must be one path segment of letters, digits, ".", "_" or "-"',
    );
  }
  if (mappingKey === settings.apiMappingKey) {
    problems.push('streamingMappingKey must differ from apiMappingKey: a key maps one API');
  }
  return problems;
}

function concurrencyProblems(fn: StackConfig['function']): string[] {
  const reserved = fn.reservedConcurrency;
  if (reserved === undefined) return [];
  // Lambda takes 0, but it stops every invocation: a switch, not a size.
  if (!Number.isInteger(reserved) || reserved < 1) {
    return [`reservedConcurrency must be ${unreserved} (none) or at least 1`];
  }
  const most = fn.accountConcurrency - minUnreservedConcurrency;
  if (reserved > most) {
    return [
      `reservedConcurrency must leave ${minUnreservedConcurrency} of accountConcurrency (${fn.accountConcurrency}) unreserved: at most ${most}`,
    ];
  }
  return [];
}

/** Concurrent executions at which the concurrency alarm fires: 80% of what the function may use. */
export function concurrencyAlarmAt(fn: StackConfig['function']): number {
  return Math.floor(0.8 * (fn.reservedConcurrency ?? fn.accountConcurrency));
}

function customDomainProblems(domain: CustomDomainConfig, region: string): string[] {
  const problems: string[] = [];
  if (!domain.name) problems.push('enableCustomDomain needs customDomainName');
  if (!domainModes.includes(domain.mode)) {
    problems.push(`customDomainMode must be ${domainModes.join(' or ')}`);
  }
  const sources = [domain.hostedZoneId, domain.hostedZoneName, domain.certificateArn].filter(
    Boolean,
  );
  if (domain.mode === 'existing' && sources.length > 0) {
    problems.push(
      'hostedZoneId, hostedZoneName and certificateArn are for customDomainMode create: an existing domain keeps its own certificate and DNS',
    );
  }
  if (domain.mode === 'create' && sources.length !== 1) {
    problems.push(
      'customDomainMode create needs exactly one of hostedZoneId, hostedZoneName or certificateArn',
    );
  }
  // A regional domain name takes a certificate from its own region only.
  if (domain.certificateArn && !domain.certificateArn.startsWith(`arn:aws:acm:${region}:`)) {
    problems.push(`certificateArn must be an ACM certificate in ${region}, the stack's region`);
  }
  return problems;
}

/** `{base}-{stage}{suffix}`: the physical name of every named resource the stack creates. */
export function stackResourceName(settings: StackConfig, base: string): string {
  return `${base}-${settings.stage}${settings.nameSuffix}`;
}

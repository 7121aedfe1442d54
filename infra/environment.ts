// The environment the app's config (app/src/config.ts) reads in a deployed stage, under the
// names the app publishes (app/src/deployed-env.ts, and each table definition's envVar).
import * as pulumi from '@pulumi/pulumi';
import { deployedEnv as env } from '../app/src/deployed-env';
import type { TableId } from '../app/src/storage/tables';
import type { StackConfig } from './config';
import type { DeployedTable } from './data';

export interface DeployedDependencies {
  readonly tables: Readonly<Record<TableId, DeployedTable>>;
  readonly promptsBucketName: pulumi.Input<string>;
  readonly jwtSecretArn: pulumi.Input<string>;
  /** The function whose handler runs job events (the API function), by its name. */
  readonly jobsFunctionName: string;
  /** The streaming endpoint's base URL, which `GET /` names as streaming_url. */
  readonly streamingUrl: pulumi.Input<string>;
  /** Redis's AUTH token, a secret, when the stack names one. */
  readonly redisPassword?: pulumi.Input<string>;
}

/** AWS_REGION is absent on purpose: Lambda sets it and refuses functions that try to. */
export function appEnvironment(
  settings: StackConfig,
  deployed: DeployedDependencies,
): Record<string, pulumi.Input<string>> {
  const tableNames = Object.fromEntries(
    Object.values(deployed.tables).map((table) => [table.definition.envVar, table.name]),
  );
  return {
    [env.stage]: settings.stage,
    [env.logLevel]: settings.logLevel,
    [env.applicationName]: 'PurposePath',
    [env.apiPrefix]: '/api/v1',
    ...tableNames,
    [env.promptsBucket]: deployed.promptsBucketName,
    [env.jwtSecretArn]: deployed.jwtSecretArn,
    [env.jwtIssuer]: settings.auth.issuer,
    ...(settings.auth.audience ? { [env.jwtAudience]: settings.auth.audience } : {}),
    [env.llmProvider]: 'bedrock',
    [env.defaultModel]: settings.llm.defaultModel,
    [env.allowedModels]: settings.llm.allowedModels.join(','),
    // Set here, not left to the app's default, so the timeout check reads what really runs.
    [env.asyncModelTimeoutMs]: String(settings.function.asyncModelTimeoutSeconds * 1000),
    // Every function of the stack that accepts jobs hands them to this one, which the role may
    // invoke; Lambda's own AWS_LAMBDA_FUNCTION_NAME would name the accepting function instead.
    [env.jobsFunctionName]: deployed.jobsFunctionName,
    [env.corsOrigins]: settings.corsOrigins.join(','),
    [env.apiMappingKey]: settings.apiMappingKey,
    // Limits hold across instances in a shared store: Redis when the stack names one (as the
    // original's RedisClusterEndpoint did), the rate-limit table otherwise.
    [env.rateLimitStore]: settings.redis ? 'redis' : 'dynamodb',
    ...(settings.redis
      ? {
          [env.redisEndpoint]: settings.redis.endpoint,
          [env.redisTls]: String(settings.redis.ssl),
        }
      : {}),
    ...(deployed.redisPassword ? { [env.redisPassword]: deployed.redisPassword } : {}),
    [env.metricsEnabled]: 'true',
    [env.streamingUrl]: deployed.streamingUrl,
    [env.llmStreamTimeout]: String(settings.streaming.llmStreamTimeoutMs),
    // Unset: no budget (the app's own default).
    ...(settings.budgets.tenantMonthlyUsd === undefined
      ? {}
      : { [env.tenantMonthlyBudget]: String(settings.budgets.tenantMonthlyUsd) }),
    ...(settings.budgets.userDailyUsd === undefined
      ? {}
      : { [env.userDailyBudget]: String(settings.budgets.userDailyUsd) }),
  };
}

/**
 * The streaming function's: the same, but the prefix it strips and writes back on the custom
 * domain is its own mapping key (REST API events keep it in the path).
 */
export function streamingEnvironment(
  settings: StackConfig,
  deployed: DeployedDependencies,
): Record<string, pulumi.Input<string>> {
  return {
    ...appEnvironment(settings, deployed),
    [env.apiMappingKey]: settings.streaming.mappingKey,
  };
}

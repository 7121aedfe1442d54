// The environment the app's config (app/src/config.ts) reads in a deployed stage.
import * as pulumi from '@pulumi/pulumi';
import type { TableId } from '../app/src/storage/tables';
import type { StackConfig } from './config';
import type { DeployedTable } from './data';

export interface DeployedDependencies {
  readonly tables: Readonly<Record<TableId, DeployedTable>>;
  readonly promptsBucketName: pulumi.Input<string>;
  readonly jwtSecretArn: pulumi.Input<string>;
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
    STAGE: settings.stage,
    LOG_LEVEL: settings.logLevel,
    APPLICATION_NAME: 'PurposePath',
    API_PREFIX: '/api/v1',
    ...tableNames,
    PROMPTS_S3_BUCKET: deployed.promptsBucketName,
    JWT_SECRET_ARN: deployed.jwtSecretArn,
    JWT_ISSUER: settings.auth.issuer,
    ...(settings.auth.audience ? { JWT_AUDIENCE: settings.auth.audience } : {}),
    DEFAULT_LLM_PROVIDER: 'bedrock',
    DEFAULT_LLM_MODEL: settings.llm.defaultModel,
    ALLOWED_LLM_MODELS: settings.llm.allowedModels.join(','),
    CORS_ORIGINS: settings.corsOrigins.join(','),
    RATE_LIMIT_STORE: 'dynamodb',
    API_MAPPING_KEY: settings.apiMappingKey,
    ...(settings.redis
      ? {
          REDIS_CLUSTER_ENDPOINT: settings.redis.endpoint,
          REDIS_SSL: String(settings.redis.ssl),
        }
      : {}),
    METRICS_ENABLED: 'true',
    POWERTOOLS_SERVICE_NAME: 'purposepath-coaching',
  };
}

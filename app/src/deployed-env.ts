// The environment a deployed stage's function is given, as plain data: the app's config
// (config.ts) reads these variables and the Pulumi program (infra/environment.ts) sets them, so
// both spell each name once, here. Table names travel in the variables storage/tables.ts names.
export const deployedEnv = {
  stage: 'STAGE',
  logLevel: 'LOG_LEVEL',
  applicationName: 'APPLICATION_NAME',
  apiPrefix: 'API_PREFIX',
  apiMappingKey: 'API_MAPPING_KEY',
  promptsBucket: 'PROMPTS_S3_BUCKET',
  jwtSecretArn: 'JWT_SECRET_ARN',
  jwtIssuer: 'JWT_ISSUER',
  jwtAudience: 'JWT_AUDIENCE',
  llmProvider: 'DEFAULT_LLM_PROVIDER',
  defaultModel: 'DEFAULT_LLM_MODEL',
  allowedModels: 'ALLOWED_LLM_MODELS',
  asyncModelTimeoutMs: 'LLM_ASYNC_TIMEOUT_MS',
  jobsFunctionName: 'JOBS_FUNCTION_NAME',
  corsOrigins: 'CORS_ORIGINS',
  rateLimitStore: 'RATE_LIMIT_STORE',
  redisEndpoint: 'REDIS_CLUSTER_ENDPOINT',
  redisTls: 'REDIS_SSL',
  redisPassword: 'REDIS_PASSWORD',
  metricsEnabled: 'METRICS_ENABLED',
  streamingUrl: 'STREAMING_URL',
  llmStreamTimeout: 'LLM_STREAM_TIMEOUT_MS',
  tenantMonthlyBudget: 'TENANT_MONTHLY_BUDGET_USD',
  userDailyBudget: 'USER_DAILY_BUDGET_USD',
} as const;

export type DeployedEnvName = (typeof deployedEnv)[keyof typeof deployedEnv];

// A coherent set of stack settings (infra/config.ts) for the config checks to start from; a test
// changes the one part it is about.
import type { StackConfig } from '../../infra/config';

export const validSettings: StackConfig = {
  project: 'purposepath-coaching',
  region: 'us-east-1',
  stage: 'dev',
  nameSuffix: '-v3',
  original: { nameSuffix: '-v2', useTables: false },
  protect: false,
  logLevel: 'INFO',
  logRetentionDays: 7,
  promptVersionDays: 90,
  function: {
    architecture: 'x86_64',
    memorySize: 1024,
    timeoutSeconds: 150,
    asyncModelTimeoutSeconds: 120,
    subnetIds: [],
    securityGroupIds: [],
    accountConcurrency: 1000,
  },
  streaming: {
    timeoutSeconds: 150,
    llmStreamTimeoutMs: 120_000,
    mappingKey: 'coaching-stream',
    createLogsRole: false,
  },
  llm: { defaultModel: 'anthropic.a', allowedModels: ['anthropic.a'] },
  budgets: { tenantMonthlyUsd: 0, userDailyUsd: 1_000_000_000 },
  auth: { createJwtSecret: true, issuer: 'purposepath' },
  corsOrigins: [],
  apiMappingKey: 'coaching',
  throttling: { rateLimit: 10, burstLimit: 20 },
  alarms: {
    lambdaErrorsPer5Minutes: 10,
    llmTokensPerHour: 1000,
    api5xxMinRequests: 20,
    jobFailuresPer5Minutes: 5,
  },
};

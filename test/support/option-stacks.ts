// The stacks with their optional parts switched on, as config overrides over a stack file,
// shared by the tests that read them so each is built once per test run (stack-plans.ts).
const p = 'purposepath-coaching';

/** The issuer's own secret, named by ARN. */
export const issuerSecretArn =
  'arn:aws:secretsmanager:us-east-1:123456789012:secret:issuer/jwt-Ab12Cd';

/** Redis's AUTH token, in a secret of its own. */
export const redisSecretArn =
  'arn:aws:secretsmanager:us-east-1:123456789012:secret:redis/auth-Ab12Cd';

/** Staging with arm64, a reservation, a VPC and Redis, the issuer's secret and a created domain. */
export const everyOption = {
  [`${p}:architecture`]: 'arm64',
  [`${p}:reservedConcurrency`]: 50,
  [`${p}:subnetIds`]: ['subnet-0a', 'subnet-0b'],
  [`${p}:lambdaSecurityGroupIds`]: ['sg-0c'],
  [`${p}:redisClusterEndpoint`]: 'redis.internal:6379',
  [`${p}:jwtSecretArn`]: issuerSecretArn,
  [`${p}:jwtAudience`]: 'coaching-api',
  [`${p}:enableCustomDomain`]: true,
  [`${p}:customDomainName`]: 'coaching.example.com',
  [`${p}:customDomainMode`]: 'create',
  [`${p}:apiMappingKey`]: 'v2',
  [`${p}:certificateArn`]: 'arn:aws:acm:us-east-1:123456789012:certificate/abc',
  [`${p}:tenantMonthlyBudgetUsd`]: '500',
  [`${p}:userDailyBudgetUsd`]: '2.50',
};

/** Dev creating its domain, certificate and alias in a hosted zone of its own. */
export const ownHostedZone = {
  [`${p}:enableCustomDomain`]: true,
  [`${p}:customDomainName`]: 'coaching.dev.example.com',
  [`${p}:customDomainMode`]: 'create',
  [`${p}:hostedZoneId`]: 'Z0EXAMPLE',
};

/** Staging with Redis in a VPC and a required audience, without and with Redis's AUTH token. */
export const redisWithoutPassword = {
  [`${p}:subnetIds`]: ['subnet-0a'],
  [`${p}:lambdaSecurityGroupIds`]: ['sg-0c'],
  [`${p}:redisClusterEndpoint`]: 'redis.internal:6379',
  [`${p}:jwtAudience`]: 'coaching-api',
};
export const redisWithPassword = {
  ...redisWithoutPassword,
  [`${p}:redisPasswordSecretArn`]: redisSecretArn,
};

/** Prod serving the original SAM stack's two tables. */
export const originalTables = { [`${p}:useOriginalTables`]: true };

/** Each optional stack by the stack file it starts from. */
export const optionStacks: readonly (readonly [string, Record<string, unknown>])[] = [
  ['staging', everyOption],
  ['dev', ownHostedZone],
  ['staging', redisWithPassword],
  ['prod', originalTables],
];

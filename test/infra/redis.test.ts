// Redis's AUTH token reaches the function as REDIS_PASSWORD, read from a Secrets Manager secret
// when the stack is deployed (infra/redis.ts), and the app's own config reads it from there.
import { expect } from 'chai';
import { loadConfig } from '../../app/src/config';
import { findConfigProblems, type StackConfig } from '../../infra/config';
import { appEnvironment } from '../../infra/environment';
import { redisTokenOf } from '../../infra/redis';
import type { StackPlan } from '../../scripts/plan';
import { redisSecretArn, redisWithoutPassword, redisWithPassword } from '../support/option-stacks';
import { validSettings } from '../support/stack-settings';
import {
  apiFunction,
  input,
  namedResource,
  stackPlan,
  streamingFunction,
} from '../support/stack-plans';

const secretArn = redisSecretArn;

describe('a stack whose Redis asks for a password', function () {
  this.timeout(120_000);
  let plan: StackPlan;
  let without: StackPlan;

  before(async () => {
    [plan, without] = await Promise.all([
      stackPlan('staging', redisWithPassword),
      stackPlan('staging', redisWithoutPassword),
    ]);
  });

  it('when the token is read from its secret, then both functions’ environments become secret as a whole', () => {
    // Pulumi marks a whole input secret when any part of it is, so no plan or preview shows it.
    expect(apiFunction(plan).inputs.environment).to.equal('[secret]');
    expect(streamingFunction(plan).inputs.environment).to.equal('[secret]');
    expect(input(apiFunction(without), 'environment.variables')).to.not.have.property(
      'REDIS_PASSWORD',
    );
  });

  it('when the function runs, then its role needs nothing of the secret: the value was read at deploy time', () => {
    const statements = input(
      namedResource(plan, 'aws:iam/rolePolicy:RolePolicy', 'service-permissions'),
      'policy.Statement',
    ) as { Resource: string[] }[];
    expect(statements.flatMap((s) => s.Resource)).to.not.include(secretArn);
  });

  it('when the environment is built with the token, then the app’s config hands it to the Redis client', () => {
    const settings = {
      ...baseSettings(),
      redis: { endpoint: 'redis.internal:6379', ssl: true, passwordSecretArn: secretArn },
    };
    const env = appEnvironment(settings, {
      tables: {} as Parameters<typeof appEnvironment>[1]['tables'],
      promptsBucketName: 'bucket',
      jwtSecretArn: 'arn:aws:secretsmanager:us-east-1:1:secret:jwt-Ab12Cd',
      jobsFunctionName: 'fn',
      streamingUrl: 'https://example.com/dev',
      redisPassword: 'token-from-the-secret',
    });
    expect(env.REDIS_PASSWORD).to.equal('token-from-the-secret');
    const planned = input(apiFunction(without), 'environment.variables') as Record<string, string>;
    const config = loadConfig({
      ...planned,
      REDIS_PASSWORD: env.REDIS_PASSWORD as string,
      AWS_REGION: 'us-east-1',
    });
    expect(config.redis).to.deep.equal({
      endpoint: 'redis.internal:6379',
      tls: true,
      password: 'token-from-the-secret',
    });
  });

  it('when the secret holds the token raw or as JSON with a password, then the token is what is passed', () => {
    expect(redisTokenOf('s3cr3t-token')).to.equal('s3cr3t-token');
    expect(redisTokenOf('{"username":"default","password":"tok"}')).to.equal('tok');
    expect(redisTokenOf('{"user":"x"}')).to.equal('{"user":"x"}');
  });

  it('when the secret is named without Redis, or is not a Secrets Manager ARN, then the stack is refused', () => {
    expect(
      findConfigProblems({
        ...baseSettings(),
        redis: { endpoint: '', ssl: true, passwordSecretArn: secretArn },
      }),
    ).to.deep.equal(['redisPasswordSecretArn needs redisClusterEndpoint']);
    expect(
      findConfigProblems({
        ...baseSettings(),
        redis: { endpoint: 'redis.internal:6379', ssl: true, passwordSecretArn: 'redis/auth' },
      }),
    ).to.deep.equal(['redisPasswordSecretArn must be a Secrets Manager ARN']);
  });
});

/** A valid staging stack in a VPC, for the checks and the environment. */
function baseSettings(): StackConfig {
  return {
    ...validSettings,
    stage: 'staging',
    function: { ...validSettings.function, subnetIds: ['subnet-0a'], securityGroupIds: ['sg-0c'] },
    auth: { createJwtSecret: false, issuer: 'purposepath' },
  };
}

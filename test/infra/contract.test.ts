// One contract between app and platform: each stack's planned function environment goes through
// the app's own loadConfig, and every variable must land where the app uses it. A variable the
// platform misspells, forgets or sets without the app reading it fails here, not in AWS.
import { expect } from 'chai';
import { loadConfig, type Config } from '../../app/src/config';
import { deployedEnv } from '../../app/src/deployed-env';
import { tableList } from '../../app/src/storage/tables';
import type { StackPlan } from '../../scripts/plan';
import { redisWithoutPassword } from '../support/option-stacks';
import { apiFunction, input, stackPlan, streamingFunction } from '../support/stack-plans';

/** Where each variable the platform sets shows up in the app's settings. */
const readBy: Record<string, (config: Config) => unknown> = {
  [deployedEnv.stage]: (c) => c.stage,
  [deployedEnv.logLevel]: (c) => c.logLevel,
  [deployedEnv.applicationName]: (c) => c.applicationName,
  [deployedEnv.apiPrefix]: (c) => c.apiPrefix,
  [deployedEnv.apiMappingKey]: (c) => c.apiMappingKey,
  [deployedEnv.promptsBucket]: (c) => c.prompts.bucket,
  [deployedEnv.jwtSecretArn]: (c) => c.auth.secretArn,
  [deployedEnv.jwtIssuer]: (c) => c.auth.issuer,
  [deployedEnv.jwtAudience]: (c) => c.auth.audience,
  [deployedEnv.llmProvider]: (c) => c.llm.provider,
  [deployedEnv.defaultModel]: (c) => c.llm.defaultModel,
  [deployedEnv.allowedModels]: (c) => c.llm.allowedModels.join(','),
  [deployedEnv.asyncModelTimeoutMs]: (c) => String(c.llm.asyncTimeoutMs),
  [deployedEnv.jobsFunctionName]: (c) => c.jobs.functionName,
  [deployedEnv.corsOrigins]: (c) => c.corsOrigins.join(','),
  [deployedEnv.rateLimitStore]: (c) => c.rateLimits.store,
  [deployedEnv.redisEndpoint]: (c) => c.redis?.endpoint,
  [deployedEnv.redisTls]: (c) => String(c.redis?.tls),
  [deployedEnv.redisPassword]: (c) => c.redis?.password,
  [deployedEnv.metricsEnabled]: (c) => String(c.metricsEnabled),
  [deployedEnv.streamingUrl]: (c) => c.streamingUrl,
  [deployedEnv.llmStreamTimeout]: (c) => String(c.llm.streamTimeoutMs),
  [deployedEnv.tenantMonthlyBudget]: (c) => String(c.budgets.tenantMonthlyUsd),
  [deployedEnv.userDailyBudget]: (c) => String(c.budgets.userDailyUsd),
  ...Object.fromEntries(tableList.map((def) => [def.envVar, (c: Config) => c.tables[def.id]])),
};

/** Set only when the stack has an audience, a Redis endpoint or budgets. */
const optional: string[] = [
  deployedEnv.jwtAudience,
  deployedEnv.redisEndpoint,
  deployedEnv.redisTls,
  deployedEnv.redisPassword,
  deployedEnv.tenantMonthlyBudget,
  deployedEnv.userDailyBudget,
];

/** What the app makes of a value: levels are lower-cased, WARNING is warn. */
const asRead = (name: string, value: string) =>
  name === deployedEnv.logLevel
    ? { DEBUG: 'debug', INFO: 'info', WARNING: 'warn', WARN: 'warn', ERROR: 'error' }[value]
    : value;

const plans: [string, string, Record<string, unknown>][] = [
  ['dev', 'dev', {}],
  ['staging', 'staging', {}],
  ['prod', 'prod', {}],
  ['staging with Redis and an audience', 'staging', redisWithoutPassword],
  [
    'dev with both budgets',
    'dev',
    {
      'purposepath-coaching:tenantMonthlyBudgetUsd': '1250.75',
      'purposepath-coaching:userDailyBudgetUsd': '0',
    },
  ],
];

describe('the function environment, read by the app’s own config', function () {
  this.timeout(120_000);

  for (const [story, stack, overrides] of plans) {
    for (const [which, functionOf] of [
      ['the API function', apiFunction],
      ['the streaming function', streamingFunction],
    ] as const) {
      describe(`${story}: ${which}`, () => {
        let plan: StackPlan;
        let env: Record<string, string>;

        before(async () => {
          plan = await stackPlan(stack, overrides);
          env = input(functionOf(plan), 'environment.variables') as Record<string, string>;
        });

        it('when the app starts with it (and the region Lambda adds), then the config is valid and deployed', () => {
          const config = loadConfig({ ...env, AWS_REGION: plan.region });
          expect(config).to.include({ deployed: true, region: plan.region, stage: stack });
          expect(config.llm.provider).to.equal('bedrock');
        });

        it('when each variable is looked up in the config, then it holds the platform’s value', () => {
          const config = loadConfig({ ...env, AWS_REGION: plan.region });
          const unread = Object.keys(env).filter((name) => !(name in readBy));
          expect(unread, 'set by the platform, read by no one').to.deep.equal([]);
          for (const [name, value] of Object.entries(env)) {
            expect(readBy[name]?.(config), name).to.equal(asRead(name, value));
          }
        });

        it('when the platform plans it, then every variable a deployed stage needs is there', () => {
          const needed = Object.keys(readBy).filter((name) => !optional.includes(name));
          expect(Object.keys(env)).to.include.members(needed);
        });
      });
    }
  }
});

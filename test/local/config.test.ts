import { expect } from 'chai';
import { ConfigError, loadConfig } from '../../app/src/config.js';
import { estimateCostUsd } from '../../app/src/llm/pricing.js';
import { runChild } from '../support/child-processes.js';

describe('configuration', () => {
  it('when nothing is set, then the local defaults of the contract apply', () => {
    const config = loadConfig({});
    expect(config).to.include({
      stage: 'local',
      apiPrefix: '/api/v1',
      port: 8000,
      maxBodyBytes: 65536,
      maxTurns: 500,
    });
    expect(config.llm).to.include({
      provider: 'offline',
      defaultModel: 'us.anthropic.claude-sonnet-4-6',
      timeoutMs: 22_000,
      streamTimeoutMs: 120_000,
    });
    expect(config.streamingUrl).to.equal(undefined);
    // The contract's three, and the usual frontend dev servers.
    expect(config.corsOrigins).to.deep.equal([
      'http://localhost:3000',
      'https://purposepath.app',
      'https://www.purposepath.app',
      'http://localhost:5173',
      'http://127.0.0.1:3000',
    ]);
    expect(config.host).to.equal('127.0.0.1');
    expect(config.tables.conversations).to.equal('purposepath-conversations-local-v2');
    expect(config.rateLimits.initiate).to.deep.equal({ points: 10, windowSeconds: 20 });
  });

  it('when no model is named, then the default is an inference profile whose model has a price', () => {
    const { defaultModel } = loadConfig({}).llm;
    expect(defaultModel).to.match(/^us\.anthropic\./);
    expect(estimateCostUsd(defaultModel, { inputTokens: 1e6, outputTokens: 1e6 })).to.equal(19.8);
  });

  it('when a deployed stage is named, then Bedrock is the default provider and the secret is required', () => {
    expect(() => loadConfig({ STAGE: 'prod' })).to.throw(ConfigError, /JWT_SECRET_ARN/);
    const config = loadConfig({
      STAGE: 'prod',
      JWT_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:1:secret:x',
    });
    expect(config.llm.provider).to.equal('bedrock');
    expect(config.deployed).to.equal(true);
  });

  it('when STREAMING_URL is set with a trailing slash, then GET / will name it without one', () => {
    const config = loadConfig({ STREAMING_URL: 'https://stream.example.com/dev/' });
    expect(config.streamingUrl).to.equal('https://stream.example.com/dev');
  });

  it('when LOG_LEVEL is WARNING in any case, then it is warn', () => {
    expect(loadConfig({ LOG_LEVEL: 'Warning' }).logLevel).to.equal('warn');
    expect(loadConfig({ LOG_LEVEL: 'DEBUG' }).logLevel).to.equal('debug');
  });

  it('when no budget is set, then there is none, and prompt caching is on', () => {
    const config = loadConfig({});
    expect(config.budgets).to.deep.equal({
      tenantMonthlyUsd: undefined,
      userDailyUsd: undefined,
    });
    expect(config.promptCache).to.equal(true);
  });

  it('when the budgets are amounts in dollars, then they are taken as numbers, 0 and empty included', () => {
    expect(
      loadConfig({ TENANT_MONTHLY_BUDGET_USD: ' 250.75 ', USER_DAILY_BUDGET_USD: '0' }).budgets,
    ).to.deep.equal({ tenantMonthlyUsd: 250.75, userDailyUsd: 0 });
    expect(loadConfig({ TENANT_MONTHLY_BUDGET_USD: '' }).budgets.tenantMonthlyUsd).to.equal(
      undefined,
    );
    expect(loadConfig({ LLM_PROMPT_CACHE: 'off' }).promptCache).to.equal(false);
  });

  it('when the usage counters table is named, then it replaces the derived one', () => {
    expect(loadConfig({ USAGE_COUNTERS_TABLE: 'counters-x' }).tables.usageCounters).to.equal(
      'counters-x',
    );
    expect(
      loadConfig({ STAGE: 'dev', NAME_SUFFIX: '', JWT_SECRET: 'x' }).tables.usageCounters,
    ).to.equal('purposepath-usage-counters-dev');
  });

  it('when a table name is given, then it replaces the derived one', () => {
    expect(
      loadConfig({ CONVERSATIONS_TABLE: 'purposepath-conversations-dev' }).tables.conversations,
    ).to.equal('purposepath-conversations-dev');
  });

  for (const [variable, value] of [
    ['PORT', 'eighty'],
    ['LOG_LEVEL', 'LOUD'],
    ['MAX_BODY_BYTES', '-5'],
    ['MAX_BODY_BYTES', '131073'],
    ['MAX_TURNS', '0'],
    ['MAX_TURNS', '1001'],
    ['DEFAULT_LLM_PROVIDER', 'gpt'],
    ['DYNAMODB_ENDPOINT', 'not a url'],
    ['RATE_LIMIT_INITIATE', 'ten'],
    ['REDIS_SSL', 'perhaps'],
    ['LLM_STREAM_TIMEOUT_MS', '0'],
    ['STREAMING_URL', 'stream.example.com'],
    ['TENANT_MONTHLY_BUDGET_USD', '-5'],
    ['TENANT_MONTHLY_BUDGET_USD', 'lots'],
    ['TENANT_MONTHLY_BUDGET_USD', '1e12'],
    ['TENANT_MONTHLY_BUDGET_USD', '1000000001'],
    ['USER_DAILY_BUDGET_USD', '$5'],
    ['USER_DAILY_BUDGET_USD', '5,50'],
    ['USER_DAILY_BUDGET_USD', 'Infinity'],
    ['LLM_PROMPT_CACHE', 'maybe'],
  ] as const) {
    it(`when ${variable} is "${value}", then start-up stops with one line naming ${variable}`, () => {
      expect(() => loadConfig({ [variable]: value }))
        .to.throw(ConfigError)
        .with.property('message')
        .that.matches(new RegExp(`^Invalid configuration: ${variable} [^\\n]+$`));
    });
  }

  for (const [value, problem] of [
    ['*', /"\*" is refused: credentials are allowed.*list each origin/],
    ['localhost:5173', /"localhost:5173" has no scheme: write http:\/\/localhost:5173/],
    [
      'http://localhost:5173/',
      /"http:\/\/localhost:5173\/" has a path or a trailing slash.*write http:\/\/localhost:5173$/,
    ],
    [
      'https://app.example.com/app',
      /has a path or a trailing slash.*write https:\/\/app\.example\.com$/,
    ],
    [
      'http://LocalHost:3000',
      /not written the way a browser sends it: write http:\/\/localhost:3000$/,
    ],
    ['ftp://files.example.com', /is not an http:\/\/ or https:\/\/ origin/],
  ] as const) {
    it(`when CORS_ORIGINS holds "${value}", then start-up stops with the fix in one line`, () => {
      expect(() => loadConfig({ CORS_ORIGINS: `https://ok.example.com,${value}` }))
        .to.throw(ConfigError)
        .with.property('message')
        .that.matches(/^Invalid configuration: CORS_ORIGINS is invalid: [^\n]+$/)
        .and.matches(problem);
    });
  }

  it('when CORS_ORIGINS lists origins as browsers send them, then they are taken as they are', () => {
    expect(
      loadConfig({ CORS_ORIGINS: 'https://app.example.com, http://localhost:5174' }).corsOrigins,
    ).to.deep.equal(['https://app.example.com', 'http://localhost:5174']);
  });

  it('when npm run dev is asked for a deployed stage, then it refuses, naming STAGE', () => {
    expect(() => loadConfig({ STAGE: 'prod', JWT_SECRET: 'x' }, { dev: true }))
      .to.throw(ConfigError)
      .with.property('message')
      .that.matches(/^Invalid configuration: STAGE is prod, a deployed stage/);
    expect(loadConfig({}, { dev: true }).dev).to.equal(true);
  });

  it('when npm start meets a bad variable, then the process exits 1 printing that one line', async function () {
    this.timeout(20_000);
    const result = await runChild(process.execPath, ['--import', 'tsx', 'app/src/server.ts'], {
      env: {
        ...process.env,
        PORT: 'eighty',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      },
    });
    expect(result.code).to.equal(1);
    expect(result.stderr.trim()).to.match(/^Invalid configuration: PORT is invalid: [^\n]+$/);
  });
});

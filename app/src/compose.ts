// The composition root: configuration in, the app's dependencies out. The local server, Lambda
// and the tests all come through here; only adapters and endpoints differ.
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { AppDeps } from './app.js';
import { TokenVerifier, type SecretSource } from './auth/jwt.js';
import { fixedSecret, loadedOnFirstRead } from './auth/secret-sources.js';
import { createAnalyses } from './analysis/analysis-use-cases.js';
import { createCoaching } from './coaching/coaching-use-cases.js';
import { LEASE_TIMING, type LeaseTiming } from './coaching/conversation-lease.js';
import { type Config, ConfigError } from './config.js';
import type { Logger } from './observability/logger.js';
import type { LlmProvider } from './llm/port.js';
import { createOfflineProvider } from './llm/offline.js';
import { createRateLimiters, type RateLimiters } from './http/rate-limit.js';
import { noMetrics, type Metrics } from './observability/metrics.js';
import { deferredEmfMetrics } from './observability/metrics-deferred.js';
import { TemplateCatalog } from './prompts/catalog.js';
import type { PromptPreview } from './previews/preview-template.js';
import type { PromptAdmin } from './prompts/prompt-admin.js';
import type { PromptSource } from './prompts/prompt-store.js';
import { promptStores, type PromptStores } from './prompts/prompt-stores.js';
import { createAnalysisRepository } from './storage/analysis-repository.js';
import { createConversationRepository } from './storage/conversation-repository.js';
import { createFeedbackRepository } from './storage/message-feedback.js';
import { createDynamo, storageCall, type Dynamo } from './storage/dynamo.js';
import { createSessionRepository } from './storage/session-repository.js';
import { createSuggestions } from './suggestions/suggest-onboarding.js';
import type { JobDispatcher } from './jobs/dispatcher.js';
import { createInProcessDispatcher } from './jobs/in-process-dispatcher.js';
import { createLambdaDispatcher } from './jobs/lambda-dispatcher.js';
import { createJobs, type Jobs } from './jobs/job-use-cases.js';
import { createJobRepository } from './storage/job-repository.js';
import { createBudgets } from './budgets/budgets.js';
import { meteredLlm } from './budgets/metered-llm.js';
import { createUsageCounters } from './storage/usage-counters.js';

export interface Overrides {
  readonly secretSource?: SecretSource;
  readonly llm?: LlmProvider;
  readonly promptSource?: PromptSource;
  readonly metrics?: Metrics;
  readonly dynamo?: Dynamo;
  /** Where the image (or the checkout) keeps its copy of prompts/. */
  readonly promptsDir?: string;
  /** Where the embedded prompt history is kept (the local server's data folder); unset, in memory. */
  readonly promptHistoryDir?: string;
  /** Applied to every AWS SDK client built here (the Lambda entry's X-Ray tracing). */
  readonly instrument?: <C extends object>(client: C) => C;
  /** The use cases' clock (a test moves it past a lease's expiry). */
  readonly now?: () => Date;
  /**
   * Where accepted jobs go, given the worker's entry; by default this process runs them
   * (in-process-dispatcher.ts). Lambda passes one that invokes the function again.
   */
  readonly jobDispatcher?: (run: (jobId: string) => Promise<unknown>) => JobDispatcher;
  /**
   * The Lambda function this process runs in (the runtime's AWS_LAMBDA_FUNCTION_NAME): jobs are
   * handed to another invocation of it (jobs/lambda-dispatcher.ts), never run here, since Lambda
   * freezes the environment once the 202 is answered.
   */
  readonly lambdaFunctionName?: string;
  /** A streamed turn's keep-alive interval (a test shortens it). */
  readonly keepAliveMs?: number;
  /** How long a turn's lease holds and how often its holder renews it (a test shortens both). */
  readonly leases?: LeaseTiming;
}

/** EMF to stdout when enabled, flushed every few seconds; Lambda passes its own, flushed per request. */
export function metricsFor(config: Config): Metrics {
  return config.metricsEnabled
    ? deferredEmfMetrics({ stage: config.stage, flushIntervalMs: 10_000 })
    : noMetrics;
}

function secretSource(config: Config, instrument: Instrument): SecretSource {
  if (config.auth.secret) return fixedSecret(config.auth.secret);
  const secretArn = config.auth.secretArn;
  if (secretArn) {
    return loadedOnFirstRead(async () => {
      const { SecretsManagerClient, secretsManagerSecret } =
        await import('./auth/secrets-manager.js');
      const client = instrument(
        new SecretsManagerClient({
          region: config.region,
          endpoint: config.auth.secretsManagerEndpoint,
          maxAttempts: 2,
        }),
      );
      return secretsManagerSecret(secretArn, client);
    });
  }
  throw new ConfigError('JWT_SECRET', 'or JWT_SECRET_ARN must be set');
}

type Instrument = <C extends object>(client: C) => C;

const loopbackHosts = ['127.0.0.1', 'localhost', '[::1]'];

/**
 * The one rule for fixed local credentials: an endpoint override names a stand-in (dynalite,
 * DynamoDB Local, an S3 stand-in, a fake Bedrock), which accepts any key, when it is on this machine
 * or the stage is not deployed. Everything else signs with AWS's default provider chain.
 */
export function isStandIn(endpoint: string | undefined, deployed: boolean): boolean {
  return (
    endpoint !== undefined && (!deployed || loopbackHosts.includes(new URL(endpoint).hostname))
  );
}

/**
 * A model adapter loaded on its first use, so a cold start that only reads (the common first
 * request) never loads or initialises a model SDK.
 */
function loadedOnFirstUse(
  name: LlmProvider['name'],
  modelFor: NonNullable<LlmProvider['modelFor']>,
  load: () => Promise<LlmProvider>,
): LlmProvider {
  let provider: Promise<LlmProvider> | undefined;
  const loaded = () =>
    (provider ??= load().catch((error: unknown) => {
      provider = undefined;
      throw error;
    }));
  return {
    name,
    modelFor,
    generate: async (request) => (await loaded()).generate(request),
    stream: async (request, sink) => (await loaded()).stream(request, sink),
    check: async () => (await loaded()).check(),
  };
}

export function createLlm(
  config: Config,
  instrument: Instrument = (client) => client,
): LlmProvider {
  const { llm } = config;
  switch (llm.provider) {
    case 'offline':
      return createOfflineProvider({ paceMs: llm.offlinePaceMs });
    case 'bedrock':
      return loadedOnFirstUse(
        'bedrock',
        (settings) => settings.model_id ?? llm.defaultModel,
        async () => {
          const { createBedrockClient, createBedrockProvider } = await import('./llm/bedrock.js');
          const client = createBedrockClient({
            region: config.region,
            endpoint: llm.bedrockEndpoint,
            maxAttempts: llm.maxAttempts,
            // Each request's own budget ends it; the connection may stay quiet as long as the
            // longest of them (a streamed turn's or a job's).
            timeoutMs: Math.max(llm.timeoutMs, llm.streamTimeoutMs, llm.asyncTimeoutMs),
            localCredentials: isStandIn(llm.bedrockEndpoint, config.deployed),
          });
          return createBedrockProvider({
            client: instrument(client),
            defaultModel: llm.defaultModel,
            allowedModels: llm.allowedModels,
            timeoutMs: llm.timeoutMs,
            streamTimeoutMs: llm.streamTimeoutMs,
            promptCache: config.promptCache,
          });
        },
      );
    case 'openai':
      return loadedOnFirstUse(
        'openai',
        () => llm.openai.model as string,
        async () => {
          const { createOpenAiProvider } = await import('./llm/openai.js');
          return createOpenAiProvider({
            baseUrl: llm.openai.baseUrl as string,
            apiKey: llm.openai.apiKey,
            model: llm.openai.model as string,
            maxAttempts: llm.maxAttempts,
            timeoutMs: llm.timeoutMs,
            streamTimeoutMs: llm.streamTimeoutMs,
          });
        },
      );
  }
}

/** The bucket's versions when one is configured, else the embedded history (prompt-stores.ts). */
function promptStoresFor(
  config: Config,
  overrides: Overrides,
  instrument: Instrument,
): PromptStores {
  const bucket = config.prompts.bucket;
  return promptStores({
    promptsDir: config.prompts.dir ?? overrides.promptsDir ?? 'prompts',
    bucket,
    historyDir: overrides.promptHistoryDir,
    s3Client: bucket
      ? async () => {
          const { createS3Client } = await import('./prompts/s3-source.js');
          return instrument(
            createS3Client({
              region: config.region,
              endpoint: config.prompts.s3Endpoint,
              localCredentials: isStandIn(config.prompts.s3Endpoint, config.deployed),
            }),
          );
        }
      : undefined,
  });
}

/**
 * The limiters the configuration asks for: counters in DynamoDB (AWS), in Redis
 * (REDIS_CLUSTER_ENDPOINT) or in this process only (local).
 */
function rateLimiters(
  config: Config,
  logger: Logger,
  metrics: Metrics,
  instrument: Instrument,
): RateLimiters {
  const { store, ...limits } = config.rateLimits;
  return createRateLimiters({
    limits,
    store: async () => {
      if (store === 'memory') return undefined;
      const { dynamoLimiterStore, redisLimiterStore } = await import('./storage/limiter-stores.js');
      if (store === 'dynamodb') {
        return dynamoLimiterStore({
          region: config.region,
          endpoint: config.dynamodbEndpoint,
          localCredentials: isStandIn(config.dynamodbEndpoint, config.deployed),
          tableName: config.tables.rateLimits,
          instrument,
        });
      }
      if (store === 'redis' && config.redis) return redisLimiterStore(config.redis, logger);
      return undefined;
    },
    logger,
    metrics,
  });
}

/**
 * The overrides' dispatcher; in Lambda, another invocation of the function; else this process
 * runs the jobs, JOBS_CONCURRENCY at a time.
 */
function dispatcherFor(
  config: Config,
  logger: Logger,
  overrides: Overrides,
  adapters: { readonly metrics: Metrics; readonly instrument: Instrument },
  run: (jobId: string) => Promise<unknown>,
): JobDispatcher {
  if (overrides.jobDispatcher) return overrides.jobDispatcher(run);
  if (overrides.lambdaFunctionName) {
    return createLambdaDispatcher({
      functionName: config.jobs.functionName ?? overrides.lambdaFunctionName,
      region: config.region,
      endpoint: config.jobs.lambdaEndpoint,
      localCredentials: isStandIn(config.jobs.lambdaEndpoint, config.deployed),
      instrument: adapters.instrument,
      logger,
      metrics: adapters.metrics,
    });
  }
  return createInProcessDispatcher({
    concurrency: config.jobs.concurrency,
    run: async (jobId) => {
      await run(jobId);
    },
    logger,
  });
}

export function composeDependencies(
  config: Config,
  logger: Logger,
  overrides: Overrides = {},
): AppDeps {
  const instrument: Instrument = overrides.instrument ?? ((client) => client);
  const dynamo =
    overrides.dynamo ??
    createDynamo({
      region: config.region,
      endpoint: config.dynamodbEndpoint,
      localCredentials: isStandIn(config.dynamodbEndpoint, config.deployed),
    });
  instrument(dynamo.client);
  const stores = promptStoresFor(config, overrides, instrument);
  // Templates naming a model outside the allowed list are refused where models are chosen by id.
  const rules = {
    allowedModels: config.llm.provider === 'bedrock' ? config.llm.allowedModels : undefined,
  };
  const templates = new TemplateCatalog({
    ...(overrides.promptSource ? { source: overrides.promptSource } : stores),
    logger,
    cacheMs: config.prompts.cacheSeconds * 1000,
    rules,
  });
  let promptAdmin: Promise<PromptAdmin> | undefined;
  const loadPromptAdmin = () =>
    (promptAdmin ??= Promise.all([import('./prompts/prompt-admin.js'), stores.history()]).then(
      ([{ createPromptAdmin }, history]) =>
        createPromptAdmin({ history, rules, changed: (key) => templates.forget(key) }),
    ));
  let promptPreview: Promise<PromptPreview> | undefined;
  const metrics = overrides.metrics ?? metricsFor(config);
  const now = overrides.now ?? (() => new Date());
  const budgets = createBudgets({
    counters: createUsageCounters(dynamo, config.tables.usageCounters),
    defaults: config.budgets,
    metrics,
    logger,
    now,
  });
  // Every model call adds its spend to the counters as it finishes: a turn's with its commit
  // (coaching/turn-pipeline.ts), every other feature's through the metered port.
  const model = overrides.llm ?? createLlm(config, instrument);
  const llm = meteredLlm(model, budgets.recordSpend, {
    logger,
    now,
  });
  const sessions = createSessionRepository(dynamo, config.tables.coachingSessions);
  const conversations = createConversationRepository(dynamo, config.tables, sessions);
  const analysisRepository = createAnalysisRepository(dynamo, config.tables.analyses);
  // The features hand work to jobs, and a job's worker runs the features: jobs reach them once
  // all three exist.
  const jobs: Jobs = createJobs({
    jobs: createJobRepository(dynamo, config.tables.jobs),
    dispatcher: dispatcherFor(config, logger, overrides, { metrics, instrument }, (jobId) =>
      jobs.run(jobId),
    ),
    get turns() {
      return coaching.leasedTurns;
    },
    get analyses() {
      return analyses;
    },
    budgetMs: config.llm.asyncTimeoutMs,
    logger,
    metrics,
    now,
  });
  const coaching = createCoaching({
    conversations,
    feedback: createFeedbackRepository(dynamo.doc, config.tables),
    sessions,
    jobs: jobs.turnJobs,
    templates,
    llm: model,
    spendBudgets: budgets,
    priceSpend: budgets.priceSpend,
    metrics,
    logger,
    maxTurns: config.maxTurns,
    budgets: {
      buffered: config.llm.timeoutMs,
      stream: config.llm.streamTimeoutMs,
      job: config.llm.asyncTimeoutMs,
    },
    leases: overrides.leases ?? LEASE_TIMING,
    now,
  });
  const analyses = createAnalyses({
    repository: analysisRepository,
    templates,
    llm,
    budgets,
    jobs: jobs.analysisJobs,
    metrics,
    logger,
    now,
  });
  const suggestions = createSuggestions({
    repository: analysisRepository,
    templates,
    llm,
    budgets,
    metrics,
    logger,
    now,
  });
  const verifier = new TokenVerifier({
    source: overrides.secretSource ?? secretSource(config, instrument),
    issuer: config.auth.issuer,
    audience: config.auth.audience,
  });
  return {
    config,
    logger,
    metrics,
    verifier,
    coaching,
    analyses,
    suggestions,
    jobs,
    budgets,
    rateLimiters: rateLimiters(config, logger, metrics, instrument),
    // The admin use cases, the history's adapter and the preview load with the first admin call.
    promptAdmin: loadPromptAdmin,
    promptPreview: () =>
      (promptPreview ??= Promise.all([
        import('./previews/preview-template.js'),
        loadPromptAdmin(),
      ]).then(([{ createPromptPreview }, admin]) =>
        createPromptPreview({
          admin,
          llm,
          budgets,
          metrics,
          timeoutMs: config.llm.timeoutMs,
          now,
        }),
      )),
    keepAliveMs: overrides.keepAliveMs,
    checks: {
      database: async () => {
        try {
          await storageCall(() =>
            dynamo.doc.send(
              new GetCommand({
                TableName: config.tables.conversations,
                Key: { conversation_id: '__health__' },
              }),
            ),
          );
          return 'healthy';
        } catch (error) {
          // The health route is public: the reason it shows names no table; the log has the detail.
          const detail = (error as { causeText?: string }).causeText ?? (error as Error).message;
          logger.warn({ event: 'health_check_failed', dependency: 'database', reason: detail });
          return 'unhealthy: table not reachable';
        }
      },
      llm: () => llm.check(),
      storage: () => templates.check(),
      warnings: () => templates.warnings(),
    },
  };
}

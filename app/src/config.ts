// Environment → one typed, validated settings object. Nothing else in the app reads process.env.
import { readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import { z } from 'zod';
import { budgetEnv, budgetSettings, type BudgetConfig } from './budget-settings.js';
import {
  boolText,
  commaList,
  optionalText,
  originList,
  positiveInt,
  url,
} from './config-values.js';
import { tableList, tables, tableName, type TableId } from './storage/tables.js';

const deployedStages = ['dev', 'staging', 'prod'];

const logLevels = { debug: 'debug', info: 'info', warning: 'warn', warn: 'warn', error: 'error' };

const envSchema = z.object({
  STAGE: z
    .string()
    .trim()
    .regex(/^[a-z][a-z0-9-]{0,30}$/, 'expected a lower-case stage name such as dev')
    .default('local'),
  LOG_LEVEL: z
    .string()
    .trim()
    .transform((v) => v.toLowerCase())
    .pipe(
      z.enum(Object.keys(logLevels) as [keyof typeof logLevels], {
        message: 'expected DEBUG, INFO, WARNING, WARN or ERROR',
      }),
    )
    .default('info'),
  LOG_FORMAT: z.enum(['json', 'pretty'], { message: 'expected json or pretty' }).optional(),
  LOG_SILENT: boolText.default(false),
  APPLICATION_NAME: z.string().trim().min(1).default('PurposePath'),
  API_PREFIX: z
    .string()
    .regex(/^\/[A-Za-z0-9/_-]*[A-Za-z0-9_-]$/, 'expected a path such as /api/v1')
    .default('/api/v1'),
  API_MAPPING_KEY: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9._-]*$/, 'expected a single path segment such as coaching')
    .default('coaching'),
  AWS_REGION: z.string().trim().min(1).default('us-east-1'),
  NAME_SUFFIX: z.string().default('-v2'),
  // CONVERSATIONS_TABLE, …: each table definition's variable (unset: the stage's own name).
  ...Object.fromEntries(tableList.map((def) => [def.envVar, optionalText])),
  DYNAMODB_ENDPOINT: url.optional(),
  PROMPTS_S3_BUCKET: optionalText,
  S3_ENDPOINT: url.optional(),
  PROMPTS_DIR: optionalText,
  PROMPT_CACHE_SECONDS: positiveInt.default(30),
  JWT_SECRET: optionalText,
  JWT_SECRET_ARN: optionalText,
  SECRETS_MANAGER_ENDPOINT: url.optional(),
  JWT_ISSUER: optionalText,
  JWT_AUDIENCE: optionalText,
  REDIS_CLUSTER_ENDPOINT: optionalText,
  REDIS_SSL: boolText.default(false),
  REDIS_PASSWORD: optionalText,
  DEFAULT_LLM_PROVIDER: z
    .enum(['bedrock', 'openai', 'offline'], { message: 'expected bedrock, openai or offline' })
    .optional(),
  // Claude Sonnet 4.6 through the US cross-region inference profile: Active on Bedrock when
  // checked (docs/deployment.md, "Models"); the original's default is past its end of life.
  DEFAULT_LLM_MODEL: z.string().trim().min(1).default('us.anthropic.claude-sonnet-4-6'),
  ALLOWED_LLM_MODELS: commaList.optional(),
  BEDROCK_ENDPOINT: url.optional(),
  // In Lambda, where jobs are handed on (another invocation of the function); a fake in tests.
  LAMBDA_ENDPOINT: url.optional(),
  // In Lambda, the function whose handler runs job events: the API function, also when the
  // job is accepted by another function of the stack (the streaming one). Unset: this function.
  JOBS_FUNCTION_NAME: optionalText,
  OPENAI_BASE_URL: url.optional(),
  OPENAI_API_KEY: optionalText,
  OPENAI_MODEL: optionalText,
  // The model's share of a turn, so the storage calls around it still end inside 25 s.
  LLM_TIMEOUT_MS: positiveInt.default(22_000),
  // A streamed turn answers as it goes, so no gateway's 30 s bound it: a large model's long turn.
  LLM_STREAM_TIMEOUT_MS: positiveInt.default(120_000),
  STREAMING_URL: url.optional(),
  // A job's model budget (Prefer: respond-async): past API Gateway's 30 s, within the function's.
  LLM_ASYNC_TIMEOUT_MS: positiveInt.default(120_000),
  LLM_MAX_ATTEMPTS: positiveInt.max(5, 'expected at most 5').default(3),
  // The offline coach's pause before each streamed word; unset: 40 under npm run dev, else 0.
  OFFLINE_STREAM_PACE_MS: z.coerce.number().int().min(0).max(1000).optional(),
  PORT: z.coerce
    .number({ message: 'expected a port number' })
    .int()
    .min(0)
    .max(65535, 'expected a port number')
    .default(8000),
  // Loopback: a development server is reachable from this machine only unless told otherwise.
  HOST: z.string().trim().min(1).default('127.0.0.1'),
  DATA_DIR: z.string().trim().min(1).default('.data'),
  CORS_ORIGINS: originList.default([
    'http://localhost:3000',
    'https://purposepath.app',
    'https://www.purposepath.app',
    // The usual frontend dev servers: Vite's port, and port 3000 by its loopback address.
    'http://localhost:5173',
    'http://127.0.0.1:3000',
  ]),
  // The stored items' byte budget (docs/storage.md) is sized for these ceilings.
  MAX_BODY_BYTES: positiveInt.max(128 * 1024, 'expected at most 131072').default(64 * 1024),
  MAX_TURNS: positiveInt.max(1000, 'expected at most 1000').default(500),
  RATE_LIMIT_STORE: z
    .enum(['memory', 'dynamodb', 'redis'], { message: 'expected memory, dynamodb or redis' })
    .optional(),
  RATE_LIMIT_INITIATE: z.string().default('10/20'),
  RATE_LIMIT_ANALYSIS: z.string().default('20/20'),
  RATE_LIMIT_DEFAULT: z.string().default('100/10'),
  RATE_LIMIT_ANONYMOUS: z.string().default('60/60'),
  METRICS_ENABLED: boolText.optional(),
  // The local server's jobs running at once; the rest wait their turn.
  JOBS_CONCURRENCY: positiveInt.max(64, 'expected at most 64').default(4),
  ...budgetEnv,
});

export type LlmProviderName = 'bedrock' | 'openai' | 'offline';

export interface RateLimit {
  readonly points: number;
  readonly windowSeconds: number;
}

export interface Config extends BudgetConfig {
  readonly stage: string;
  readonly deployed: boolean;
  readonly logLevel: 'debug' | 'info' | 'warn' | 'error';
  /** Unset: the entry decides (Lambda: json; the local server: pretty on a terminal). */
  readonly logFormat?: 'json' | 'pretty';
  /** No log lines at all (tests and benchmarks). */
  readonly logSilent: boolean;
  /** `npm run dev`: any http://localhost:<port> or http://127.0.0.1:<port> origin is allowed. */
  readonly dev: boolean;
  readonly applicationName: string;
  readonly apiPrefix: string;
  readonly apiMappingKey: string;
  readonly region: string;
  readonly tables: Readonly<Record<TableId, string>>;
  readonly dynamodbEndpoint?: string;
  readonly prompts: {
    readonly bucket?: string;
    readonly s3Endpoint?: string;
    readonly dir?: string;
    readonly cacheSeconds: number;
  };
  readonly auth: {
    readonly secret?: string;
    readonly secretArn?: string;
    readonly secretsManagerEndpoint?: string;
    readonly issuer?: string;
    readonly audience?: string;
  };
  readonly redis?: { readonly endpoint: string; readonly tls: boolean; readonly password?: string };
  readonly llm: {
    readonly provider: LlmProviderName;
    readonly defaultModel: string;
    readonly allowedModels: readonly string[];
    readonly bedrockEndpoint?: string;
    readonly timeoutMs: number;
    /** The model budget of a streamed turn (LLM_STREAM_TIMEOUT_MS). */
    readonly streamTimeoutMs: number;
    /** A job's model budget (LLM_ASYNC_TIMEOUT_MS). */
    readonly asyncTimeoutMs: number;
    /** Attempts per model call (the first included) before a transient failure is a 503. */
    readonly maxAttempts: number;
    readonly offlinePaceMs: number; // OFFLINE_STREAM_PACE_MS
    readonly openai: {
      readonly baseUrl?: string;
      readonly apiKey?: string;
      readonly model?: string;
    };
  };
  /** The base URL of the stage's streaming endpoint; unset: this service's own. */
  readonly streamingUrl?: string;
  readonly port: number;
  readonly host: string;
  readonly dataDir: string;
  readonly corsOrigins: readonly string[];
  readonly maxBodyBytes: number;
  readonly maxTurns: number;
  readonly rateLimits: {
    readonly store: 'memory' | 'dynamodb' | 'redis';
    readonly initiate: RateLimit;
    readonly analysis: RateLimit;
    readonly default: RateLimit;
    readonly anonymous: RateLimit;
  };
  readonly metricsEnabled: boolean;
  readonly jobs: {
    /** Jobs the local server runs at once (JOBS_CONCURRENCY). */
    readonly concurrency: number;
    /** Another Lambda endpoint for the self-invocation that hands a job on (tests). */
    readonly lambdaEndpoint?: string;
    /** In Lambda, the function that runs the jobs (JOBS_FUNCTION_NAME); unset, this one. */
    readonly functionName?: string;
  };
}

/** A configuration that cannot run; the message is one line naming the variable. */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    reason: string,
  ) {
    super(`Invalid configuration: ${variable} ${reason}`);
    this.name = 'ConfigError';
  }
}

function parseRateLimit(variable: string, value: string): RateLimit {
  const match = /^\s*(\d+)\s*\/\s*(\d+)\s*s?\s*$/.exec(value);
  const points = Number(match?.[1]);
  const windowSeconds = Number(match?.[2]);
  if (!match || points < 1 || windowSeconds < 1) {
    throw new ConfigError(variable, `must look like 10/20 (requests per seconds), got "${value}"`);
  }
  return { points, windowSeconds };
}

/** Every variable loadConfig reads (`.env.example` lists exactly these). */
export const configVariables: readonly string[] = Object.keys(envSchema.shape);

/**
 * The local entries' environment: the variables of `.env`, when the file exists, under the
 * process's own (the environment wins). Lambda never calls this.
 */
export function withDotEnv(file = '.env', env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return env;
    throw error;
  }
  return { ...parseEnv(text), ...env };
}

export interface LoadOptions {
  /** `npm run dev`: allowed for local stages only. */
  readonly dev?: boolean;
}

export function loadConfig(
  env: NodeJS.ProcessEnv = process.env,
  options: LoadOptions = {},
): Config {
  const present = Object.fromEntries(
    Object.keys(envSchema.shape)
      .filter((name) => env[name] !== undefined)
      .map((name) => [name, env[name]]),
  );
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const variable = String(issue?.path[0] ?? 'environment');
    throw new ConfigError(variable, `is invalid: ${issue?.message ?? 'unknown problem'}`);
  }
  const e = parsed.data;
  const deployed = deployedStages.includes(e.STAGE);
  const provider = e.DEFAULT_LLM_PROVIDER ?? (deployed ? 'bedrock' : 'offline');

  if (deployed && options.dev) {
    throw new ConfigError(
      'STAGE',
      `is ${e.STAGE}, a deployed stage: npm run dev runs local stages only`,
    );
  }
  if (deployed && !e.JWT_SECRET && !e.JWT_SECRET_ARN) {
    throw new ConfigError('JWT_SECRET_ARN', `is required when STAGE is ${e.STAGE}`);
  }
  if (provider === 'openai' && !e.OPENAI_BASE_URL) {
    throw new ConfigError('OPENAI_BASE_URL', 'is required when DEFAULT_LLM_PROVIDER is openai');
  }
  if (provider === 'openai' && !e.OPENAI_MODEL) {
    throw new ConfigError('OPENAI_MODEL', 'is required when DEFAULT_LLM_PROVIDER is openai');
  }
  if (e.REDIS_CLUSTER_ENDPOINT === undefined && e.RATE_LIMIT_STORE === 'redis') {
    throw new ConfigError('REDIS_CLUSTER_ENDPOINT', 'is required when RATE_LIMIT_STORE is redis');
  }
  const allowedModels = e.ALLOWED_LLM_MODELS ?? [e.DEFAULT_LLM_MODEL];
  if (provider === 'bedrock' && !allowedModels.includes(e.DEFAULT_LLM_MODEL)) {
    throw new ConfigError('DEFAULT_LLM_MODEL', 'must be one of ALLOWED_LLM_MODELS');
  }

  const tableNames = Object.fromEntries(
    Object.values(tables).map((def) => [
      def.id,
      (e[def.envVar as keyof typeof e] as string | undefined) ??
        tableName(def, e.STAGE, e.NAME_SUFFIX),
    ]),
  ) as Record<TableId, string>;

  return {
    stage: e.STAGE,
    deployed,
    logLevel: logLevels[e.LOG_LEVEL] as Config['logLevel'],
    logFormat: e.LOG_FORMAT,
    logSilent: e.LOG_SILENT,
    dev: options.dev ?? false,
    applicationName: e.APPLICATION_NAME,
    apiPrefix: e.API_PREFIX,
    apiMappingKey: e.API_MAPPING_KEY,
    region: e.AWS_REGION,
    tables: tableNames,
    dynamodbEndpoint: e.DYNAMODB_ENDPOINT,
    prompts: {
      bucket: e.PROMPTS_S3_BUCKET,
      s3Endpoint: e.S3_ENDPOINT,
      dir: e.PROMPTS_DIR,
      cacheSeconds: e.PROMPT_CACHE_SECONDS,
    },
    auth: {
      secret: e.JWT_SECRET,
      secretArn: e.JWT_SECRET_ARN,
      secretsManagerEndpoint: e.SECRETS_MANAGER_ENDPOINT,
      issuer: e.JWT_ISSUER,
      audience: e.JWT_AUDIENCE,
    },
    redis: e.REDIS_CLUSTER_ENDPOINT
      ? { endpoint: e.REDIS_CLUSTER_ENDPOINT, tls: e.REDIS_SSL, password: e.REDIS_PASSWORD }
      : undefined,
    llm: {
      provider,
      defaultModel: e.DEFAULT_LLM_MODEL,
      allowedModels,
      bedrockEndpoint: e.BEDROCK_ENDPOINT,
      timeoutMs: e.LLM_TIMEOUT_MS,
      streamTimeoutMs: e.LLM_STREAM_TIMEOUT_MS,
      asyncTimeoutMs: e.LLM_ASYNC_TIMEOUT_MS,
      maxAttempts: e.LLM_MAX_ATTEMPTS,
      offlinePaceMs: e.OFFLINE_STREAM_PACE_MS ?? (options.dev ? 40 : 0),
      openai: { baseUrl: e.OPENAI_BASE_URL, apiKey: e.OPENAI_API_KEY, model: e.OPENAI_MODEL },
    },
    streamingUrl: e.STREAMING_URL?.replace(/\/+$/, ''),
    port: e.PORT,
    host: e.HOST,
    dataDir: e.DATA_DIR,
    corsOrigins: e.CORS_ORIGINS,
    maxBodyBytes: e.MAX_BODY_BYTES,
    maxTurns: e.MAX_TURNS,
    rateLimits: {
      store: e.RATE_LIMIT_STORE ?? (e.REDIS_CLUSTER_ENDPOINT ? 'redis' : 'memory'),
      initiate: parseRateLimit('RATE_LIMIT_INITIATE', e.RATE_LIMIT_INITIATE),
      analysis: parseRateLimit('RATE_LIMIT_ANALYSIS', e.RATE_LIMIT_ANALYSIS),
      default: parseRateLimit('RATE_LIMIT_DEFAULT', e.RATE_LIMIT_DEFAULT),
      anonymous: parseRateLimit('RATE_LIMIT_ANONYMOUS', e.RATE_LIMIT_ANONYMOUS),
    },
    metricsEnabled: e.METRICS_ENABLED ?? deployed,
    jobs: {
      concurrency: e.JOBS_CONCURRENCY,
      lambdaEndpoint: e.LAMBDA_ENDPOINT,
      functionName: e.JOBS_FUNCTION_NAME,
    },
    ...budgetSettings(e),
  };
}

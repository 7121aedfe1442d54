// What the built Lambda bundle runs against in these tests, as a deployed stage would give it: the
// embedded store with the stage's tables, the function's environment (a `dev` stage on that
// store, the checked-in prompts, the fixed credentials a stand-in accepts, and whatever the test
// adds), its configuration, and a token that its JWT secret signs. The bundle itself runs in its
// own process (lambda-bundle.ts, streaming-bundle.ts); an HTTP API answer reads as a reply.
import path from 'node:path';
import { loadConfig, type Config } from '../../app/src/config.js';
import type { Dynamo } from '../../app/src/storage/dynamo.js';
import { startEmbeddedDynamo } from '../../app/src/storage/local-dynamo.js';
import { dynamoWithTables } from './embedded-store.js';
import type { HttpApiResult } from '../../scripts/apigw-events.js';
import { signedToken } from './tokens.js';

const SECRET = 'lambda-stage-secret-of-at-least-32-bytes';

export interface BundleStage {
  /** The function's environment. */
  readonly env: Record<string, string>;
  readonly config: Config;
  /** A client of the stage's store, to look behind the function. */
  readonly dynamo: Dynamo;
  /** A bearer token for `user` in tenant `acme`. */
  readonly token: string;
  close(): Promise<void>;
}

export async function startBundleStage(options: {
  /** Makes this test's table names its own. */
  readonly name: string;
  readonly user: string;
  readonly env?: Record<string, string>;
}): Promise<BundleStage> {
  const embedded = await startEmbeddedDynamo();
  const env = {
    STAGE: 'dev',
    NAME_SUFFIX: `-${options.name}${process.pid}`,
    DEFAULT_LLM_PROVIDER: 'offline',
    JWT_SECRET: SECRET,
    DYNAMODB_ENDPOINT: embedded.endpoint,
    PROMPTS_DIR: path.join(process.cwd(), 'prompts'),
    METRICS_ENABLED: 'true',
    LOG_LEVEL: 'ERROR',
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    ...options.env,
  };
  const config = loadConfig(env);
  const dynamo = await dynamoWithTables(embedded.endpoint, config.tables);
  const token = await signedToken(SECRET, { user_id: options.user, tenant_id: 'acme' });
  return {
    env,
    config,
    dynamo,
    token,
    async close() {
      dynamo.client.destroy();
      await embedded.close();
    },
  };
}

export interface Reply {
  readonly status: number;
  /** Lower-cased names. */
  readonly headers: Record<string, string>;
  readonly text: string;
  /** The JSON body, or {} when it is none. */
  readonly body: Record<string, unknown>;
}

/** An HTTP API answer as a client reads it. */
export function replyOf(result: HttpApiResult): Reply {
  const text = result.isBase64Encoded
    ? Buffer.from(result.body, 'base64').toString('utf8')
    : result.body;
  const headers = Object.fromEntries(
    Object.entries(result.headers).map(([k, v]) => [k.toLowerCase(), String(v)]),
  );
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    body = {};
  }
  return { status: result.statusCode, headers, text, body };
}

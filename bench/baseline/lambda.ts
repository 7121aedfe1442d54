// The cold-start baseline: a Lambda handler that does only the unavoidable work of an
// authenticated conversation read — Koa behind serverless-http, a jose HS256 verify and one
// GetItem. Bundled the same way as the app (esbuild, one minified CJS file).
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { jwtVerify } from 'jose';
import Koa from 'koa';
import serverless from 'serverless-http';

const key = new TextEncoder().encode(process.env.JWT_SECRET ?? '');
const doc = DynamoDBDocumentClient.from(
  new DynamoDBClient({
    region: 'us-east-1',
    endpoint: process.env.DYNAMODB_ENDPOINT,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  }),
);
const table = process.env.BENCH_CONVERSATIONS_TABLE ?? '';

const app = new Koa();
app.use(async (ctx) => {
  const id = /^\/api\/v1\/conversations\/([^/]+)$/.exec(ctx.path)?.[1];
  const token = /^Bearer (.+)$/.exec(ctx.get('Authorization'))?.[1] ?? '';
  const { payload } = await jwtVerify(token, key, { algorithms: ['HS256'] });
  const item = id
    ? (
        await doc.send(
          new GetCommand({ TableName: table, Key: { conversation_id: id }, ConsistentRead: true }),
        )
      ).Item
    : undefined;
  if (!item || item.user_id !== payload.user_id) {
    ctx.status = 404;
    return;
  }
  ctx.body = item;
});

export const handler = serverless(app);

// Child process: the baseline for the throughput runs. A bare Koa server that answers the
// health route with the same JSON, and reads a conversation the way the API must at least:
// verify the HS256 token with jose, then the same reads on the same store, no framework of ours.
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { jwtVerify } from 'jose';
import Koa from 'koa';
import { serveParent } from './children.js';

const env = process.env;
const key = new TextEncoder().encode(env.JWT_SECRET ?? '');
const client = new DynamoDBClient({
  region: 'us-east-1',
  endpoint: env.DYNAMODB_ENDPOINT,
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
});
const doc = DynamoDBDocumentClient.from(client);
const conversations = env.BENCH_CONVERSATIONS_TABLE ?? '';
const messages = env.BENCH_MESSAGES_TABLE ?? '';
const sessions = env.BENCH_SESSIONS_TABLE ?? '';
const readSession = env.BENCH_READ_SESSION === 'true';

const app = new Koa();
app.use(async (ctx) => {
  if (ctx.path === '/api/v1/health/live') {
    ctx.body = { status: 'ok' };
    return;
  }
  const match = /^\/api\/v1\/conversations\/([^/]+)$/.exec(ctx.path);
  if (!match?.[1]) {
    ctx.status = 404;
    return;
  }
  const token = /^Bearer (.+)$/.exec(ctx.get('Authorization'))?.[1] ?? '';
  const { payload } = await jwtVerify(token, key, { algorithms: ['HS256'] });
  const item = (
    await doc.send(
      new GetCommand({
        TableName: conversations,
        Key: { conversation_id: match[1] },
        ConsistentRead: true,
      }),
    )
  ).Item;
  if (!item || item.user_id !== payload.user_id) {
    ctx.status = 404;
    return;
  }
  const turns = await doc.send(
    new QueryCommand({
      TableName: messages,
      KeyConditionExpression: 'conversation_id = :c AND turn <= :n',
      ExpressionAttributeValues: { ':c': match[1], ':n': item.turn_count },
    }),
  );
  const session =
    readSession && typeof item.session_id === 'string'
      ? (
          await doc.send(
            new GetCommand({ TableName: sessions, Key: { session_id: item.session_id } }),
          )
        ).Item
      : undefined;
  ctx.body = {
    ...item,
    messages: (turns.Items ?? []).flatMap((t) => (t.messages as unknown[]) ?? []),
    usage: session,
  };
});

const server = app.listen(0, '127.0.0.1');
void once(server, 'listening').then(() => {
  const { port } = server.address() as AddressInfo;
  serveParent(`http://127.0.0.1:${port}`, async () => {
    server.closeAllConnections();
    server.close();
    client.destroy();
  });
});

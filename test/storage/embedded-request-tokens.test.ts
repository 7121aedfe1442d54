// TransactWriteItems' ClientRequestToken on the embedded store, through the real SDK: a repeat
// within 10 minutes of the first's completion succeeds and writes nothing, other parameters under
// the same token are refused, a cancelled transaction leaves its token free. And the case it
// exists for: the store applied a transaction but its answer was lost (the fault proxy drops
// it), so the SDK sends it again, with the token it generated, and the write lands once.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { expect } from 'chai';
import { createDynamo } from '../../app/src/storage/dynamo.js';
import { RequestTokens } from '../../app/src/storage/embedded/request-tokens.js';
import { startDynamoFaultProxy } from '../support/dynamo-fault-proxy.js';
import { startStoreUnderTest, type StoreUnderTest } from '../support/embedded-store.js';

const MINUTE = 60_000;

/** The ClientRequestToken of every attempt the client sends (retries included). */
function recordTokens(client: DynamoDBClient): string[] {
  const tokens: string[] = [];
  client.middlewareStack.add(
    (next) => async (args) => {
      const body = (args.request as { body?: string | Uint8Array }).body ?? '{}';
      const text = typeof body === 'string' ? body : Buffer.from(body).toString('utf8');
      const token = JSON.parse(text) as { ClientRequestToken?: string };
      if (token.ClientRequestToken) tokens.push(token.ClientRequestToken);
      return next(args);
    },
    // The deserialize step runs inside the retry loop: once per attempt.
    { step: 'deserialize', name: 'recordRequestTokens' },
  );
  return tokens;
}

interface Refusal extends Error {
  CancellationReasons?: { Code?: string }[];
}

describe('ClientRequestToken on the embedded store', () => {
  let store: StoreUnderTest;
  let clock = Date.now();
  let sessions: string;
  let counter = 0;

  before(async () => {
    store = await startStoreUnderTest('tok', { now: () => clock });
    sessions = store.tables.coachingSessions;
  });
  after(() => store.close());

  /** A transaction that adds one to a fresh session's count, under `condition` if given. */
  function addOne(id: string, extra: Partial<TransactWriteCommandInput> = {}, condition?: string) {
    return new TransactWriteCommand({
      TransactItems: [
        {
          Update: {
            TableName: sessions,
            Key: { session_id: id },
            UpdateExpression: 'ADD turns :one',
            ExpressionAttributeValues: { ':one': 1 },
            ...(condition ? { ConditionExpression: condition } : {}),
          },
        },
      ],
      ...extra,
    });
  }
  const session = () => `s${++counter}`;
  const turns = async (id: string) =>
    (await store.stored('coachingSessions', { session_id: id }))?.turns;
  const refused = (send: Promise<unknown>) =>
    send.then(
      () => expect.fail('the transaction was accepted'),
      (error: unknown) => error as Refusal,
    );

  it('when a transaction is repeated with its token, then the repeat succeeds, writes nothing, and reports reading what it did not write', async () => {
    const id = session();
    const first = await store.dynamo.doc.send(
      addOne(id, { ClientRequestToken: `${id}-token`, ReturnConsumedCapacity: 'TOTAL' }),
    );
    const repeat = await store.dynamo.doc.send(
      addOne(id, { ClientRequestToken: `${id}-token`, ReturnConsumedCapacity: 'TOTAL' }),
    );
    expect(await turns(id)).to.equal(1);
    expect(first.ConsumedCapacity).to.deep.equal([
      { TableName: sessions, CapacityUnits: 2, WriteCapacityUnits: 2 },
    ]);
    expect(repeat.ConsumedCapacity).to.deep.equal([
      { TableName: sessions, CapacityUnits: 2, ReadCapacityUnits: 2 },
    ]);
  });

  it('when a token comes back with other parameters, then it is IdempotentParameterMismatchException and nothing is written', async () => {
    const id = session();
    await store.dynamo.doc.send(addOne(id, { ClientRequestToken: `${id}-token` }));
    const error = await refused(
      store.dynamo.doc.send(addOne(session(), { ClientRequestToken: `${id}-token` })),
    );
    expect(error.name).to.equal('IdempotentParameterMismatchException');
    expect(await turns(id)).to.equal(1);
    expect(await turns(`s${counter}`)).to.equal(undefined);
  });

  it('when a token comes back 10 minutes after its transaction completed, then it is a new request, and one moment earlier it is still a repeat', async () => {
    const id = session();
    const token = { ClientRequestToken: `${id}-token` };
    await store.dynamo.doc.send(addOne(id, token));
    clock += 10 * MINUTE - 1;
    await store.dynamo.doc.send(addOne(id, token));
    expect(await turns(id)).to.equal(1);
    clock += 1;
    await store.dynamo.doc.send(addOne(id, token));
    expect(await turns(id)).to.equal(2);
  });

  it('when a transaction with a token is cancelled, then its token stays unused, and the same request runs once its condition holds', async () => {
    const id = session();
    const attempt = () =>
      store.dynamo.doc.send(
        addOne(id, { ClientRequestToken: `${id}-token` }, 'attribute_exists(opened)'),
      );
    const error = await refused(attempt());
    expect(error.CancellationReasons?.map((reason) => reason.Code)).to.deep.equal([
      'ConditionalCheckFailed',
    ]);
    expect(await turns(id)).to.equal(undefined);
    await store.dynamo.doc.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Put: { TableName: sessions, Item: { session_id: id, opened: true } },
          },
        ],
      }),
    );
    await attempt();
    await attempt();
    expect(await turns(id)).to.equal(1);
  });

  it('when the same transaction is sent twice at once under one token, then both succeed and it is written once', async () => {
    const id = session();
    const token = { ClientRequestToken: `${id}-token` };
    // Two clients patient enough to outlast the other's run (a repeat that arrives while the
    // first still runs is TransactionInProgressException, which the SDK retries).
    const clients = [1, 2].map(
      () =>
        new DynamoDBClient({
          region: 'us-east-1',
          endpoint: store.embedded.endpoint,
          credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
          maxAttempts: 10,
        }),
    );
    try {
      await Promise.all(
        clients.map((client) => DynamoDBDocumentClient.from(client).send(addOne(id, token))),
      );
    } finally {
      for (const client of clients) client.destroy();
    }
    expect(await turns(id)).to.equal(1);
  });

  it('when the store applies a transaction but its answer is lost, then the SDK sends it again with the token it generated, and it is written once and succeeds', async () => {
    const proxy = await startDynamoFaultProxy(store.embedded.endpoint, { seed: 22 });
    const client = createDynamo({
      region: 'us-east-1',
      endpoint: proxy.endpoint,
      localCredentials: true,
    });
    const tokens = recordTokens(client.client);
    const doc = DynamoDBDocumentClient.from(client.client);
    try {
      proxy.add({ fault: 'drop-after-apply', operations: ['TransactWriteItems'], times: 1 });
      const id = session();
      await doc.send(addOne(id));
      expect(await turns(id)).to.equal(1);
      expect(proxy.log.map((entry) => [entry.fault ?? 'answered', entry.forwarded])).to.deep.equal([
        ['drop-after-apply', true],
        ['answered', true],
      ]);
      expect(tokens).to.have.length(2);
      expect(tokens[1]).to.equal(tokens[0]);
      expect(tokens[0]).to.match(/^[0-9a-f-]{36}$/);
    } finally {
      client.client.destroy();
      await proxy.close();
    }
  });

  it('when a token comes back while its first transaction still runs, then it is TransactionInProgressException, and once that one has succeeded it is a repeat', () => {
    // The window is too short to catch through HTTP on demand; the store's record of tokens is
    // asked directly, as the store asks it before running a transaction. (The SDK retries the
    // exception: @smithy/service-error-classification counts it among throttling errors.)
    const tokens = new RequestTokens(() => clock);
    const first = tokens.use('t', 'same parameters');
    const inProgress = (() => {
      try {
        tokens.use('t', 'same parameters');
      } catch (error) {
        return error as Error & { body?: { __type: string } };
      }
      return undefined;
    })();
    expect(inProgress?.body?.__type).to.equal(
      'com.amazonaws.dynamodb.v20120810#TransactionInProgressException',
    );
    if (first.repeat) expect.fail('the first use was taken for a repeat');
    first.succeeded(new Map([['table', 2]]));
    first.end();
    expect(tokens.use('t', 'same parameters')).to.deep.include({ repeat: true });
  });
});

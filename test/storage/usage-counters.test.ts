// The usage counters against the embedded store behind DynamoDB's limits: what an add puts in
// the tenant's month and the user's month and day, that an add sent again (the SDK retrying a
// write whose answer was lost) counts once, and that two processes racing on one store lose
// no add and count none twice.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { noSpend, type SpendAdd, type SpendCounters } from '../../app/src/budgets/spend-records.js';
import { loadConfig } from '../../app/src/config.js';
import { createDynamo, type Dynamo } from '../../app/src/storage/dynamo.js';
import {
  ensureTables,
  startEmbeddedDynamo,
  type EmbeddedDynamo,
} from '../../app/src/storage/local-dynamo.js';
import { createUsageCounters } from '../../app/src/storage/usage-counters.js';
import { guardLikeDynamoDb } from '../support/dynamo-guard.js';
import { usageCountersTableActions } from '../../infra/policy.js';
import { racedSpend } from '../support/spend-adder.js';

const run = promisify(execFile);

const AT = new Date('2026-11-30T23:59:58.000Z');
const spend = {
  ...noSpend,
  costNanos: 4_125_000,
  inputTokens: 400,
  outputTokens: 90,
  cacheReadTokens: 1_200,
  cacheWriteTokens: 300,
  calls: 1,
  turns: 1,
};

let nextId = 0;
const add = (overrides: Partial<SpendAdd> = {}): SpendAdd => ({
  id: `add-${++nextId}`,
  at: AT,
  tenantId: 'acme',
  userId: 'ada',
  subject: 'coaching/core_values',
  model: 'us.anthropic.claude-sonnet-4-6',
  spend,
  ...overrides,
});

describe('usage counters in DynamoDB', () => {
  let embedded: EmbeddedDynamo;
  let dynamo: Dynamo;
  let counters: SpendCounters;
  let table: string;
  let tenantCount = 0;
  /** A tenant of its own for each test. */
  const tenant = () => `tenant-${process.pid}-${++tenantCount}`;

  before(async () => {
    embedded = await startEmbeddedDynamo();
    const tables = loadConfig({ STAGE: 'test', NAME_SUFFIX: `-c${process.pid}` }).tables;
    table = tables.usageCounters;
    dynamo = createDynamo({
      region: 'us-east-1',
      endpoint: embedded.endpoint,
      localCredentials: true,
    });
    guardLikeDynamoDb(dynamo.client);
    await ensureTables(dynamo.client, tables);
    counters = createUsageCounters(dynamo, table);
  });
  after(async () => {
    dynamo.client.destroy();
    await embedded.close();
  });

  it('when a call is added, then its tenant month, its breakdowns and its user month and day hold it', async () => {
    const tenantId = tenant();
    await counters.add(add({ tenantId }));
    await counters.add(
      add({
        tenantId,
        userId: 'bob',
        subject: 'analysis/kpi',
        spend: { ...spend, turns: 0, analyses: 1 },
      }),
    );
    const month = await counters.tenantMonth(tenantId, '2026-11');
    expect(month.totals).to.deep.equal({
      costNanos: 8_250_000,
      inputTokens: 800,
      outputTokens: 180,
      cacheReadTokens: 2_400,
      cacheWriteTokens: 600,
      calls: 2,
      turns: 1,
      analyses: 1,
    });
    expect(month.byUser.get('ada')).to.deep.equal(spend);
    expect(month.bySubject.get('analysis/kpi')?.analyses).to.equal(1);
    expect(month.bySubject.get('coaching/core_values')?.turns).to.equal(1);
    expect(month.byModel.get('us.anthropic.claude-sonnet-4-6')?.calls).to.equal(2);
    const snapshot = await counters.snapshot(tenantId, 'ada', AT, { tenantBudget: false });
    expect(snapshot.tenantMonth.costNanos).to.equal(8_250_000);
    expect(snapshot.userMonth).to.deep.equal(spend);
    expect(snapshot.userDay).to.deep.equal({ ...spend, turns: 0 });
    expect(snapshot).not.to.have.property('tenantBudgetUsd');
  });

  it('when a call finishes a moment later, after midnight, then it counts in the next day and month', async () => {
    const tenantId = tenant();
    await counters.add(add({ tenantId }));
    const later = new Date('2026-12-01T00:00:01.000Z');
    await counters.add(add({ tenantId, at: later }));
    expect((await counters.tenantMonth(tenantId, '2026-11')).totals.calls).to.equal(1);
    expect((await counters.tenantMonth(tenantId, '2026-12')).totals.calls).to.equal(1);
    const december = await counters.snapshot(tenantId, 'ada', later, { tenantBudget: false });
    expect(december.userDay.calls).to.equal(1);
    expect(december.userMonth.calls).to.equal(1);
  });

  it('when the same add is sent again, within its minutes, then it counts once', async () => {
    const tenantId = tenant();
    const once = add({ tenantId });
    await counters.add(once);
    await counters.add(once);
    // A minute on (another slot), then the first again: still recognised.
    await counters.add(add({ tenantId, at: new Date(AT.getTime() + 60_000) }));
    await counters.add(once);
    const month = await counters.tenantMonth(tenantId, '2026-11');
    expect(month.totals.calls).to.equal(1);
    expect((await counters.tenantMonth(tenantId, '2026-12')).totals.calls).to.equal(1);
  });

  it('when the store takes an add but its answer is lost, then the SDK retry counts it once', async () => {
    const tenantId = tenant();
    const flaky = createDynamo({
      region: 'us-east-1',
      endpoint: embedded.endpoint,
      localCredentials: true,
    });
    guardLikeDynamoDb(flaky.client);
    let lost = 0;
    // After the store has answered, the answer goes missing as a timeout would lose it: the SDK's
    // retry strategy (3 attempts) sends the same UpdateItem again.
    flaky.client.middlewareStack.add(
      (next, context) => async (args) => {
        const result = await next(args);
        if (context.commandName === 'UpdateItemCommand' && lost < 2) {
          lost++;
          throw Object.assign(new Error('the answer was lost'), { name: 'TimeoutError' });
        }
        return result;
      },
      { step: 'deserialize', name: 'loseTheAnswer' },
    );
    try {
      await createUsageCounters(flaky, table).add(add({ tenantId }));
    } finally {
      flaky.client.destroy();
    }
    expect(lost).to.equal(2);
    const month = await counters.tenantMonth(tenantId, '2026-11');
    expect(month.totals).to.deep.equal(spend);
    expect(month.byUser.get('ada')).to.deep.equal(spend);
  });

  it('when an add comes back after its minute’s ids are gone, then it is refused, not counted again', async () => {
    const tenantId = tenant();
    const noon = new Date('2026-11-15T12:00:10.000Z');
    const early = add({ tenantId, at: noon });
    await counters.add(early);
    // Four minutes on, the early add's slot holds another minute's ids.
    await counters.add(add({ tenantId, at: new Date(noon.getTime() + 4 * 60_000) }));
    const error = await counters.add(early).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error?.message).to.match(/came after its minute's ids were gone/);
    expect((await counters.tenantMonth(tenantId, '2026-11')).totals.calls).to.equal(2);
  });

  it('when a user id is 256 four-byte characters, then its counters are kept under DynamoDB’s key limits', async () => {
    const tenantId = tenant();
    const userId = '😀'.repeat(256);
    await counters.add(add({ tenantId, userId }));
    const month = await counters.tenantMonth(tenantId, '2026-11');
    expect(month.byUser.get(userId)?.calls).to.equal(1);
    expect(
      (await counters.snapshot(tenantId, userId, AT, { tenantBudget: false })).userDay.calls,
    ).to.equal(1);
  });

  it('when a platform admin sets, reads and removes a tenant’s budget, then the snapshot reads it too', async () => {
    const tenantId = tenant();
    expect(await counters.tenantBudget(tenantId)).to.equal(null);
    await counters.setTenantBudget(tenantId, 12.5, 'root', AT);
    expect(await counters.tenantBudget(tenantId)).to.equal(12.5);
    const snapshot = await counters.snapshot(tenantId, 'ada', AT, { tenantBudget: true });
    expect(snapshot.tenantBudgetUsd).to.equal(12.5);
    await counters.setTenantBudget(tenantId, null, 'root', AT);
    expect(await counters.tenantBudget(tenantId)).to.equal(null);
    expect(
      (await counters.snapshot(tenantId, 'ada', AT, { tenantBudget: true })).tenantBudgetUsd,
    ).to.equal(null);
  });

  it('when every operation runs, then it calls exactly the actions the function’s role grants on the table', async () => {
    const tenantId = tenant();
    const called = new Set<string>();
    const watched = createDynamo({
      region: 'us-east-1',
      endpoint: embedded.endpoint,
      localCredentials: true,
    });
    watched.client.middlewareStack.add(
      (next, context) => (args) => {
        called.add(`dynamodb:${(context.commandName ?? '').replace(/Command$/, '')}`);
        return next(args);
      },
      { step: 'initialize', name: 'watchActions' },
    );
    const watchedCounters = createUsageCounters(watched, table);
    try {
      const noon = new Date('2026-11-15T12:00:10.000Z');
      const early = add({ tenantId, at: noon });
      await watchedCounters.add(early);
      await watchedCounters.add(add({ tenantId, at: new Date(noon.getTime() + 4 * 60_000) }));
      await watchedCounters.add(early).catch(() => undefined);
      await watchedCounters.snapshot(tenantId, 'ada', noon, { tenantBudget: true });
      await watchedCounters.tenantMonth(tenantId, '2026-11');
      await watchedCounters.setTenantBudget(tenantId, 3, 'root', noon);
      await watchedCounters.tenantBudget(tenantId);
      await watchedCounters.setTenantBudget(tenantId, null, 'root', noon);
    } finally {
      watched.client.destroy();
    }
    expect([...called].sort()).to.deep.equal([...usageCountersTableActions].sort());
  });

  it('when two processes add to one store at once, then every add counts exactly once', async function () {
    this.timeout(60_000);
    const tenantId = tenant();
    const adds = 40;
    const adder = (name: string) =>
      run(
        process.execPath,
        [
          '--import',
          'tsx',
          'test/support/spend-adder.ts',
          embedded.endpoint,
          table,
          tenantId,
          String(adds),
          name,
          AT.toISOString(),
        ],
        {
          env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
          timeout: 50_000,
        },
      );
    await Promise.all([adder('first'), adder('second')]);
    const month = await counters.tenantMonth(tenantId, '2026-11');
    expect(month.totals).to.deep.equal({
      ...noSpend,
      costNanos: racedSpend.costNanos * 2 * adds,
      inputTokens: racedSpend.inputTokens * 2 * adds,
      outputTokens: racedSpend.outputTokens * 2 * adds,
      calls: 2 * adds,
      turns: 2 * adds,
    });
    const perUser = [...month.byUser.values()].reduce((sum, t) => sum + t.calls, 0);
    expect(perUser).to.equal(2 * adds);
    expect(month.byUser.size).to.equal(6);
  });
});

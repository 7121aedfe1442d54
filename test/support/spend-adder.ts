// A second process adding spend to a store another process also writes to: given the store's
// endpoint, the counters table, a tenant, a number of adds, a name and the adds' time, it sends
// the adds (all at once) through its own SDK client and exits 0 when every one was stored. Two
// of these racing on one embedded store show that counters lose no add between instances.
//
//   node --import tsx test/support/spend-adder.ts <endpoint> <table> <tenant> <adds> <name> <ISO time>
import { noSpend } from '../../app/src/budgets/spend-records.js';
import { createDynamo } from '../../app/src/storage/dynamo.js';
import { createUsageCounters } from '../../app/src/storage/usage-counters.js';

/** What each add of a racing process counts: one call of 1,000,001 nanodollars and a few tokens. */
export const racedSpend = {
  ...noSpend,
  costNanos: 1_000_001,
  inputTokens: 7,
  outputTokens: 3,
  calls: 1,
  turns: 1,
};

async function main(): Promise<void> {
  const [endpoint, table, tenantId, count, name, time] = process.argv.slice(2);
  if (!endpoint || !table || !tenantId || !count || !name || !time) {
    throw new Error('usage: spend-adder.ts <endpoint> <table> <tenant> <adds> <name> <ISO time>');
  }
  const dynamo = createDynamo({ region: 'us-east-1', endpoint, localCredentials: true });
  const counters = createUsageCounters(dynamo, table);
  const at = new Date(time);
  await Promise.all(
    Array.from({ length: Number(count) }, (_, i) =>
      counters.add({
        id: `${name}-${i}`,
        at,
        tenantId,
        userId: `${name}-user-${i % 3}`,
        subject: 'coaching/core_values',
        model: 'us.anthropic.claude-sonnet-4-6',
        spend: racedSpend,
      }),
    ),
  );
  dynamo.client.destroy();
}

if (process.argv[1]?.endsWith('spend-adder.ts')) {
  main().catch((error: unknown) => {
    process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  });
}

// Child-process entry: builds one stack under mocks and prints its whole plan as JSON.
// Usage: print-plan.ts <stack> [config overrides as JSON]
import { planStack } from '../../scripts/plan';

// `mocha test/infra` loads every file below it; only a direct run builds a stack.
if (require.main === module) {
  const [stack = '', overrides = '{}'] = process.argv.slice(2);
  planStack({ stack, overrides: JSON.parse(overrides) as Record<string, unknown> }).then(
    (plan) => process.stdout.write(JSON.stringify(plan)),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exit(1);
    },
  );
}

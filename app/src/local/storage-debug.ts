// At LOG_LEVEL=DEBUG the local server says what each request asked of the store: one line a
// DynamoDB command, with its table, outcome and time.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Logger } from '../observability/logger.js';

interface CommandInput {
  readonly TableName?: string;
  readonly RequestItems?: Record<string, unknown>;
}

export function logStorageCalls(client: DynamoDBClient, logger: Logger): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as CommandInput;
      const started = performance.now();
      let outcome = 'ok';
      try {
        return await next(args);
      } catch (error) {
        outcome = (error as Error).name;
        throw error;
      } finally {
        logger.debug({
          event: 'dynamodb',
          command: (context.commandName ?? '').replace(/Command$/, ''),
          table: input.TableName ?? Object.keys(input.RequestItems ?? {}).join(','),
          outcome,
          duration_ms: Math.round((performance.now() - started) * 10) / 10,
        });
      }
    },
    { step: 'initialize', name: 'localStorageDebugLog' },
  );
}

// DynamoDB reads as DynamoDB bills them: SDK middleware on a client that asks every Query and
// GetItem for its consumed capacity and adds it up, so a test or a benchmark can say what a
// route costs in read capacity units (the embedded store computes them as DynamoDB documents).
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';

export interface CapacityMeter {
  /** Read capacity units and read calls since the last reset. */
  readonly reads: { units: number; calls: number };
  reset(): void;
}

const readCommands = new Set(['QueryCommand', 'GetItemCommand', 'BatchGetItemCommand']);

export function meterReads(client: DynamoDBClient): CapacityMeter {
  const reads = { units: 0, calls: 0 };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (!readCommands.has(context.commandName ?? '')) return next(args);
      const input = args.input as Record<string, unknown>;
      const result = await next({ ...args, input: { ...input, ReturnConsumedCapacity: 'TOTAL' } });
      const consumed = (result.output as { ConsumedCapacity?: unknown }).ConsumedCapacity;
      for (const entry of Array.isArray(consumed) ? consumed : [consumed]) {
        reads.units += (entry as { CapacityUnits?: number } | undefined)?.CapacityUnits ?? 0;
      }
      reads.calls++;
      return result;
    },
    { step: 'initialize', name: 'readCapacityMeter', override: true },
  );
  return {
    reads,
    reset() {
      reads.units = 0;
      reads.calls = 0;
    },
  };
}

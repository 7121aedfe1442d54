// One-shot interceptors on a test's DynamoDB client, to put a race or a failure exactly where a
// test needs it without sleeping: hold the next matching command until the test lets it go (or
// fails it), so another request can land in between.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';

/** Which command to catch: its name (`PutItemCommand`, also for the document client's `PutCommand`) and its input. */
export type CommandMatch = (commandName: string, input: Record<string, unknown>) => boolean;

export interface HeldCommand {
  /** Resolves once a matching command was sent (and is being held). */
  readonly reached: Promise<void>;
  /** Lets the held command go on to the store. */
  release(): void;
  /** Fails the held command with this error instead of sending it. */
  fail(error: Error): void;
}

export interface DynamoHooks {
  hold(match: CommandMatch): HeldCommand;
}

interface Waiting {
  readonly match: CommandMatch;
  readonly arrived: () => void;
  readonly outcome: Promise<Error | undefined>;
}

export function installDynamoHooks(client: DynamoDBClient): DynamoHooks {
  const waiting: Waiting[] = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as Record<string, unknown>;
      const index = waiting.findIndex((w) => w.match(context.commandName ?? '', input));
      if (index >= 0) {
        const [hook] = waiting.splice(index, 1);
        hook!.arrived();
        const error = await hook!.outcome;
        if (error) throw error;
      }
      return next(args);
    },
    { step: 'initialize', name: 'testDynamoHooks', override: true },
  );
  return {
    hold(match) {
      let arrived!: () => void;
      let settle!: (error: Error | undefined) => void;
      const reached = new Promise<void>((resolve) => (arrived = resolve));
      const outcome = new Promise<Error | undefined>((resolve) => (settle = resolve));
      waiting.push({ match, arrived, outcome });
      return { reached, release: () => settle(undefined), fail: (error) => settle(error) };
    },
  };
}

/** Matches a command by name whose input names `table`. */
export function on(commandName: string, table: string, also?: CommandMatch): CommandMatch {
  return (name, input) =>
    name === commandName && input.TableName === table && (also?.(name, input) ?? true);
}

/** A worker's claim of its job (queued → running), to hold a job while it waits for its worker. */
export const jobClaim: CommandMatch = (name, input) =>
  name === 'UpdateItemCommand' && String(input.UpdateExpression).includes('#status = :running');

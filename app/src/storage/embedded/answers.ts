// The errors the embedded store answers beside dynalite's own, in the shape dynalite's errors
// have (status and body), with the body DynamoDB sends, so the SDK parses each into its
// exception class with its fields (`CancellationReasons`, `Item`).
import type { DynaliteError, Item } from './dynalite-parts.js';

const namespace = 'com.amazonaws.dynamodb.v20120810#';

/** One entry of a TransactionCanceledException's `CancellationReasons`, in action order. */
export interface CancellationReason {
  readonly Code: string;
  readonly Message?: string;
  readonly Item?: Item;
}

export function dynamoError(type: string, body: Record<string, unknown>): DynaliteError {
  const message = String(body.Message ?? body.message ?? type);
  return Object.assign(new Error(message), {
    statusCode: 400,
    body: { __type: namespace + type, ...body },
  });
}

/** The type an error of dynalite's answers with (`ConditionalCheckFailedException`, …). */
export function errorType(error: DynaliteError): string {
  return error.body?.__type.split('#')[1] ?? '';
}

export function transactionCanceled(reasons: readonly CancellationReason[]): DynaliteError {
  return dynamoError('TransactionCanceledException', {
    Message:
      'Transaction cancelled, please refer cancellation reasons for specific reasons ' +
      `[${reasons.map((reason) => reason.Code).join(', ')}]`,
    CancellationReasons: reasons,
  });
}

/** The reason an action of a transaction gives for its refusal, or `None`. */
export function cancellationReason(
  error: DynaliteError | undefined,
  item: Item | undefined,
): CancellationReason {
  if (!error) return { Code: 'None' };
  const message = error.body?.message ?? error.message;
  switch (errorType(error)) {
    case 'ConditionalCheckFailedException':
      return { Code: 'ConditionalCheckFailed', Message: message, ...(item ? { Item: item } : {}) };
    case 'ValidationException':
      return { Code: 'ValidationError', Message: message };
    default:
      throw error;
  }
}

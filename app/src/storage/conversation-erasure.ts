// Erasing a conversation (the user's right), in an order that leaves nothing behind whatever is
// in flight and wherever it stops. First the conversation item is marked `erasing` and stripped
// of every text it holds: from then on it reads as gone, and its conditional writes refuse any
// turn or status change. Then every turn item, and the key the next turn would write, is
// replaced by a tombstone that carries a fence higher than any lease handed out before, so a
// turn still in flight can neither commit nor write its item after it; tombstones hold no text
// and expire by TTL. Then the conversation's jobs give up the text they hold (job-erasure.ts).
// The item itself goes last. Cut short, the erasure is resumed by the next
// DELETE, which finds the marked item.
import {
  BatchWriteCommand,
  DeleteCommand,
  QueryCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import type { ConversationRepository } from '../coaching/conversation-records.js';
import { ServiceUnavailableError } from '../errors.js';
import { storableKey } from './conversation-items.js';
import { isConditionFailure, storageCall } from './dynamo.js';
import { asNumber, asString } from './item-values.js';
import { eraseConversationJobs } from './job-erasure.js';
import { tables } from './tables.js';

/** The status of a conversation item whose erasure has begun; never shown to a client. */
export const ERASING = 'erasing';

/** How long a tombstone outlives the erasure: far longer than any turn's lease. */
const TOMBSTONE_SECONDS = 24 * 60 * 60;

/** The attributes that hold the user's words or data (the original service's included). */
const textAttributes = [
  'recent_messages',
  'initial_context_json',
  'initial_context',
  'insights',
  'identified_values',
  'metadata',
  'idempotency',
  'lease_id',
  'lease_expires_at',
  '#messages',
  '#context',
];

const TTL = tables.messages.ttlAttribute ?? 'expire_at';

export type ConversationErasure = Pick<ConversationRepository, 'beginErasure' | 'completeErasure'>;

export function createConversationErasure(
  doc: DynamoDBDocumentClient,
  names: { readonly conversations: string; readonly messages: string; readonly jobs: string },
): ConversationErasure {
  async function turnNumbers(conversationId: string): Promise<number[]> {
    const turns: number[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await storageCall(() =>
        doc.send(
          new QueryCommand({
            TableName: names.messages,
            KeyConditionExpression: 'conversation_id = :c',
            ExpressionAttributeValues: { ':c': conversationId },
            ProjectionExpression: 'turn',
            ExclusiveStartKey: start,
          }),
        ),
      );
      turns.push(...(page.Items ?? []).map((item) => asNumber(item.turn)));
      start = page.LastEvaluatedKey;
    } while (start);
    return turns;
  }

  async function putAll(items: Record<string, unknown>[]): Promise<void> {
    for (let i = 0; i < items.length; i += 25) {
      let requests = items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } }));
      for (let attempt = 0; requests.length > 0 && attempt < 5; attempt++) {
        const result = await storageCall(() =>
          doc.send(new BatchWriteCommand({ RequestItems: { [names.messages]: requests } })),
        );
        requests = (result.UnprocessedItems?.[names.messages] ?? []) as typeof requests;
      }
      // Answered as unavailable, so the client's retry resumes the erasure.
      if (requests.length > 0) throw new ServiceUnavailableError('dynamodb', 2, 'throttled');
    }
  }

  return {
    async beginErasure(conversationId, owner) {
      if (!storableKey(conversationId)) return undefined;
      try {
        const result = await storageCall(() =>
          doc.send(
            new UpdateCommand({
              TableName: names.conversations,
              Key: { conversation_id: conversationId },
              UpdateExpression: `SET #status = :erasing ADD lease_seq :one REMOVE ${textAttributes.join(', ')}`,
              ConditionExpression: 'user_id = :u AND tenant_id = :t',
              ExpressionAttributeNames: {
                '#status': 'status',
                '#messages': 'messages',
                '#context': 'context',
              },
              ExpressionAttributeValues: {
                ':erasing': ERASING,
                ':one': 1,
                ':u': owner.userId,
                ':t': owner.tenantId,
              },
              ReturnValues: 'ALL_NEW',
            }),
          ),
        );
        const item = result.Attributes ?? {};
        return {
          conversationId,
          topic: asString(item.topic),
          sessionId: typeof item.session_id === 'string' ? item.session_id : undefined,
          turnCount: asNumber(item.turn_count),
          fence: asNumber(item.lease_seq),
        };
      } catch (error) {
        if (isConditionFailure(error)) return undefined;
        throw error;
      }
    },

    async completeErasure(erasure, at) {
      const turns = new Set(await turnNumbers(erasure.conversationId));
      // The key the turn in flight (if any) would write, so it finds a tombstone there too.
      turns.add(erasure.turnCount + 1);
      const expires = Math.floor(new Date(at).getTime() / 1000) + TOMBSTONE_SECONDS;
      await putAll(
        [...turns].map((turn) => ({
          conversation_id: erasure.conversationId,
          turn,
          lease_seq: erasure.fence,
          erased_at: at,
          [TTL]: expires,
        })),
      );
      // Before the item goes, so an erasure cut short here is finished by the next DELETE.
      await eraseConversationJobs(doc, names.jobs, erasure.conversationId, at);
      await storageCall(() =>
        doc.send(
          new DeleteCommand({
            TableName: names.conversations,
            Key: { conversation_id: erasure.conversationId },
            ConditionExpression: '#status = :erasing',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ':erasing': ERASING },
          }),
        ),
      ).catch((error: unknown) => {
        // Already gone: a concurrent DELETE finished first.
        if (!isConditionFailure(error)) throw error;
      });
    },
  };
}

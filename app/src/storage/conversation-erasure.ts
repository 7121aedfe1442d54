// Erasing a conversation (the user's right), in an order that leaves nothing behind whatever is
// in flight and wherever it stops. First the conversation item is marked `erasing` and stripped
// of every text it holds: from then on it reads as gone, and its conditional writes refuse any
// turn or status change. Then every item of the messages table (turns, with the feedback on their
// answers, and the items keeping feedback on the original format's inline answers), and the key
// the next turn would write, is replaced by a tombstone that carries a fence higher than any
// lease handed out before, so a turn still in flight can neither commit nor write its item after
// it, and feedback still in flight finds no answer to rate; tombstones hold no text and expire
// by TTL. The item itself goes last (after the conversation's jobs, which the use
// case erases between the two). Cut short, the erasure is resumed by the next DELETE, which
// finds the marked item.
import {
  DeleteCommand,
  PutCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import type { ConversationRepository } from '../coaching/conversation-records.js';
import { LEASE_ATTRIBUTES, storableKey } from './conversation-items.js';
import { ifCondition, queryAll, storageCall, writeInBatches } from './dynamo.js';
import { asNumber, asString } from './item-values.js';
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
  ...LEASE_ATTRIBUTES,
  '#messages',
  '#context',
];

const TTL = tables.messages.ttlAttribute ?? 'expire_at';

export type ConversationErasure = Pick<ConversationRepository, 'beginErasure' | 'completeErasure'>;

export function createConversationErasure(
  doc: DynamoDBDocumentClient,
  names: { readonly conversations: string; readonly messages: string },
): ConversationErasure {
  async function turnNumbers(conversationId: string): Promise<number[]> {
    const items = await queryAll(doc, {
      TableName: names.messages,
      KeyConditionExpression: 'conversation_id = :c',
      ExpressionAttributeValues: { ':c': conversationId },
      ProjectionExpression: 'turn',
    });
    return items.map((item) => asNumber(item.turn));
  }

  return {
    async beginErasure(conversationId, owner) {
      if (!storableKey(conversationId)) return undefined;
      // Not the owner's (or no such conversation): nothing to erase.
      const result = await ifCondition(() =>
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
      if (!result) return undefined;
      const item = result.Attributes ?? {};
      return {
        conversationId,
        topic: asString(item.topic),
        sessionId: typeof item.session_id === 'string' ? item.session_id : undefined,
        turnCount: asNumber(item.turn_count),
        fence: asNumber(item.lease_seq),
      };
    },

    async completeErasure(erasure, at) {
      const expires = Math.floor(new Date(at).getTime() / 1000) + TOMBSTONE_SECONDS;
      const tombstone = (turn: number) => ({
        conversation_id: erasure.conversationId,
        turn,
        lease_seq: erasure.fence,
        erased_at: at,
        [TTL]: expires,
      });
      // Turn 0's tombstone first: feedback on an original-format inline answer is written only
      // while it is absent (message-feedback.ts), so none lands after the keys are listed.
      await storageCall(() =>
        doc.send(new PutCommand({ TableName: names.messages, Item: tombstone(0) })),
      );
      const turns = new Set(await turnNumbers(erasure.conversationId));
      // The key the turn in flight (if any) would write, so it finds a tombstone there too.
      turns.add(erasure.turnCount + 1);
      turns.delete(0);
      await writeInBatches(
        doc,
        names.messages,
        [...turns].map((turn) => ({ PutRequest: { Item: tombstone(turn) } })),
      );
      // Already gone when a concurrent DELETE finished first.
      await ifCondition(() =>
        doc.send(
          new DeleteCommand({
            TableName: names.conversations,
            Key: { conversation_id: erasure.conversationId },
            ConditionExpression: '#status = :erasing',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ':erasing': ERASING },
          }),
        ),
      );
    },
  };
}

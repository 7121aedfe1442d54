// Conversations in DynamoDB: one item per conversation (state, counters, the recent-message
// window, idempotency keys, the turn lease) and one item per committed turn in the messages
// table. The item mapping (conversation-items.ts, with original-items.ts for the original
// service's format), the list (conversation-list.ts) and a turn's writes (conversation-turns.ts)
// each have a file; this one puts them together with create, read, status and delete.
import {
  BatchWriteCommand,
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import type {
  ConversationRepository,
  StoredConversation,
} from '../coaching/conversation-records.js';
import {
  fromItem,
  newConversationItem,
  storableKey,
  windowHoldsMetadata,
} from './conversation-items.js';
import { queryConversationPage } from './conversation-list.js';
import { createTurnWrites } from './conversation-turns.js';
import { isConditionFailure, storageCall, type Dynamo } from './dynamo.js';
import { messageItem, messageOf, type Item } from './item-values.js';

export function createConversationRepository(
  dynamo: Dynamo,
  tableNames: { conversations: string; messages: string },
): ConversationRepository {
  const { doc } = dynamo;
  const conversations = tableNames.conversations;
  const messagesTable = tableNames.messages;

  async function getItem(conversationId: string): Promise<StoredConversation | undefined> {
    if (!storableKey(conversationId)) return undefined;
    const result = await storageCall(() =>
      doc.send(
        new GetCommand({
          TableName: conversations,
          Key: { conversation_id: conversationId },
          ConsistentRead: true,
        }),
      ),
    );
    return result.Item ? fromItem(result.Item) : undefined;
  }

  async function queryAll(input: QueryCommandInput): Promise<Item[]> {
    const items: Item[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await storageCall(() =>
        doc.send(new QueryCommand({ ...input, ExclusiveStartKey: start })),
      );
      items.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start);
    return items;
  }

  return {
    async create(conversation, opening) {
      // The opening message first: until the conversation item exists, the turn is invisible.
      const openingKey = { conversation_id: conversation.conversationId, turn: 0 };
      await storageCall(() =>
        doc.send(
          new PutCommand({
            TableName: messagesTable,
            Item: {
              ...openingKey,
              messages: [messageItem(opening)],
              created_at: opening.timestamp,
            },
          }),
        ),
      );
      try {
        await storageCall(() =>
          doc.send(
            new PutCommand({
              TableName: conversations,
              Item: newConversationItem(conversation),
              ConditionExpression: 'attribute_not_exists(conversation_id)',
            }),
          ),
        );
      } catch (error) {
        // A conversation that was not created leaves no opening turn behind.
        await doc
          .send(new DeleteCommand({ TableName: messagesTable, Key: openingKey }))
          .catch(() => undefined);
        throw error;
      }
    },

    get: getItem,

    async messages(conversation) {
      // A short conversation lies wholly in the item's recent window: no turn item to read.
      if (
        conversation.inlineMessages.length === 0 &&
        conversation.recentMessages.length === conversation.messageCount &&
        windowHoldsMetadata(conversation.recentMessages)
      ) {
        return [...conversation.recentMessages];
      }
      const turns = await queryAll({
        TableName: messagesTable,
        KeyConditionExpression: 'conversation_id = :c AND turn <= :n',
        ExpressionAttributeValues: {
          ':c': conversation.conversationId,
          ':n': conversation.turnCount,
        },
        ProjectionExpression: '#messages',
        ExpressionAttributeNames: { '#messages': 'messages' },
      });
      return [
        ...conversation.inlineMessages,
        ...turns.flatMap((t) => (Array.isArray(t.messages) ? t.messages.map(messageOf) : [])),
      ];
    },

    list: (query) => queryConversationPage(doc, conversations, query),

    ...createTurnWrites(doc, tableNames, getItem),

    async updateStatus(conversationId, from, to, changes) {
      try {
        await storageCall(() =>
          doc.send(
            new UpdateCommand({
              TableName: conversations,
              Key: { conversation_id: conversationId },
              UpdateExpression:
                'SET #status = :to, updated_at = :updated, metadata = :metadata' +
                (changes.completedAt ? ', completed_at = :completed' : ''),
              ConditionExpression: '#status = :from',
              ExpressionAttributeNames: { '#status': 'status' },
              ExpressionAttributeValues: {
                ':to': to,
                ':from': from,
                ':updated': changes.updatedAt,
                ':metadata': changes.metadata,
                ...(changes.completedAt ? { ':completed': changes.completedAt } : {}),
              },
            }),
          ),
        );
        return true;
      } catch (error) {
        if (isConditionFailure(error)) return false;
        throw error;
      }
    },

    async delete(conversationId) {
      // The conversation item goes first: once it is gone, no turn item is reachable.
      await storageCall(() =>
        doc.send(
          new DeleteCommand({ TableName: conversations, Key: { conversation_id: conversationId } }),
        ),
      );
      const keys = await queryAll({
        TableName: messagesTable,
        KeyConditionExpression: 'conversation_id = :c',
        ExpressionAttributeValues: { ':c': conversationId },
        ProjectionExpression: 'conversation_id, turn',
      });
      for (let i = 0; i < keys.length; i += 25) {
        let requests = keys.slice(i, i + 25).map((key) => ({ DeleteRequest: { Key: key } }));
        for (let attempt = 0; requests.length > 0 && attempt < 5; attempt++) {
          const result = await storageCall(() =>
            doc.send(new BatchWriteCommand({ RequestItems: { [messagesTable]: requests } })),
          );
          requests = (result.UnprocessedItems?.[messagesTable] ?? []) as typeof requests;
        }
      }
    },
  };
}

// Conversations in DynamoDB: one item per conversation (state, counters, the recent-message
// window, idempotency keys, the turn lease) and one item per committed turn in the messages
// table. The item mapping (conversation-items.ts, with original-items.ts for the original
// service's format), the list (conversation-list.ts), a turn's writes (conversation-turns.ts)
// and erasure (conversation-erasure.ts) each have a file; this one puts them together with
// create, read and status changes.
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type {
  ConversationRepository,
  StoredConversation,
} from '../coaching/conversation-records.js';
import type { SessionRepository } from '../coaching/session-records.js';
import { fromItem, newConversationItem, storableKey } from './conversation-items.js';
import { createConversationErasure, ERASING } from './conversation-erasure.js';
import { batchHistory, fitsOneBatch, queryHistory } from './conversation-history.js';
import { queryConversationPage } from './conversation-list.js';
import { createTurnWrites } from './conversation-turns.js';
import { ifCondition, storageCall, type Dynamo } from './dynamo.js';
import { messageItem } from './item-values.js';

export function createConversationRepository(
  dynamo: Dynamo,
  tableNames: { conversations: string; messages: string; coachingSessions: string },
  /** The sessions' own read, for a history that needs no turn item or is past one batch. */
  sessions: Pick<SessionRepository, 'get'>,
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
    // A conversation whose erasure has begun is gone to every reader.
    return result.Item && result.Item.status !== ERASING ? fromItem(result.Item) : undefined;
  }

  const repository: ConversationRepository = {
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

    async history(conversation) {
      const sessionId = conversation.sessionId;
      // The usage summary is the client's extra: a session that cannot be read leaves it out.
      const session = () =>
        sessionId ? sessions.get(sessionId).catch(() => undefined) : Promise.resolve(undefined);
      if (!sessionId || !fitsOneBatch(conversation)) {
        const [messages, found] = await Promise.all([
          queryHistory(doc, messagesTable, conversation),
          session(),
        ]);
        return { messages, session: found };
      }
      try {
        return await batchHistory(doc, tableNames, { ...conversation, sessionId });
      } catch {
        // The batch also failed for the session's sake, perhaps: the history alone, as above.
        return { messages: await queryHistory(doc, messagesTable, conversation) };
      }
    },

    list: (query) => queryConversationPage(doc, conversations, query),

    ...createTurnWrites(doc, tableNames, getItem),

    async updateStatus(seen, to, changes) {
      const changed = await ifCondition(() =>
        doc.send(
          new UpdateCommand({
            TableName: conversations,
            Key: { conversation_id: seen.conversationId },
            UpdateExpression:
              'SET #status = :to, updated_at = :updated, metadata = :metadata' +
              (changes.completedAt ? ', completed_at = :completed' : ''),
            // No turn committed since `seen`, so completed_at follows every message.
            ConditionExpression:
              '#status = :from AND (attribute_not_exists(turn_count) OR turn_count = :turns)',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: {
              ':to': to,
              ':from': seen.status,
              ':turns': seen.turnCount,
              ':updated': changes.updatedAt,
              ':metadata': changes.metadata,
              ...(changes.completedAt ? { ':completed': changes.completedAt } : {}),
            },
          }),
        ),
      );
      return changed !== undefined;
    },

    ...createConversationErasure(doc, tableNames),
  };
  return repository;
}

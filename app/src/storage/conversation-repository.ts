// Conversations in DynamoDB: one item per conversation (state, counters, the recent-message
// window, idempotency keys, the turn lease) and one item per committed turn in the messages
// table. The item mapping (conversation-items.ts, the original service's format too), the
// list (conversation-list.ts), a turn's writes (conversation-turns.ts)
// and erasure (conversation-erasure.ts) each have a file; this one puts them together with
// create, read and status changes.
import { randomUUID } from 'node:crypto';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type {
  ConversationRepository,
  StoredConversation,
} from '../coaching/conversation-records.js';
import type { SessionRepository } from '../coaching/session-records.js';
import { ServiceUnavailableError, UnresolvedWriteError } from '../errors.js';
import { fromItem, newConversationItem, storableKey } from './conversation-items.js';
import { createConversationErasure, ERASING } from './conversation-erasure.js';
import { batchHistory, fitsOneBatch, queryHistory } from './conversation-history.js';
import { queryConversationPage } from './conversation-list.js';
import { createTurnWrites } from './conversation-turns.js';
import { ownWrite, requestToken, storageCall, transactOnce, type Dynamo } from './dynamo.js';
import { messageItem } from './item-values.js';
import { newSessionPut } from './session-repository.js';
import type { TableId } from './tables.js';

export function createConversationRepository(
  dynamo: Dynamo,
  tableNames: Pick<
    Readonly<Record<TableId, string>>,
    'conversations' | 'messages' | 'coachingSessions' | 'usageCounters' | 'jobs'
  >,
  /** The sessions' own read, for a history that needs no turn item or is past one batch. */
  sessions: Pick<SessionRepository, 'get'>,
): ConversationRepository {
  const { doc } = dynamo;
  const conversations = tableNames.conversations;
  const messagesTable = tableNames.messages;

  const readItem = async (conversationId: string) =>
    (
      await storageCall(() =>
        doc.send(
          new GetCommand({
            TableName: conversations,
            Key: { conversation_id: conversationId },
            ConsistentRead: true,
          }),
        ),
      )
    ).Item;

  async function getItem(conversationId: string): Promise<StoredConversation | undefined> {
    if (!storableKey(conversationId)) return undefined;
    const item = await readItem(conversationId);
    // A conversation whose erasure has begun is gone to every reader.
    return item && item.status !== ERASING ? fromItem(item) : undefined;
  }

  const repository: ConversationRepository = {
    async create(conversation, opening, session) {
      const id = conversation.conversationId;
      // All three or none, under a token of the new conversation's: however often it is sent,
      // one conversation, one opening message, one session.
      const items = [
        newSessionPut(tableNames.coachingSessions, session),
        {
          Put: {
            TableName: messagesTable,
            Item: {
              conversation_id: id,
              turn: 0,
              messages: [messageItem(opening)],
              created_at: opening.timestamp,
            },
            ConditionExpression: 'attribute_not_exists(turn)',
          },
        },
        {
          Put: {
            TableName: conversations,
            Item: newConversationItem(conversation),
            ConditionExpression: 'attribute_not_exists(conversation_id)',
          },
        },
      ];
      try {
        const outcome = await transactOnce(doc, items, requestToken('initiate', id));
        if (outcome !== 'written') throw new Error(`the new conversation ${id} was refused`);
      } catch (error) {
        if (!(error instanceof ServiceUnavailableError)) throw error;
        // Every answer lost: the conversation item says whether the three landed.
        const found = await readItem(id).catch((reading: Error) => {
          throw new UnresolvedWriteError('initiate', reading.message);
        });
        if (!found) throw error;
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

    ...createTurnWrites(doc, tableNames, readItem),

    async updateStatus(seen, to, changes) {
      // The change's own id: a change whose answer was lost, refused on its own retry, is known.
      const changeId = randomUUID();
      const { written } = await ownWrite(
        () =>
          doc.send(
            new UpdateCommand({
              TableName: conversations,
              Key: { conversation_id: seen.conversationId },
              UpdateExpression:
                'SET #status = :to, updated_at = :updated, metadata = :metadata, status_change = :change' +
                (changes.completedAt ? ', completed_at = :completed' : ''),
              // No turn committed since `seen` (a regenerate's commit moves only commit_seq), so
              // completed_at follows every message.
              ConditionExpression:
                '#status = :from AND (attribute_not_exists(turn_count) OR turn_count = :turns)' +
                ' AND (attribute_not_exists(commit_seq) OR commit_seq = :commits)',
              ExpressionAttributeNames: { '#status': 'status' },
              ExpressionAttributeValues: {
                ':to': to,
                ':from': seen.status,
                ':turns': seen.turnCount,
                ':commits': seen.commits,
                ':updated': changes.updatedAt,
                ':metadata': changes.metadata,
                ':change': changeId,
                ...(changes.completedAt ? { ':completed': changes.completedAt } : {}),
              },
              ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
            }),
          ),
        (item) => item.status_change === changeId,
        () => readItem(seen.conversationId),
      );
      return written;
    },

    ...createConversationErasure(doc, tableNames),
  };
  return repository;
}

// A conversation's whole history, each answer with the feedback given on it, and its run's
// session, read in one round trip: a BatchGetItem of the history's items by key together with
// the session item. The keys are known from the conversation item: turn 0 (the opening) through
// the committed count (items beyond it are never asked for) and, for the original service's
// format, the items that keep feedback on its inline answers. Feedback lives on those items, so
// the history is always read from them, never from the conversation item's recent window. A
// history too long for one batch is queried, the session read beside it.
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { StoredConversation } from '../coaching/conversation-records.js';
import type { Feedback, HistoryMessage } from '../coaching/feedback-records.js';
import type { CoachingSession } from '../coaching/session-records.js';
import { batchGetAll, queryAll } from './dynamo.js';
import { feedbackOf, inlineFeedbackTurn } from './feedback-items.js';
import { messageOf, type Item } from './item-values.js';
import { sessionFromItem } from './session-repository.js';

/** BatchGetItem's own limit on keys a call. */
const KEYS_PER_BATCH = 100;

export interface HistoryTables {
  readonly messages: string;
  readonly coachingSessions: string;
}

export interface History {
  readonly messages: HistoryMessage[];
  readonly session?: CoachingSession;
}

/** The items a history reads: its turns, and those keeping feedback on inline answers. */
function historyKeys(conversation: StoredConversation): number[] {
  const inline = conversation.inlineMessages.flatMap((m, index) =>
    m.role === 'assistant' ? [inlineFeedbackTurn(index)] : [],
  );
  return [...inline, ...Array.from({ length: conversation.turnCount + 1 }, (_, turn) => turn)];
}

/**
 * The inline (original format) messages, then the turn items' in turn order, each answer with
 * the feedback whose message id is its own.
 */
function historyOf(conversation: StoredConversation, items: readonly Item[]): HistoryMessage[] {
  const feedback = new Map<string, Feedback>();
  for (const item of items) {
    const given = feedbackOf(item);
    if (given) feedback.set(given.messageId, given.feedback);
  }
  const turns = items
    .map((item) => ({ turn: Number(item.turn), messages: item.messages }))
    .filter((t) => t.turn >= 0 && Array.isArray(t.messages))
    .sort((a, b) => a.turn - b.turn);
  const messages = [
    ...conversation.inlineMessages,
    ...turns.flatMap(({ turn, messages }) =>
      (messages as unknown[]).map((raw, slot) =>
        messageOf(raw, { kind: 'turn', turn, slot: slot === 0 ? 0 : 1 }),
      ),
    ),
  ];
  return messages.map((m) => ({
    ...m,
    feedback: m.role === 'assistant' ? (feedback.get(m.messageId) ?? null) : null,
  }));
}

/** Whether the history's items and the session fit one BatchGetItem. */
export const fitsOneBatch = (conversation: StoredConversation) =>
  historyKeys(conversation).length + 1 <= KEYS_PER_BATCH;

const projection = {
  ProjectionExpression: '#turn, #messages, #feedback',
  ExpressionAttributeNames: { '#turn': 'turn', '#messages': 'messages', '#feedback': 'feedback' },
};

/** The history's items and the session, in one BatchGetItem. */
export async function batchHistory(
  doc: DynamoDBDocumentClient,
  tables: HistoryTables,
  conversation: StoredConversation & { readonly sessionId: string },
): Promise<History> {
  const found = await batchGetAll(doc, {
    [tables.messages]: {
      Keys: historyKeys(conversation).map((turn) => ({
        conversation_id: conversation.conversationId,
        turn,
      })),
      ConsistentRead: true,
      ...projection,
    },
    [tables.coachingSessions]: {
      Keys: [{ session_id: conversation.sessionId }],
      ConsistentRead: true,
    },
  });
  const session = found[tables.coachingSessions]?.[0];
  return {
    messages: historyOf(conversation, found[tables.messages] ?? []),
    session: session ? sessionFromItem(session) : undefined,
  };
}

/** The history's items by a query: every key from the first to the committed count. */
export async function queryHistory(
  doc: DynamoDBDocumentClient,
  messagesTable: string,
  conversation: StoredConversation,
): Promise<HistoryMessage[]> {
  const items = await queryAll(doc, {
    TableName: messagesTable,
    KeyConditionExpression: 'conversation_id = :c AND turn BETWEEN :first AND :n',
    ExpressionAttributeValues: {
      ':c': conversation.conversationId,
      ':first': Math.min(...historyKeys(conversation)),
      ':n': conversation.turnCount,
    },
    ConsistentRead: true,
    ...projection,
  });
  return historyOf(conversation, items);
}

// A conversation's whole history and its run's session, read in one round trip of at most one
// call when the history needs turn items: a BatchGetItem of the turn items by key (turn 0, the
// opening, through the committed count; items beyond it are never asked for) together with the
// session item. The turn numbers are known from the conversation item, so no Query is needed.
// A history too long for one batch is queried, the session read beside it.
import { BatchGetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { StoredConversation } from '../coaching/conversation-records.js';
import type { Message } from '../coaching/conversation-entity.js';
import type { CoachingSession } from '../coaching/session-records.js';
import { storageCall } from './dynamo.js';
import { messageOf, type Item } from './item-values.js';
import { sessionFromItem } from './session-repository.js';

/** BatchGetItem's own limit on keys a call. */
const KEYS_PER_BATCH = 100;
/** Rounds for keys left unprocessed, each after a longer pause, before the read fails. */
const UNPROCESSED_ROUNDS = 5;

export interface HistoryTables {
  readonly messages: string;
  readonly coachingSessions: string;
}

export interface History {
  readonly messages: Message[];
  readonly session?: CoachingSession;
}

/** Turn items' messages, in turn order, after the inline (original format) ones. */
export function historyOf(conversation: StoredConversation, turns: readonly Item[]): Message[] {
  const ordered = [...turns].sort((a, b) => Number(a.turn) - Number(b.turn));
  return [
    ...conversation.inlineMessages,
    ...ordered.flatMap((t) => (Array.isArray(t.messages) ? t.messages.map(messageOf) : [])),
  ];
}

/** Whether the turn items and the session fit one BatchGetItem. */
export const fitsOneBatch = (conversation: StoredConversation) =>
  conversation.turnCount + 2 <= KEYS_PER_BATCH;

/**
 * Reads turns 0..turnCount and the session in one BatchGetItem (plus a call for any keys
 * DynamoDB leaves unprocessed, which it does only past 16 MB or under throttling).
 */
export async function batchHistory(
  doc: DynamoDBDocumentClient,
  tables: HistoryTables,
  conversation: StoredConversation & { readonly sessionId: string },
): Promise<History> {
  const turnKeys = Array.from({ length: conversation.turnCount + 1 }, (_, turn) => ({
    conversation_id: conversation.conversationId,
    turn,
  }));
  let request: Record<string, { Keys: Item[]; ConsistentRead: boolean; [k: string]: unknown }> = {
    [tables.messages]: {
      Keys: turnKeys,
      ConsistentRead: true,
      ProjectionExpression: '#turn, #messages',
      ExpressionAttributeNames: { '#turn': 'turn', '#messages': 'messages' },
    },
    [tables.coachingSessions]: {
      Keys: [{ session_id: conversation.sessionId }],
      ConsistentRead: true,
    },
  };
  const turns: Item[] = [];
  let session: Item | undefined;
  for (let round = 1; ; round++) {
    const result = await storageCall(() =>
      doc.send(new BatchGetCommand({ RequestItems: request })),
    );
    turns.push(...(result.Responses?.[tables.messages] ?? []));
    session ??= result.Responses?.[tables.coachingSessions]?.[0];
    const unprocessed = result.UnprocessedKeys ?? {};
    if (Object.keys(unprocessed).length === 0) break;
    if (round === UNPROCESSED_ROUNDS) throw new Error('BatchGetItem left keys unprocessed');
    await new Promise((resolve) => setTimeout(resolve, 25 * 2 ** round));
    request = unprocessed as typeof request;
  }
  return {
    messages: historyOf(conversation, turns),
    session: session ? sessionFromItem(session) : undefined,
  };
}

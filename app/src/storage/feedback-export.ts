// A tenant's feedback, newest first, for the export: a Query of the sparse index
// `feedback_tenant-feedback_at-index` (only items with feedback are in it, never a Scan), its
// bounds on `feedback_at` in the key condition and the topic and rating as filters, read on
// until the page is full; then one BatchGetItem of the items that hold the rated answers, for
// what the export says of each (its model and prompt version, with `include_text` its text and
// the user's message it answered). An answer its conversation no longer holds (replaced, or
// being erased) is left out. The cursor is this file's own: the position of the page's last
// item, bound to the tenant and opaque to clients.
import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type {
  ExportedFeedback,
  Feedback,
  FeedbackPage,
  FeedbackQuery,
} from '../coaching/feedback-records.js';
import { promptVersionOf } from '../domain/kernel.js';
import { InvalidCursorError } from '../errors.js';
import { batchGetAll, storageCall } from './dynamo.js';
import { feedbackIndex, feedbackOf, inlineFeedbackTurn } from './feedback-items.js';
import { asString, messageOf, type Item } from './item-values.js';

/** BatchGetItem's own limit on keys a call. */
const KEYS_PER_BATCH = 100;

interface Position {
  readonly at: string;
  readonly conversationId: string;
  readonly turn: number;
}

function encodeCursor(tenantId: string, p: Position): string {
  return Buffer.from(JSON.stringify([tenantId, p.at, p.conversationId, p.turn])).toString(
    'base64url',
  );
}

/** The position a cursor names, when this file wrote it for this tenant within the bounds. */
function decodeCursor(query: FeedbackQuery, cursor: string): Position {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursorError();
  }
  if (!Array.isArray(value) || value.length !== 4) throw new InvalidCursorError();
  const [tenant, at, conversationId, turn] = value as unknown[];
  const fits =
    tenant === query.tenantId &&
    typeof at === 'string' &&
    typeof conversationId === 'string' &&
    conversationId !== '' &&
    Number.isSafeInteger(turn) &&
    (query.from === undefined || at >= query.from) &&
    (query.to === undefined || at <= query.to);
  if (!fits) throw new InvalidCursorError();
  return { at, conversationId, turn: turn as number };
}

/** The key condition: the tenant, and the bounds given on when feedback was last given. */
function keyCondition(query: FeedbackQuery) {
  const bounds =
    query.from !== undefined && query.to !== undefined
      ? ' AND #at BETWEEN :from AND :to'
      : query.from !== undefined
        ? ' AND #at >= :from'
        : query.to !== undefined
          ? ' AND #at <= :to'
          : '';
  return {
    expression: `#tenant = :tenant${bounds}`,
    values: {
      ':tenant': query.tenantId,
      ...(query.from === undefined ? {} : { ':from': query.from }),
      ...(query.to === undefined ? {} : { ':to': query.to }),
    },
    names: { '#tenant': 'feedback_tenant', ...(bounds ? { '#at': 'feedback_at' } : {}) },
  };
}

function filter(query: FeedbackQuery) {
  const parts: string[] = [];
  const values: Record<string, string> = {};
  const names: Record<string, string> = {};
  if (query.topic !== undefined) {
    parts.push('#topic = :topic');
    values[':topic'] = query.topic;
    names['#topic'] = 'feedback_topic';
  }
  if (query.rating !== undefined) {
    parts.push('#feedback.#rating = :rating');
    values[':rating'] = query.rating;
    Object.assign(names, { '#feedback': 'feedback', '#rating': 'rating' });
  }
  return parts.length === 0 ? undefined : { expression: parts.join(' AND '), values, names };
}

/** Index items newest first, one more than the page when there are more, so the cursor is exact. */
async function feedbackItems(
  doc: DynamoDBDocumentClient,
  table: string,
  query: FeedbackQuery,
): Promise<Item[]> {
  const key = keyCondition(query);
  const filtered = filter(query);
  const after = query.cursor === undefined ? undefined : decodeCursor(query, query.cursor);
  let start: Item | undefined = after && {
    feedback_tenant: query.tenantId,
    feedback_at: after.at,
    conversation_id: after.conversationId,
    turn: after.turn,
  };
  const found: Item[] = [];
  do {
    const page = await storageCall(() =>
      doc.send(
        new QueryCommand({
          TableName: table,
          IndexName: feedbackIndex.name,
          KeyConditionExpression: key.expression,
          ...(filtered ? { FilterExpression: filtered.expression } : {}),
          ExpressionAttributeNames: { ...key.names, ...filtered?.names },
          ExpressionAttributeValues: { ...key.values, ...filtered?.values },
          ScanIndexForward: false,
          Limit: query.pageSize + 1 - found.length,
          ExclusiveStartKey: start,
        }),
      ),
    );
    found.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start && found.length <= query.pageSize);
  return found;
}

/** The rated answer and the user's message before it, from the item that holds them. */
interface Rated {
  readonly answer: ReturnType<typeof messageOf>;
  readonly userMessage: string | null;
}

/** The messages the rated answers of a page are in, read in batches of 100 keys. */
async function ratedAnswers(
  doc: DynamoDBDocumentClient,
  tables: { readonly messages: string; readonly conversations: string },
  items: readonly Item[],
): Promise<Map<string, Rated>> {
  const keys = [
    ...new Map(
      items.map((item) => {
        const conversationId = asString(item.conversation_id);
        const turn = Number(item.turn);
        // An inline answer is in the conversation item itself.
        return turn < 0
          ? [
              `c ${conversationId}`,
              { table: tables.conversations, key: { conversation_id: conversationId } },
            ]
          : [
              `t ${conversationId} ${turn}`,
              { table: tables.messages, key: { conversation_id: conversationId, turn } },
            ];
      }),
    ).values(),
  ];
  const rated = new Map<string, Rated>();
  for (let i = 0; i < keys.length; i += KEYS_PER_BATCH) {
    const chunk = keys.slice(i, i + KEYS_PER_BATCH);
    const request: Record<string, { Keys: Item[]; ConsistentRead: boolean; [k: string]: unknown }> =
      {};
    for (const { table, key } of chunk) {
      (request[table] ??= {
        Keys: [],
        ConsistentRead: true,
        ProjectionExpression:
          table === tables.messages
            ? 'conversation_id, #turn, #messages'
            : 'conversation_id, #messages',
        ExpressionAttributeNames:
          table === tables.messages
            ? { '#turn': 'turn', '#messages': 'messages' }
            : { '#messages': 'messages' },
      }).Keys.push(key);
    }
    const found = await batchGetAll(doc, request);
    for (const item of found[tables.messages] ?? []) {
      const turn = Number(item.turn);
      const raw = Array.isArray(item.messages) ? (item.messages as unknown[]) : [];
      const slot = turn === 0 ? 0 : 1;
      if (raw[slot] === undefined) continue;
      rated.set(`t ${asString(item.conversation_id)} ${turn}`, {
        answer: messageOf(raw[slot], { kind: 'turn', turn, slot }),
        userMessage: turn === 0 ? null : messageOf(raw[0], { kind: 'turn', turn, slot: 0 }).content,
      });
    }
    for (const item of found[tables.conversations] ?? []) {
      const raw = Array.isArray(item.messages) ? (item.messages as unknown[]) : [];
      raw.forEach((message, index) => {
        const previous =
          index > 0 ? messageOf(raw[index - 1], { kind: 'inline', index: index - 1 }) : undefined;
        rated.set(`i ${asString(item.conversation_id)} ${index}`, {
          answer: messageOf(message, { kind: 'inline', index }),
          userMessage: previous?.role === 'user' ? previous.content : null,
        });
      });
    }
  }
  return rated;
}

/** Where an index item's rated answer is, as ratedAnswers names it. */
function placeOf(item: Item): string {
  const conversationId = asString(item.conversation_id);
  const turn = Number(item.turn);
  if (turn >= 0) return `t ${conversationId} ${turn}`;
  // inlineFeedbackTurn is its own inverse: the turn −1 − index names inline message index.
  return `i ${conversationId} ${inlineFeedbackTurn(turn)}`;
}

/** The model and prompt version an answer's metadata names; null for what it does not. */
const provenance = (metadata: Record<string, unknown>) => ({
  model: typeof metadata.model === 'string' ? metadata.model : null,
  promptVersion: promptVersionOf(metadata.prompt_version),
});

export async function exportFeedback(
  doc: DynamoDBDocumentClient,
  tables: { readonly messages: string; readonly conversations: string },
  query: FeedbackQuery,
): Promise<FeedbackPage> {
  const found = await feedbackItems(doc, tables.messages, query);
  const page = found.slice(0, query.pageSize);
  const last = page.at(-1);
  const rated = await ratedAnswers(doc, tables, page);
  const items: ExportedFeedback[] = page.flatMap((item) => {
    const given: { messageId: string; feedback: Feedback } | undefined = feedbackOf(item);
    const there = rated.get(placeOf(item));
    // Replaced, or its conversation being erased: no longer an answer the user rated.
    if (!given || !there || there.answer.messageId !== given.messageId) return [];
    return [
      {
        conversationId: asString(item.conversation_id),
        messageId: given.messageId,
        topic: asString(item.feedback_topic),
        feedback: given.feedback,
        ...provenance(there.answer.metadata),
        aiResponse: there.answer.content,
        userMessage: there.userMessage,
      },
    ];
  });
  return {
    items,
    nextCursor:
      found.length > query.pageSize && last
        ? encodeCursor(query.tenantId, {
            at: asString(last.feedback_at),
            conversationId: asString(last.conversation_id),
            turn: Number(last.turn),
          })
        : null,
  };
}

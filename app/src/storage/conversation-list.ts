// A user's conversations in their tenant, newest first, from the user_id-created_at-index
// (never a Scan): one page by offset or after a cursor, the total, and the next cursor. The
// cursor is this file's own: the position of the page's last conversation, opaque to clients.
import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ListPage, ListQuery, StoredConversation } from '../coaching/conversation-records.js';
import { InvalidCursorError } from '../errors.js';
import { ERASING } from './conversation-erasure.js';
import { fromItem } from './conversation-items.js';
import { storageCall } from './dynamo.js';

interface ListPosition {
  readonly createdAt: string;
  readonly conversationId: string;
}

function encodeCursor(c: StoredConversation): string {
  return Buffer.from(JSON.stringify([c.createdAt, c.conversationId])).toString('base64url');
}

/** The position a `next_cursor` names, or undefined when it is not one of ours. */
function decodeCursor(cursor: string): ListPosition | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(value) &&
      value.length === 2 &&
      value.every((v) => typeof v === 'string' && v)
    ) {
      return { createdAt: value[0] as string, conversationId: value[1] as string };
    }
  } catch {
    // Falls through: not a cursor this service wrote.
  }
  return undefined;
}

const listProjection = [
  'conversation_id',
  'user_id',
  'tenant_id',
  'topic',
  '#status',
  'current_phase',
  '#context',
  'user_turns',
  'turn_count',
  'message_count',
  '#messages',
  'created_at',
  'updated_at',
  'completed_at',
].join(', ');

function userFilter(query: ListQuery) {
  return {
    IndexName: 'user_id-created_at-index',
    KeyConditionExpression: 'user_id = :u',
    // One whose erasure has begun is already gone.
    FilterExpression: query.activeOnly
      ? 'tenant_id = :t AND #status = :active'
      : 'tenant_id = :t AND (attribute_not_exists(#status) OR #status <> :erasing)',
    ExpressionAttributeValues: {
      ':u': query.userId,
      ':t': query.tenantId,
      ...(query.activeOnly ? { ':active': 'active' } : { ':erasing': ERASING }),
    },
  };
}

async function countMatching(
  doc: DynamoDBDocumentClient,
  table: string,
  query: ListQuery,
): Promise<number> {
  let count = 0;
  let from: Record<string, unknown> | undefined;
  do {
    const page = await storageCall(() =>
      doc.send(
        new QueryCommand({
          TableName: table,
          ...userFilter(query),
          ExpressionAttributeNames: { '#status': 'status' },
          Select: 'COUNT',
          ExclusiveStartKey: from,
        }),
      ),
    );
    count += page.Count ?? 0;
    from = page.LastEvaluatedKey;
  } while (from);
  return count;
}

/** One page of the list; a cursor this service did not write is refused before any read. */
export async function queryConversationPage(
  doc: DynamoDBDocumentClient,
  table: string,
  query: ListQuery,
): Promise<ListPage> {
  const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
  if (query.cursor !== undefined && !after) throw new InvalidCursorError();
  const filter = userFilter(query);
  const names = { '#status': 'status', '#context': 'context', '#messages': 'messages' };
  const total = await countMatching(doc, table, query);

  const wanted = (after ? 0 : query.offset) + query.pageSize + 1;
  const collected: StoredConversation[] = [];
  let start: Record<string, unknown> | undefined = after
    ? { user_id: query.userId, created_at: after.createdAt, conversation_id: after.conversationId }
    : undefined;
  do {
    const page = await storageCall(() =>
      doc.send(
        new QueryCommand({
          TableName: table,
          ...filter,
          ProjectionExpression: listProjection,
          ExpressionAttributeNames: names,
          ScanIndexForward: false,
          ExclusiveStartKey: start,
          Limit: Math.min(wanted - collected.length + 5, 200),
        }),
      ),
    );
    collected.push(...(page.Items ?? []).map(fromItem));
    start = page.LastEvaluatedKey;
  } while (start && collected.length < wanted);

  const skipped = after ? 0 : query.offset;
  const items = collected.slice(skipped, skipped + query.pageSize);
  const hasMore = collected.length > skipped + query.pageSize;
  const last = items.at(-1);
  return { items, total, hasMore, nextCursor: hasMore && last ? encodeCursor(last) : null };
}

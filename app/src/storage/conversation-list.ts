// A user's conversations in their tenant, newest first (never a Scan): the total counted on
// the tenant_id-user_id-index, which holds only keys and the status, and one page (by offset or
// after a cursor) read from the user_id-created_at-index, which holds only a summary. The
// cursor is this file's own: the position of the page's last conversation, opaque to clients.
import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ListPage, ListQuery, StoredConversation } from '../coaching/conversation-records.js';
import { InvalidCursorError } from '../errors.js';
import { ERASING } from './conversation-erasure.js';
import { fromItem } from './conversation-items.js';
import { tables, type IndexDefinition } from './tables.js';
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

function conversationIndex(name: string): IndexDefinition {
  const index = tables.conversations.indexes.find((i) => i.name === name);
  if (!index) throw new Error(`the conversations table has no index ${name}`);
  return index;
}

const byTenantUser = conversationIndex('tenant_id-user_id-index');
const byUserCreated = conversationIndex('user_id-created_at-index');

/** What a page reads: the index's keys and every attribute it holds (and nothing it does not). */
const pageProjection = (() => {
  const index = byUserCreated;
  const included = index.projection.type === 'INCLUDE' ? index.projection.attributes : [];
  const keys = [index.hashKey.name, index.rangeKey?.name ?? ''].filter(Boolean);
  const attributes = ['conversation_id', ...keys, ...included];
  return {
    ProjectionExpression: attributes.map((a) => `#${a}`).join(', '),
    names: Object.fromEntries(attributes.map((a) => [`#${a}`, a])),
  };
})();

/** The status filter both reads share: an erased (or erasing) conversation is already gone. */
function statusFilter(query: ListQuery) {
  return query.activeOnly
    ? { expression: '#status = :active', values: { ':active': 'active' } }
    : {
        expression: '(attribute_not_exists(#status) OR #status <> :erasing)',
        values: { ':erasing': ERASING },
      };
}

async function countMatching(
  doc: DynamoDBDocumentClient,
  table: string,
  query: ListQuery,
): Promise<number> {
  const status = statusFilter(query);
  let count = 0;
  let from: Record<string, unknown> | undefined;
  do {
    const page = await storageCall(() =>
      doc.send(
        new QueryCommand({
          TableName: table,
          IndexName: byTenantUser.name,
          KeyConditionExpression: 'tenant_id = :t AND user_id = :u',
          FilterExpression: status.expression,
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':t': query.tenantId, ':u': query.userId, ...status.values },
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
  const status = statusFilter(query);
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
          IndexName: byUserCreated.name,
          KeyConditionExpression: '#user_id = :u',
          // User ids are unique across tenants; the tenant is still checked on every item.
          FilterExpression: `#tenant_id = :t AND ${status.expression}`,
          ProjectionExpression: pageProjection.ProjectionExpression,
          ExpressionAttributeNames: pageProjection.names,
          ExpressionAttributeValues: { ':u': query.userId, ':t': query.tenantId, ...status.values },
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

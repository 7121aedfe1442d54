// Conversations in DynamoDB: one item per conversation (state, counters, the recent-message
// window, idempotency keys, the turn lease) and one item per committed turn in the messages
// table. The conversation item's conditional update is the turn's single commit point; turn
// items beyond its committed count are invisible. Items written by the original service (all
// messages inline, state under `context`) read back through the same mapping.
import {
  BatchWriteCommand,
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import type { ConversationStatus, ResultStatus } from '../domain/vocabulary.js';
import {
  phaseProgress,
  RECENT_WINDOW,
  type Conversation,
  type Message,
} from '../coaching/conversation.js';
import type {
  BeginTurnResult,
  ConversationRepository,
  IdempotencyRecord,
  ListPage,
  ListQuery,
  StoredConversation,
} from '../coaching/ports.js';
import { coachingTopics, phases, type CoachingTopic, type Phase } from '../domain/vocabulary.js';
import { isConditionFailure, storageCall, type Dynamo } from './dynamo.js';

type Item = Record<string, unknown>;

const asString = (v: unknown, fallback = ''): string => (typeof v === 'string' ? v : fallback);
const asNumber = (v: unknown, fallback = 0): number => (typeof v === 'number' ? v : fallback);
const asRecord = (v: unknown): Record<string, unknown> =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
const asStrings = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : [];

/** ISO-8601 UTC with milliseconds; the original wrote Python isoformat(), sometimes without a zone. */
export function normalizeTimestamp(value: unknown): string | null {
  if (typeof value !== 'string' || value === '') return null;
  const hasZone = /(Z|[+-]\d{2}:?\d{2})$/.test(value);
  const date = new Date(hasZone ? value : `${value}Z`);
  return Number.isNaN(date.getTime()) ? value : date.toISOString();
}

function toMessage(raw: unknown): Message {
  const m = asRecord(raw);
  return {
    role: m.role === 'user' ? 'user' : 'assistant',
    content: asString(m.content),
    timestamp: normalizeTimestamp(m.timestamp) ?? '',
    metadata: asRecord(m.metadata),
  };
}

function toIdempotency(raw: unknown): Record<string, IdempotencyRecord> {
  return Object.fromEntries(
    Object.entries(asRecord(raw)).map(([key, value]) => {
      const r = asRecord(value);
      return [
        key,
        {
          turn: asNumber(r.turn),
          bodyHash: asString(r.body_hash),
          expiresAt: asNumber(r.expires_at),
        },
      ];
    }),
  );
}

/** Maps a stored item, in either format, to the domain's conversation. */
export function fromItem(item: Item): StoredConversation {
  const legacy = asRecord(item.context);
  const inline = Array.isArray(item.messages) ? item.messages.map(toMessage) : [];
  const legacyUserTurns = inline.filter((m) => m.role === 'user').length;
  const turnCount = asNumber(item.turn_count);
  const phase = asString(item.current_phase, asString(legacy.current_phase, 'introduction'));
  const topic = asString(item.topic);
  return {
    conversationId: asString(item.conversation_id),
    userId: asString(item.user_id),
    tenantId: asString(item.tenant_id),
    topic: (coachingTopics.includes(topic as CoachingTopic)
      ? topic
      : 'core_values') as CoachingTopic,
    status: asString(item.status, 'active') as ConversationStatus,
    phase: (phases.includes(phase as Phase) ? phase : 'introduction') as Phase,
    resultStatus: asString(item.result_status, 'exploring') as ResultStatus,
    insights: asStrings(item.insights ?? legacy.insights),
    identifiedValues: asStrings(
      item.identified_values ??
        legacy.identified_values ??
        asRecord(legacy.metadata).identified_values,
    ),
    userTurns: asNumber(item.user_turns, asNumber(legacy.response_count, legacyUserTurns)),
    turnCount,
    recentMessages: Array.isArray(item.recent_messages)
      ? item.recent_messages.map(toMessage)
      : inline.slice(-RECENT_WINDOW),
    context: asRecord(item.initial_context),
    language: asString(item.language, 'en'),
    sessionId: typeof item.session_id === 'string' ? item.session_id : undefined,
    metadata: asRecord(item.metadata),
    createdAt: normalizeTimestamp(item.created_at) ?? '',
    updatedAt: normalizeTimestamp(item.updated_at) ?? normalizeTimestamp(item.created_at) ?? '',
    completedAt: normalizeTimestamp(item.completed_at),
    idempotency: toIdempotency(item.idempotency),
    lease:
      typeof item.lease_id === 'string'
        ? { id: item.lease_id, expiresAt: asNumber(item.lease_expires_at) }
        : undefined,
    messageCount: asNumber(item.message_count, inline.length + 2 * turnCount),
    inlineMessages: inline,
  };
}

const messageItem = (m: Message) => ({
  role: m.role,
  content: m.content,
  timestamp: m.timestamp,
  metadata: m.metadata,
});

/** The attributes a committed turn changes (also written in full on create). */
function stateAttributes(c: Conversation) {
  return {
    current_phase: c.phase,
    progress: phaseProgress[c.phase],
    result_status: c.resultStatus,
    insights: [...c.insights],
    identified_values: [...c.identifiedValues],
    user_turns: c.userTurns,
    turn_count: c.turnCount,
    recent_messages: c.recentMessages.map(messageItem),
    updated_at: c.updatedAt,
  };
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

function encodeCursor(c: StoredConversation): string {
  return Buffer.from(JSON.stringify([c.createdAt, c.conversationId])).toString('base64url');
}

/** The position a `next_cursor` names, or undefined when it is not one of ours. */
export function decodeCursor(
  cursor: string,
): { createdAt: string; conversationId: string } | undefined {
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

export { encodeCursor };

/** DynamoDB refuses a partition key over 2048 bytes; such an id names no conversation. */
const storableKey = (id: string): boolean => id !== '' && Buffer.byteLength(id, 'utf8') <= 2048;

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

  function userFilter(query: ListQuery) {
    return {
      IndexName: 'user_id-created_at-index',
      KeyConditionExpression: 'user_id = :u',
      FilterExpression: query.activeOnly
        ? 'tenant_id = :t AND #status = :active'
        : 'tenant_id = :t',
      ExpressionAttributeValues: {
        ':u': query.userId,
        ':t': query.tenantId,
        ...(query.activeOnly ? { ':active': 'active' } : {}),
      },
    };
  }

  return {
    async create(conversation, opening) {
      // The opening message first: if the conversation put fails, the orphan turn is invisible.
      await storageCall(() =>
        doc.send(
          new PutCommand({
            TableName: messagesTable,
            Item: {
              conversation_id: conversation.conversationId,
              turn: 0,
              messages: [messageItem(opening)],
              created_at: opening.timestamp,
            },
          }),
        ),
      );
      await storageCall(() =>
        doc.send(
          new PutCommand({
            TableName: conversations,
            Item: {
              conversation_id: conversation.conversationId,
              user_id: conversation.userId,
              tenant_id: conversation.tenantId,
              topic: conversation.topic,
              status: conversation.status,
              language: conversation.language,
              initial_context: conversation.context,
              session_id: conversation.sessionId,
              metadata: conversation.metadata,
              created_at: conversation.createdAt,
              completed_at: null,
              message_count: 1,
              idempotency: {},
              ...stateAttributes(conversation),
            },
            ConditionExpression: 'attribute_not_exists(conversation_id)',
          }),
        ),
      );
    },

    get: getItem,

    async messages(conversation) {
      // A short conversation lies wholly in the item's recent window: no turn item to read.
      if (
        conversation.inlineMessages.length === 0 &&
        conversation.recentMessages.length === conversation.messageCount
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
        ...turns.flatMap((t) => (Array.isArray(t.messages) ? t.messages.map(toMessage) : [])),
      ];
    },

    async list(query): Promise<ListPage> {
      const filter = userFilter(query);
      const names = { '#status': 'status', '#context': 'context', '#messages': 'messages' };
      const total = await countMatching(query);

      const wanted = (query.after ? 0 : query.offset) + query.pageSize + 1;
      const collected: StoredConversation[] = [];
      let start: Record<string, unknown> | undefined = query.after
        ? {
            user_id: query.userId,
            created_at: query.after.createdAt,
            conversation_id: query.after.conversationId,
          }
        : undefined;
      do {
        const page = await storageCall(() =>
          doc.send(
            new QueryCommand({
              TableName: conversations,
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

      const skipped = query.after ? 0 : query.offset;
      const items = collected.slice(skipped, skipped + query.pageSize);
      return { items, total, hasMore: collected.length > skipped + query.pageSize };

      async function countMatching(q: ListQuery): Promise<number> {
        let count = 0;
        let from: Record<string, unknown> | undefined;
        do {
          const page = await storageCall(() =>
            doc.send(
              new QueryCommand({
                TableName: conversations,
                ...userFilter(q),
                ...(q.activeOnly ? { ExpressionAttributeNames: { '#status': 'status' } } : {}),
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
    },

    async beginTurn(conversationId, userId, tenantId, lease): Promise<BeginTurnResult> {
      if (!storableKey(conversationId)) return { ok: false, current: undefined };
      const names: Record<string, string> = { '#status': 'status' };
      const values: Record<string, unknown> = {
        ':u': userId,
        ':t': tenantId,
        ':active': 'active',
        ':now': lease.now,
        ':lease': lease.leaseId,
        ':expires': lease.expiresAt,
        ':max': lease.maxUserTurns,
        ':empty': {},
      };
      let keyCondition = '';
      if (lease.idempotencyKey !== undefined) {
        names['#key'] = lease.idempotencyKey;
        keyCondition =
          ' AND (attribute_not_exists(idempotency.#key) OR idempotency.#key.expires_at < :now)';
      }
      try {
        const result = await storageCall(() =>
          doc.send(
            new UpdateCommand({
              TableName: conversations,
              Key: { conversation_id: conversationId },
              UpdateExpression:
                'SET lease_id = :lease, lease_expires_at = :expires, idempotency = if_not_exists(idempotency, :empty)',
              ConditionExpression:
                'attribute_exists(conversation_id) AND user_id = :u AND tenant_id = :t AND #status = :active' +
                ' AND (attribute_not_exists(lease_id) OR lease_expires_at < :now)' +
                ' AND (attribute_not_exists(user_turns) OR user_turns < :max)' +
                keyCondition,
              ExpressionAttributeNames: names,
              ExpressionAttributeValues: values,
              ReturnValues: 'ALL_NEW',
            }),
          ),
        );
        const conversation = fromItem(result.Attributes ?? {});
        if (conversation.userTurns >= lease.maxUserTurns) {
          // An original-format item counts its turns inline, which the condition cannot see.
          await this.releaseTurn(conversationId, lease.leaseId);
          return { ok: false, current: { ...conversation, lease: undefined } };
        }
        return { ok: true, conversation };
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
        return { ok: false, current: await getItem(conversationId) };
      }
    },

    async commitTurn(before, after, lease, turn) {
      const idempotencyKey = turn.idempotency?.key;
      await storageCall(() =>
        doc.send(
          new PutCommand({
            TableName: messagesTable,
            Item: {
              conversation_id: after.conversationId,
              turn: turn.turn,
              messages: turn.messages.map(messageItem),
              created_at: turn.messages[1].timestamp,
              ...(turn.idempotency
                ? {
                    idempotency_key: idempotencyKey,
                    response: JSON.stringify(turn.idempotency.response),
                  }
                : {}),
            },
          }),
        ),
      );
      const state = stateAttributes(after);
      const names: Record<string, string> = {};
      const values: Record<string, unknown> = {
        ':lease': lease.leaseId,
        ':count': before.messageCount + 2,
      };
      const sets = Object.entries(state).map(([attribute, value], i) => {
        names[`#a${i}`] = attribute;
        values[`:a${i}`] = value;
        return `#a${i} = :a${i}`;
      });
      sets.push('message_count = :count');
      if (turn.idempotency) {
        names['#key'] = turn.idempotency.key;
        values[':record'] = {
          turn: turn.idempotency.record.turn,
          body_hash: turn.idempotency.record.bodyHash,
          expires_at: turn.idempotency.record.expiresAt,
        };
        sets.push('idempotency.#key = :record');
      }
      const removes = ['lease_id', 'lease_expires_at'];
      Object.entries(before.idempotency)
        .filter(([key, record]) => record.expiresAt < lease.now && key !== idempotencyKey)
        .forEach(([key], i) => {
          names[`#old${i}`] = key;
          removes.push(`idempotency.#old${i}`);
        });
      try {
        await storageCall(() =>
          doc.send(
            new UpdateCommand({
              TableName: conversations,
              Key: { conversation_id: after.conversationId },
              UpdateExpression: `SET ${sets.join(', ')} REMOVE ${removes.join(', ')}`,
              ConditionExpression: 'lease_id = :lease',
              ExpressionAttributeNames: names,
              ExpressionAttributeValues: values,
            }),
          ),
        );
        return true;
      } catch (error) {
        if (isConditionFailure(error)) return false;
        throw error;
      }
    },

    async releaseTurn(conversationId, leaseId) {
      try {
        await storageCall(() =>
          doc.send(
            new UpdateCommand({
              TableName: conversations,
              Key: { conversation_id: conversationId },
              UpdateExpression: 'REMOVE lease_id, lease_expires_at',
              ConditionExpression: 'lease_id = :lease',
              ExpressionAttributeValues: { ':lease': leaseId },
            }),
          ),
        );
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
      }
    },

    async turnResponse(conversationId, turn) {
      const result = await storageCall(() =>
        doc.send(
          new GetCommand({
            TableName: messagesTable,
            Key: { conversation_id: conversationId, turn },
            ProjectionExpression: '#response',
            ExpressionAttributeNames: { '#response': 'response' },
            ConsistentRead: true,
          }),
        ),
      );
      const response = result.Item?.response;
      return typeof response === 'string' ? (JSON.parse(response) as unknown) : undefined;
    },

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

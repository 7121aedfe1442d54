// Coaching sessions in DynamoDB: one item per coaching run, with the model used, token totals
// and estimated cost added as calls happen, listed through the table's GSIs. A session is
// written with its conversation (the initiate's transaction) and a call is added to it in the
// same transaction as what the call produced (a turn's commit), so neither can be counted twice.
import {
  GetCommand,
  QueryCommand,
  UpdateCommand,
  type QueryCommandInput,
  type UpdateCommandInput,
} from '@aws-sdk/lib-dynamodb';
import type {
  CoachingSession,
  ModelCall,
  SessionQuery,
  SessionRepository,
} from '../coaching/session-records.js';
import type { ConversationStatus } from '../domain/kernel.js';
import { ifCondition, storageCall, type Dynamo, type TransactItem } from './dynamo.js';

/** A new session's item, put with its conversation (never over an existing one). */
export function newSessionPut(table: string, session: CoachingSession): TransactItem {
  return {
    Put: {
      TableName: table,
      Item: {
        session_id: session.sessionId,
        conversation_id: session.conversationId,
        tenant_id: session.tenantId,
        user_id: session.userId,
        topic: session.topic,
        status: session.status,
        started_at: session.startedAt,
        completed_at: session.completedAt,
        model: session.model,
        provider: session.provider,
        turns: session.turns,
        failed_calls: session.failedCalls,
        input_tokens: session.inputTokens,
        output_tokens: session.outputTokens,
        estimated_cost_usd: session.estimatedCostUsd,
        updated_at: session.startedAt,
      },
      ConditionExpression: 'attribute_not_exists(session_id)',
    },
  };
}

/**
 * A model call added to its session: the model, and the tokens, cost and turn (or failed call)
 * added to the totals. Unconditional, since it travels in a transaction with what the call
 * produced, which a missing session must not refuse; the transaction's token keeps it single.
 */
export function sessionCallUpdate(
  table: string,
  sessionId: string,
  call: ModelCall,
  at: string,
): TransactItem {
  return {
    Update: {
      TableName: table,
      Key: { session_id: sessionId },
      UpdateExpression:
        'SET model = :model, provider = :provider, updated_at = :at ' +
        'ADD input_tokens :in, output_tokens :out, estimated_cost_usd :cost, turns :turn, failed_calls :failed',
      ExpressionAttributeValues: {
        ':model': call.model,
        ':provider': call.provider,
        ':at': at,
        ':in': call.usage.inputTokens,
        ':out': call.usage.outputTokens,
        ':cost': call.costUsd,
        ':turn': call.failed ? 0 : 1,
        ':failed': call.failed ? 1 : 0,
      },
    },
  };
}

/** A session item as the use cases see it (also read in a batch: conversation-history.ts). */
export function sessionFromItem(i: Record<string, unknown>): CoachingSession {
  return {
    sessionId: String(i.session_id),
    conversationId: typeof i.conversation_id === 'string' ? i.conversation_id : '',
    tenantId: String(i.tenant_id),
    // An erased conversation's session keeps no user.
    userId: typeof i.user_id === 'string' ? i.user_id : '',
    topic: String(i.topic),
    status: i.status as ConversationStatus,
    startedAt: String(i.started_at),
    completedAt: typeof i.completed_at === 'string' ? i.completed_at : null,
    model: String(i.model),
    provider: String(i.provider),
    turns: Number(i.turns ?? 0),
    failedCalls: Number(i.failed_calls ?? 0),
    inputTokens: Number(i.input_tokens ?? 0),
    outputTokens: Number(i.output_tokens ?? 0),
    estimatedCostUsd: Number(i.estimated_cost_usd ?? 0),
    outcome: i.outcome as Record<string, unknown> | undefined,
  };
}

/** The GSI query that answers a session query. */
function indexQuery(table: string, query: SessionQuery): QueryCommandInput {
  switch (query.by) {
    case 'user':
      return {
        TableName: table,
        IndexName: 'tenant_id-user_id-index',
        KeyConditionExpression: 'tenant_id = :tenant AND user_id = :user',
        ExpressionAttributeValues: { ':tenant': query.tenantId, ':user': query.userId },
      };
    case 'topic':
      return {
        TableName: table,
        IndexName: 'user_id-topic-index',
        KeyConditionExpression: 'user_id = :user AND topic = :topic',
        // User ids are unique across tenants; the tenant is still checked on every item.
        FilterExpression: 'tenant_id = :tenant',
        ExpressionAttributeValues: {
          ':user': query.userId,
          ':topic': query.topic,
          ':tenant': query.tenantId,
        },
      };
    case 'tenant':
      return {
        TableName: table,
        IndexName: 'tenant_id-started_at-index',
        KeyConditionExpression: 'tenant_id = :tenant AND started_at BETWEEN :from AND :to',
        ExpressionAttributeValues: {
          ':tenant': query.tenantId,
          ':from': query.from,
          ':to': query.to,
        },
        ScanIndexForward: false,
      };
  }
}

/** Sessions one user holds are few; reading them all to order by start time stays cheap. */
const MAX_USER_SESSIONS = 1000;

export function createSessionRepository(dynamo: Dynamo, table: string): SessionRepository {
  const { doc } = dynamo;
  /** An update of an existing session (a missing one is the caller's to notice). */
  const update = (
    sessionId: string,
    expression: Pick<
      UpdateCommandInput,
      'UpdateExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'
    >,
  ) =>
    storageCall(() =>
      doc.send(
        new UpdateCommand({
          TableName: table,
          Key: { session_id: sessionId },
          ConditionExpression: 'attribute_exists(session_id)',
          ...expression,
        }),
      ),
    );
  return {
    async erase(sessionId, at) {
      // A session that is not there has nothing to erase.
      await ifCondition(() =>
        update(sessionId, {
          UpdateExpression:
            'SET erased_at = :at, updated_at = :at REMOVE user_id, conversation_id, outcome',
          ExpressionAttributeValues: { ':at': at },
        }),
      );
    },

    async get(sessionId) {
      const result = await storageCall(() =>
        doc.send(
          new GetCommand({
            TableName: table,
            Key: { session_id: sessionId },
            ConsistentRead: true,
          }),
        ),
      );
      return result.Item ? sessionFromItem(result.Item) : undefined;
    },

    async list(query, limit = 100) {
      const input = indexQuery(table, query);
      // The tenant index is ordered by start time and can stop at the limit; the others are not.
      const wanted = query.by === 'tenant' ? limit : MAX_USER_SESSIONS;
      const found: CoachingSession[] = [];
      let start: Record<string, unknown> | undefined;
      do {
        const page = await storageCall(() =>
          doc.send(new QueryCommand({ ...input, ExclusiveStartKey: start })),
        );
        found.push(...(page.Items ?? []).map(sessionFromItem));
        start = page.LastEvaluatedKey;
      } while (start && found.length < wanted);
      return found
        .sort(
          (a, b) =>
            b.startedAt.localeCompare(a.startedAt) || b.sessionId.localeCompare(a.sessionId),
        )
        .slice(0, limit);
    },

    async updateStatus(sessionId, status, at, outcome) {
      await update(sessionId, {
        UpdateExpression:
          'SET #status = :status, updated_at = :at' +
          (status === 'completed' ? ', completed_at = :at' : '') +
          (outcome ? ', outcome = :outcome' : ''),
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':status': status,
          ':at': at,
          ...(outcome ? { ':outcome': outcome } : {}),
        },
      });
    },
  };
}

// A turn's writes: the lease a turn takes on the conversation item (a conditional update that
// also checks owner, status, the turn limit and the Idempotency-Key, and hands out a fencing
// number), its renewal while the turn works, the turn item and the conditional update that
// commits it, and the lease's release.
// The conversation item's update is the turn's single commit point: it succeeds only for the
// lease holder while the conversation is active, so a pause, complete or erasure that lands
// first wins. Turn items beyond the committed count are invisible; a turn that loses removes
// its own, and a turn item is written only over one of a lower fence, so a turn whose lease
// lapsed (or whose conversation is being erased) cannot overwrite a newer one or an erasure.
import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import type {
  BeginTurnResult,
  ConversationRepository,
  StoredConversation,
} from '../coaching/conversation-records.js';
import {
  fromItem,
  idempotencyRecordItem,
  LEASE_ATTRIBUTES,
  stateAttributes,
  storableKey,
} from './conversation-items.js';
import { ifCondition, storageCall } from './dynamo.js';
import { asNumber, messageItem } from './item-values.js';

export type TurnWrites = Pick<
  ConversationRepository,
  'beginTurn' | 'renewLease' | 'commitTurn' | 'releaseTurn' | 'turnResponse'
>;

/** Removes every attribute of a turn's lease (in an UpdateExpression's REMOVE clause). */
const REMOVE_LEASE = LEASE_ATTRIBUTES.join(', ');

export function createTurnWrites(
  doc: DynamoDBDocumentClient,
  tables: { readonly conversations: string; readonly messages: string },
  get: (conversationId: string) => Promise<StoredConversation | undefined>,
): TurnWrites {
  const turns: TurnWrites = {
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
        ':body': lease.bodyHash,
        ':max': lease.maxUserTurns,
        ':empty': {},
        ':one': 1,
      };
      // What a retry of this request, or another request, needs to know of who holds the lease.
      const sets = [
        'lease_id = :lease',
        'lease_expires_at = :expires',
        'lease_body = :body',
        'idempotency = if_not_exists(idempotency, :empty)',
      ];
      const removes: string[] = [];
      let keyCondition = '';
      if (lease.keyDigest !== undefined) {
        names['#key'] = lease.keyDigest;
        values[':key'] = lease.keyDigest;
        sets.push('lease_key = :key');
        keyCondition = ' AND (attribute_not_exists(idempotency.#key) OR idempotency.#key.e < :now)';
      } else removes.push('lease_key');
      if (lease.jobId !== undefined) {
        values[':job'] = lease.jobId;
        sets.push('lease_job = :job');
      } else removes.push('lease_job');
      const result = await ifCondition(() =>
        doc.send(
          new UpdateCommand({
            TableName: tables.conversations,
            Key: { conversation_id: conversationId },
            UpdateExpression:
              `SET ${sets.join(', ')} ADD lease_seq :one` +
              (removes.length > 0 ? ` REMOVE ${removes.join(', ')}` : ''),
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
      if (!result) return { ok: false, current: await get(conversationId) };
      const attributes = result.Attributes ?? {};
      const conversation = fromItem(attributes);
      if (conversation.userTurns >= lease.maxUserTurns) {
        // An original-format item counts its turns inline, which the condition cannot see.
        await turns.releaseTurn(conversationId, lease.leaseId);
        return { ok: false, current: { ...conversation, lease: undefined } };
      }
      return {
        ok: true,
        conversation,
        lease: { ...lease, fence: asNumber(attributes.lease_seq) },
      };
    },

    async renewLease(conversationId, leaseId, expiresAt) {
      const result = await ifCondition(() =>
        doc.send(
          new UpdateCommand({
            TableName: tables.conversations,
            Key: { conversation_id: conversationId },
            UpdateExpression: 'SET lease_expires_at = :expires',
            ConditionExpression: 'lease_id = :lease AND #status = :active',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: {
              ':lease': leaseId,
              ':expires': expiresAt,
              ':active': 'active',
            },
            ReturnValues: 'ALL_NEW',
          }),
        ),
      );
      return result && fromItem(result.Attributes ?? {});
    },

    async commitTurn(before, after, lease, turn) {
      const keyDigest = turn.idempotency?.keyDigest;
      const turnKey = { conversation_id: after.conversationId, turn: turn.turn };
      const written = await ifCondition(() =>
        doc.send(
          new PutCommand({
            TableName: tables.messages,
            Item: {
              ...turnKey,
              lease_seq: lease.fence,
              messages: turn.messages.map(messageItem),
              created_at: turn.messages[1].timestamp,
              ...(turn.idempotency
                ? {
                    idempotency_key: keyDigest,
                    response: JSON.stringify(turn.idempotency.response),
                  }
                : {}),
            },
            // Over nothing, or over what a turn with an older lease left: never a newer one's.
            ConditionExpression: 'attribute_not_exists(turn) OR lease_seq < :fence',
            ExpressionAttributeValues: { ':fence': lease.fence },
          }),
        ),
      );
      if (!written) return false;
      const state = stateAttributes(after);
      const names: Record<string, string> = { '#status': 'status' };
      const values: Record<string, unknown> = {
        ':lease': lease.leaseId,
        ':active': 'active',
        ':count': before.messageCount + 2,
      };
      const sets = Object.entries(state).map(([attribute, value], i) => {
        names[`#a${i}`] = attribute;
        values[`:a${i}`] = value;
        return `#a${i} = :a${i}`;
      });
      sets.push('message_count = :count');
      if (turn.idempotency) {
        names['#key'] = turn.idempotency.keyDigest;
        values[':record'] = idempotencyRecordItem(turn.idempotency.record);
        sets.push('idempotency.#key = :record');
      }
      const removes: string[] = [...LEASE_ATTRIBUTES];
      Object.entries(before.idempotency)
        .filter(([key, record]) => record.expiresAt < lease.now && key !== keyDigest)
        .forEach(([key], i) => {
          names[`#old${i}`] = key;
          removes.push(`idempotency.#old${i}`);
        });
      const committed = await ifCondition(() =>
        doc.send(
          new UpdateCommand({
            TableName: tables.conversations,
            Key: { conversation_id: after.conversationId },
            UpdateExpression: `SET ${sets.join(', ')} REMOVE ${removes.join(', ')}`,
            ConditionExpression: 'lease_id = :lease AND #status = :active',
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: values,
          }),
        ),
      );
      if (!committed) {
        // The turn lost: its item goes (unless a newer lease or an erasure already replaced it).
        await doc
          .send(
            new DeleteCommand({
              TableName: tables.messages,
              Key: turnKey,
              ConditionExpression: 'lease_seq = :fence',
              ExpressionAttributeValues: { ':fence': lease.fence },
            }),
          )
          .catch(() => undefined);
        return false;
      }
      return true;
    },

    async releaseTurn(conversationId, leaseId) {
      // A lease no longer this one's is not this turn's to release.
      await ifCondition(() =>
        doc.send(
          new UpdateCommand({
            TableName: tables.conversations,
            Key: { conversation_id: conversationId },
            UpdateExpression: `REMOVE ${REMOVE_LEASE}`,
            ConditionExpression: 'lease_id = :lease',
            ExpressionAttributeValues: { ':lease': leaseId },
          }),
        ),
      );
    },

    async turnResponse(conversationId, turn) {
      const result = await storageCall(() =>
        doc.send(
          new GetCommand({
            TableName: tables.messages,
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
  };
  return turns;
}

// A turn's writes: the lease a turn takes on the conversation item (a conditional update that
// also checks owner, status, the turn limit and the Idempotency-Key, and hands out a fencing
// number), its renewal while the turn works, the commit, the lease's release, and the booking
// of a model call no commit carries.
// The commit is one transaction: the turn item (only over nothing, or over what a turn of a
// lower fence left, so never over a newer turn or an erasure's tombstone), the conversation
// item's new state (only for the lease holder while the conversation is active, so a pause,
// complete or erasure that lands first wins), the call on the session and the usage counters,
// and, for a job's turn, the job's success. All or nothing, under a token of the lease's, so a
// commit sent again after its answer was lost is written once; nothing is ever undone.
import {
  GetCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
  type NativeAttributeValue,
} from '@aws-sdk/lib-dynamodb';
import {
  type Message,
  RECENT_WINDOW,
  locateMessageId,
  type TurnUndo,
} from '../coaching/conversation-entity.js';
import type {
  BeginTurnResult,
  CallBooking,
  CommittedTurn,
  ConversationRepository,
  HeldLease,
  IdempotencyRecord,
  StoredConversation,
} from '../coaching/conversation-records.js';
import { phases, resultStatuses, type Phase, type ResultStatus } from '../domain/kernel.js';
import { ServiceUnavailableError, UnresolvedWriteError } from '../errors.js';
import { ERASING } from './conversation-erasure.js';
import {
  fromItem,
  idempotencyRecordItem,
  LEASE_ATTRIBUTES,
  stateAttributes,
  storableKey,
} from './conversation-items.js';
import {
  ifCondition,
  ownWrite,
  queryAll,
  requestToken,
  storageCall,
  transactOnce,
  type TransactItem,
} from './dynamo.js';
import { asNumber, messageItem, messageOf, asRecord, asStrings } from './item-values.js';
import { messageJobSucceeded } from './job-repository.js';
import { sessionCallUpdate } from './session-repository.js';
import type { TableId } from './tables.js';
import { spendUpdates } from './usage-counters.js';

export type TurnWrites = Pick<
  ConversationRepository,
  | 'beginTurn'
  | 'renewLease'
  | 'commitTurn'
  | 'bookCall'
  | 'releaseTurn'
  | 'replaceableTurn'
  | 'turnResponse'
>;

type Item = Record<string, NativeAttributeValue>;

/** Removes every attribute of a turn's lease (in an UpdateExpression's REMOVE clause). */
const REMOVE_LEASE = LEASE_ATTRIBUTES.join(', ');

/** The item as a reader sees it: one whose erasure has begun is gone. */
const visible = (item: Item | undefined): StoredConversation | undefined =>
  item && item.status !== ERASING ? fromItem(item) : undefined;

export function createTurnWrites(
  doc: DynamoDBDocumentClient,
  tables: Pick<
    Readonly<Record<TableId, string>>,
    'conversations' | 'messages' | 'coachingSessions' | 'usageCounters' | 'jobs'
  >,
  /** The conversation item as stored (erasing or not), read consistently. */
  readItem: (conversationId: string) => Promise<Item | undefined>,
): TurnWrites {
  /** True when the turn item at `turn` is this lease's: only its commit writes it. */
  async function turnItemIsOurs(conversationId: string, turn: number, fence: number) {
    const { Item: item } = await storageCall(() =>
      doc.send(
        new GetCommand({
          TableName: tables.messages,
          Key: { conversation_id: conversationId, turn },
          ProjectionExpression: 'lease_seq',
          ConsistentRead: true,
        }),
      ),
    );
    return item !== undefined && asNumber(item.lease_seq) === fence;
  }

  /** The booking's actions: the call's line on its session and its spend on the counters. */
  const bookingItems = (booking: CallBooking): TransactItem[] => [
    ...(booking.session
      ? [
          sessionCallUpdate(
            tables.coachingSessions,
            booking.session.sessionId,
            booking.session.call,
            booking.session.at,
          ),
        ]
      : []),
    ...spendUpdates(tables.usageCounters, booking.spend),
  ];

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
      // A regenerate of a conversation with no turn is refused without a write (not even the fence).
      const turnCondition = lease.replacesTurn ? ' AND turn_count > :none' : '';
      if (lease.replacesTurn) values[':none'] = 0;
      if (lease.jobId !== undefined) {
        values[':job'] = lease.jobId;
        sets.push('lease_job = :job');
      } else removes.push('lease_job');
      // A lease id is this request's alone: an item that holds it holds this very lease, taken
      // by an attempt whose answer was lost.
      const { written, item } = await ownWrite(
        () =>
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
                turnCondition +
                keyCondition,
              ExpressionAttributeNames: names,
              ExpressionAttributeValues: values,
              ReturnValues: 'ALL_NEW',
              ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
            }),
          ),
        (found) => found.lease_id === lease.leaseId,
        () => readItem(conversationId),
      );
      if (!written) return { ok: false, current: visible(item) };
      const attributes = item ?? {};
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
      // Setting the same expiry again is harmless: a repeat of a renewal changes nothing more.
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

    async commitTurn(before, after, lease, turn, resolveBy) {
      const { conversationId } = after;
      const state = stateAttributes(after);
      const names: Record<string, string> = { '#status': 'status' };
      const values: Record<string, unknown> = {
        ':lease': lease.leaseId,
        ':active': 'active',
        // A regenerate replaces the turn's two messages.
        ':count': before.messageCount + (turn.replacing ? 0 : 2),
        ':none': 0,
        ':one': 1,
      };
      const sets = Object.entries(state).map(([attribute, value], i) => {
        names[`#a${i}`] = attribute;
        values[`:a${i}`] = value;
        return `#a${i} = :a${i}`;
      });
      sets.push('message_count = :count', 'commit_seq = if_not_exists(commit_seq, :none) + :one');
      const keyDigest = turn.idempotency?.keyDigest;
      if (turn.idempotency) {
        names['#key'] = turn.idempotency.keyDigest;
        values[':record'] = idempotencyRecordItem(turn.idempotency.record);
        sets.push('idempotency.#key = :record');
      }
      const removes: string[] = [...LEASE_ATTRIBUTES];
      const dropped = droppedKeys(before.idempotency, turn, lease.now);
      dropped.forEach((key, i) => {
        names[`#old${i}`] = key;
        removes.push(`idempotency.#old${i}`);
      });
      // A key names its turn, so a replaced answer's keys stay and replay the turn as it now
      // stands: its item carries the answer to replay whenever a key points at it. The job that
      // ran the turn holds the replaced answer, so they no longer name it.
      const kept = Object.entries(before.idempotency).filter(
        ([key, record]) => key !== keyDigest && record.turn === turn.turn && !dropped.includes(key),
      );
      kept
        .filter(([, record]) => turn.replacing && record.jobId !== undefined)
        .forEach(([key], i) => {
          names[`#ran${i}`] = key;
          removes.push(`idempotency.#ran${i}.j`);
        });
      const replayed = keyDigest !== undefined || kept.length > 0;
      const items: TransactItem[] = [
        {
          Put: {
            TableName: tables.messages,
            Item: {
              conversation_id: conversationId,
              turn: turn.turn,
              lease_seq: lease.fence,
              messages: turn.messages.map(messageItem),
              undo: turnUndoItem(turn.undo),
              created_at: turn.messages[1].timestamp,
              ...(keyDigest === undefined ? {} : { idempotency_key: keyDigest }),
              ...(replayed ? { response: JSON.stringify(turn.response) } : {}),
            },
            // Over nothing, or over what a turn with an older lease left: never a newer one's.
            ConditionExpression: 'attribute_not_exists(turn) OR lease_seq < :fence',
            ExpressionAttributeValues: { ':fence': lease.fence },
          },
        },
        {
          Update: {
            TableName: tables.conversations,
            Key: { conversation_id: conversationId },
            UpdateExpression: `SET ${sets.join(', ')} REMOVE ${removes.join(', ')}`,
            ConditionExpression: 'lease_id = :lease AND #status = :active',
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: values,
          },
        },
        ...bookingItems(turn.booking),
        ...(turn.job
          ? [messageJobSucceeded(tables.jobs, turn.job.jobId, turn.response, turn.job.at)]
          : []),
      ];
      try {
        const outcome = await transactOnce(
          doc,
          items,
          requestToken('commit', lease.leaseId),
          resolveBy,
        );
        return outcome === 'written' ? 'committed' : 'refused';
      } catch (error) {
        if (!(error instanceof ServiceUnavailableError)) throw error;
        return resolveLostCommit(conversationId, turn.turn, lease, error);
      }
    },

    async bookCall(lease, booking) {
      const outcome = await transactOnce(
        doc,
        bookingItems(booking),
        requestToken('booking', lease.leaseId),
      );
      if (outcome !== 'written') throw new Error('a booking has no condition to refuse it');
    },

    async releaseTurn(conversationId, leaseId) {
      // A lease no longer this one's is not this turn's to release.
      const released = await ifCondition(() =>
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
      return released !== undefined;
    },

    async replaceableTurn(conversation, turn) {
      // The turn, with the turns whose messages its undo may name.
      const items = await queryAll(doc, {
        TableName: tables.messages,
        KeyConditionExpression: 'conversation_id = :c AND #turn BETWEEN :from AND :turn',
        ExpressionAttributeValues: {
          ':c': conversation.conversationId,
          ':from': oldestWindowTurn(turn),
          ':turn': turn,
        },
        ProjectionExpression: '#turn, #messages, #undo',
        ExpressionAttributeNames: { '#turn': 'turn', '#messages': 'messages', '#undo': 'undo' },
        ConsistentRead: true,
      });
      const last = items.find((item) => item.turn === turn);
      const messages: unknown[] = Array.isArray(last?.messages) ? last.messages : [];
      if (!last || messages.length !== 2) return undefined;
      return {
        userMessage: messageOf(messages[0], { kind: 'turn', turn, slot: 0 }),
        undo: turnUndoOf(last.undo, items, conversation),
      };
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

  /**
   * The store never answered the commit: did it land? Its turn item says so (only the commit
   * writes it). If not, letting the lease go makes sure it never will: the commit's condition
   * names the lease. A release refused means the lease was no longer there to let go, so the
   * item is read once more: the commit landed meanwhile, or another change took the lease.
   */
  async function resolveLostCommit(
    conversationId: string,
    turn: number,
    lease: HeldLease,
    lost: ServiceUnavailableError,
  ): Promise<'committed' | 'refused'> {
    try {
      if (await turnItemIsOurs(conversationId, turn, lease.fence)) return 'committed';
      if (!(await turns.releaseTurn(conversationId, lease.leaseId))) {
        return (await turnItemIsOurs(conversationId, turn, lease.fence)) ? 'committed' : 'refused';
      }
    } catch (error) {
      throw new UnresolvedWriteError('turn_commit', (error as Error).message);
    }
    // Released: the commit, whose condition names the lease, can no longer land.
    throw lost;
  }

  return turns;
}

/**
 * A keyed regenerate's records a conversation keeps at most. Every keyed regenerate leaves one
 * (about 70 bytes of the conversation item) without adding a turn, so past this many within a
 * key's 24 h the oldest go first: the item's budget holds, and only a key that many regenerates
 * old can no longer replay.
 */
export const REGENERATE_KEYS_KEPT = 50;

/**
 * The idempotency records a commit removes: the lapsed ones, and, for a keyed regenerate, the
 * oldest of the regenerates' records past REGENERATE_KEYS_KEPT (all of them hold the one body
 * digest a regenerate has, the commit's own record's).
 */
function droppedKeys(
  records: Readonly<Record<string, IdempotencyRecord>>,
  turn: CommittedTurn,
  now: number,
): string[] {
  const own = turn.idempotency;
  const others = Object.entries(records).filter(([key]) => key !== own?.keyDigest);
  const lapsed = others.filter(([, record]) => record.expiresAt < now);
  const regenerates =
    turn.replacing && own
      ? others
          .filter(([, r]) => r.expiresAt >= now && r.bodyHash === own.record.bodyHash)
          .sort(([, a], [, b]) => b.expiresAt - a.expiresAt)
          .slice(REGENERATE_KEYS_KEPT - 1)
      : [];
  return [...lapsed, ...regenerates].map(([key]) => key);
}

// ---- a turn's undo, stored ----
// A turn's undo as its turn item keeps it (attribute `undo`), both ways. The lists' dropped
// entries are kept as they are (a turn drops some only once a list is at its cap of 50, at most
// ten). The window's dropped messages are kept by id only: each is a message of one of the six
// turns before (or of the original service's inline list), so a regenerate reads them back from
// there, and a turn item never carries a copy of earlier messages (its write units, its bytes).

export const turnUndoItem = (undo: TurnUndo): Item => ({
  phase: undo.phase,
  result_status: undo.resultStatus,
  user_turns: undo.userTurns,
  turn_count: undo.turnCount,
  insights: { dropped: [...undo.insights.dropped], kept: undo.insights.kept },
  identified_values: {
    dropped: [...undo.identifiedValues.dropped],
    kept: undo.identifiedValues.kept,
  },
  recent_messages: {
    dropped: undo.recentMessages.dropped.map((m) => m.messageId),
    kept: undo.recentMessages.kept,
  },
});

/**
 * The first turn item whose messages the window before turn `turn` can hold: the window holds
 * at most RECENT_WINDOW messages, two a turn.
 */
export const oldestWindowTurn = (turn: number): number => Math.max(0, turn - RECENT_WINDOW / 2);

/**
 * The undo turn item `turn` keeps, its dropped window messages read back from `turnItems` (the
 * items from oldestWindowTurn on) and the conversation's inline list, as the window keeps them
 * (without metadata). Undefined for a turn stored before turns kept one, or one whose messages
 * cannot all be found: it cannot be undone exactly.
 */
export function turnUndoOf(
  raw: unknown,
  turnItems: readonly Item[],
  conversation: StoredConversation,
): TurnUndo | undefined {
  const item = asRecord(raw);
  const phase = phases.find((p): p is Phase => p === item.phase);
  const resultStatus = resultStatuses.find((s): s is ResultStatus => s === item.result_status);
  if (phase === undefined || resultStatus === undefined) return undefined;
  const list = (value: unknown) => {
    const record = asRecord(value);
    return { dropped: asStrings(record.dropped), kept: asNumber(record.kept) };
  };
  const window = list(item.recent_messages);
  const dropped = window.dropped.map((id) => windowMessage(id, turnItems, conversation));
  if (!dropped.every((m): m is Message => m !== undefined)) return undefined;
  return {
    phase,
    resultStatus,
    userTurns: asNumber(item.user_turns),
    turnCount: asNumber(item.turn_count),
    insights: list(item.insights),
    identifiedValues: list(item.identified_values),
    recentMessages: { dropped, kept: window.kept },
  };
}

/** Message `id` as the window keeps it, from the place its id names. */
function windowMessage(
  id: string,
  turnItems: readonly Item[],
  conversation: StoredConversation,
): Message | undefined {
  const location = locateMessageId(id)?.location;
  if (location === undefined) return undefined;
  let message: Message | undefined;
  if (location.kind === 'inline') message = conversation.inlineMessages[location.index];
  else {
    const holder = turnItems.find((i) => i.turn === location.turn);
    const stored: unknown[] = Array.isArray(holder?.messages) ? holder.messages : [];
    const raw = stored[location.slot];
    message = raw === undefined ? undefined : messageOf(raw, location);
  }
  return message?.messageId === id ? { ...message, metadata: {} } : undefined;
}

// Feedback on the coach's answers in DynamoDB, kept on the item that holds the answer
// (feedback-items.ts). A write names the answer by its place and id, and is one call:
//
// - on a turn item, an update whose condition is that the place still holds the answer of that
//   id: so feedback can never land on a message that replaced it (a regenerated answer), on a
//   user's message, or on an erasure's tombstone, which replaced the whole item and with it any
//   feedback written before. A refused write returns the item it was refused on, which says why.
// - on an original-format inline answer, whose item exists only once it has feedback, a put in
//   one transaction with the check that the conversation's turn 0 holds no tombstone: an erasure
//   writes that tombstone before it lists the items to erase, so either the feedback is listed
//   and erased, or it is refused.
// The export (a tenant's feedback, newest first) is feedback-export.ts.
import {
  DeleteCommand,
  TransactWriteCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type {
  FeedbackRepository,
  FeedbackWrite,
  RatedAnswer,
} from '../coaching/feedback-records.js';
import { locateMessageId } from '../coaching/conversation-entity.js';
import { ServiceUnavailableError } from '../errors.js';
import { ifCondition, storageCall } from './dynamo.js';
import { exportFeedback } from './feedback-export.js';
import { FEEDBACK_ATTRIBUTES, feedbackAttributes, inlineFeedbackTurn } from './feedback-items.js';
import { asRecord, type Item } from './item-values.js';

interface TurnPlace {
  readonly turn: number;
  readonly slot: 0 | 1;
}

/** The condition that the turn item's place holds the message of this id, a user's or not. */
function holdsMessage(answer: RatedAnswer, slot: 0 | 1) {
  return locateMessageId(answer.messageId)?.minted
    ? `messages[${slot}].message_id = :id`
    : `attribute_not_exists(messages[${slot}].message_id) AND attribute_exists(messages[${slot}].#role)`;
}

/** Why a write conditional on the answer was refused, from the item it was refused on. */
function refusal(old: Item | undefined, answer: RatedAnswer, { slot }: TurnPlace): FeedbackWrite {
  if (!old || old.erased_at !== undefined) return old ? 'erased' : 'no_such_message';
  const messages = Array.isArray(old.messages) ? old.messages : [];
  const there = asRecord(messages[slot]);
  const minted = locateMessageId(answer.messageId)?.minted;
  const same = minted ? there.message_id === answer.messageId : there.message_id === undefined;
  return same && there.role === 'user' ? 'user_message' : 'no_such_message';
}

/** A conditional write's refusal, with the item as it stood (DynamoDB's attribute form). */
function refusedItem(error: unknown): Item | undefined | 'not refused' {
  const e = error as { name?: string; Item?: Record<string, AttributeValue> };
  if (e.name !== 'ConditionalCheckFailedException') return 'not refused';
  return e.Item ? unmarshall(e.Item) : undefined;
}

export function createFeedbackRepository(
  doc: DynamoDBDocumentClient,
  tables: { readonly messages: string; readonly conversations: string },
): FeedbackRepository {
  /** An update of the answer's turn item, only while its place holds the answer. */
  async function updateTurn(
    answer: RatedAnswer,
    place: TurnPlace,
    update: { expression: string; values: Record<string, unknown>; names: Record<string, string> },
  ): Promise<FeedbackWrite> {
    const minted = locateMessageId(answer.messageId)?.minted;
    try {
      await storageCall(() =>
        doc.send(
          new UpdateCommand({
            TableName: tables.messages,
            Key: { conversation_id: answer.conversationId, turn: place.turn },
            UpdateExpression: update.expression,
            ConditionExpression: `${holdsMessage(answer, place.slot)} AND messages[${place.slot}].#role = :assistant`,
            ExpressionAttributeNames: { ...update.names, '#role': 'role' },
            ExpressionAttributeValues: {
              ...update.values,
              ...(minted ? { ':id': answer.messageId } : {}),
              ':assistant': 'assistant',
            },
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        ),
      );
      return 'done';
    } catch (error) {
      const old = refusedItem(error);
      if (old === 'not refused') throw error;
      return refusal(old, answer, place);
    }
  }

  return {
    async record(answer, feedback) {
      const attributes = feedbackAttributes(answer, feedback);
      const { location } = answer;
      if (location.kind === 'turn') {
        const names = Object.fromEntries(Object.keys(attributes).map((a) => [`#${a}`, a]));
        return updateTurn(answer, location, {
          expression: `SET ${Object.keys(attributes)
            .map((a) => `#${a} = :${a}`)
            .join(', ')}`,
          names,
          values: Object.fromEntries(Object.entries(attributes).map(([a, v]) => [`:${a}`, v])),
        });
      }
      const key = (turn: number) => ({ conversation_id: answer.conversationId, turn });
      try {
        await storageCall(() =>
          doc.send(
            new TransactWriteCommand({
              TransactItems: [
                {
                  ConditionCheck: {
                    TableName: tables.messages,
                    Key: key(0),
                    ConditionExpression: 'attribute_not_exists(erased_at)',
                  },
                },
                {
                  Put: {
                    TableName: tables.messages,
                    Item: { ...key(inlineFeedbackTurn(location.index)), ...attributes },
                  },
                },
              ],
            }),
          ),
        );
        return 'done';
      } catch (error) {
        const e = error as { name?: string; CancellationReasons?: { Code?: string }[] };
        if (e.name !== 'TransactionCanceledException') throw error;
        if (e.CancellationReasons?.[0]?.Code === 'ConditionalCheckFailed') return 'erased';
        // Another transaction on the same items (an erasure's, at that very moment): retry later.
        throw new ServiceUnavailableError('dynamodb', 1, 'transaction conflict');
      }
    },

    async remove(answer) {
      const { location } = answer;
      if (location.kind === 'turn') {
        return updateTurn(answer, location, {
          expression: `REMOVE ${FEEDBACK_ATTRIBUTES.join(', ')}`,
          names: {},
          values: {},
        });
      }
      // Nothing to remove is as good as removed.
      await ifCondition(() =>
        doc.send(
          new DeleteCommand({
            TableName: tables.messages,
            Key: {
              conversation_id: answer.conversationId,
              turn: inlineFeedbackTurn(location.index),
            },
            ConditionExpression: 'attribute_exists(feedback)',
          }),
        ),
      );
      return 'done';
    },

    export: (query) => exportFeedback(doc, tables, query),
  };
}

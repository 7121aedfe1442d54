// A conversation's jobs, when the conversation is erased: every one goes, whatever its status. A
// finished job's result holds the coach's words, an open one the user's message, and any of them
// the user's id; none may outlive the conversation. Found through the jobs table's sparse
// conversation index (only message jobs carry a conversation id). A worker still running one
// finds its job gone and records nothing; its turn cannot commit either, since the erasure took
// the conversation's lease first.
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { queryAll, writeInBatches } from './dynamo.js';
import { asString } from './item-values.js';
import { tables } from './tables.js';

const byConversation = tables.jobs.indexes[0]?.name ?? 'conversation_id-index';

/** The ids of the conversation's jobs, as the index has them. */
async function jobIdsOf(
  doc: DynamoDBDocumentClient,
  table: string,
  conversationId: string,
): Promise<string[]> {
  const items = await queryAll(doc, {
    TableName: table,
    IndexName: byConversation,
    KeyConditionExpression: 'conversation_id = :c',
    ExpressionAttributeValues: { ':c': conversationId },
    ProjectionExpression: 'job_id',
  });
  return items.map((item) => asString(item.job_id));
}

export async function eraseConversationJobs(
  doc: DynamoDBDocumentClient,
  table: string,
  conversationId: string,
): Promise<void> {
  const ids = await jobIdsOf(doc, table, conversationId);
  await writeInBatches(
    doc,
    table,
    ids.map((jobId) => ({ DeleteRequest: { Key: { job_id: jobId } } })),
  );
}

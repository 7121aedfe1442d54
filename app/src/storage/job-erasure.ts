// A conversation's jobs, when the conversation is erased: a finished job's result holds the
// coach's words, and a job still open holds the user's message, so neither may outlive the
// erasure. Found through the jobs table's sparse conversation index (only message jobs carry a
// conversation id): a succeeded job is deleted (its conversation is gone, and so is it); one
// still queued fails as the erased conversation's turn would (404), and one running loses its
// work, so its worker, which holds the work in memory, fails it the same way. A failed job
// holds only an error envelope and stays.
import {
  BatchWriteCommand,
  QueryCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { ConversationNotFoundError, ServiceUnavailableError } from '../errors.js';
import { jobError } from '../jobs/job-errors.js';
import { isConditionFailure, storageCall } from './dynamo.js';
import { asString } from './item-values.js';
import { tables } from './tables.js';

const byConversation = tables.jobs.indexes[0]?.name ?? 'conversation_id-index';

type Item = Record<string, unknown>;

async function jobsOf(doc: DynamoDBDocumentClient, table: string, conversationId: string) {
  const jobs: Item[] = [];
  let start: Item | undefined;
  do {
    const page = await storageCall(() =>
      doc.send(
        new QueryCommand({
          TableName: table,
          IndexName: byConversation,
          KeyConditionExpression: 'conversation_id = :c',
          ExpressionAttributeValues: { ':c': conversationId },
          ExclusiveStartKey: start,
        }),
      ),
    );
    jobs.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return jobs;
}

/** One conditional update; a job that moved on meanwhile is left to its worker. */
async function settle(
  doc: DynamoDBDocumentClient,
  table: string,
  jobId: string,
  update: { expression: string; from: string; values?: Item },
): Promise<void> {
  try {
    await storageCall(() =>
      doc.send(
        new UpdateCommand({
          TableName: table,
          Key: { job_id: jobId },
          UpdateExpression: update.expression,
          ConditionExpression: '#status = :from',
          ExpressionAttributeNames: {
            '#status': 'status',
            '#work': 'work',
            ...(update.values ? { '#error': 'error' } : {}),
          },
          ExpressionAttributeValues: { ':from': update.from, ...update.values },
        }),
      ),
    );
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
  }
}

export async function eraseConversationJobs(
  doc: DynamoDBDocumentClient,
  table: string,
  conversationId: string,
  at: string,
): Promise<void> {
  const jobs = await jobsOf(doc, table, conversationId);
  const succeeded = jobs.filter((job) => job.status === 'succeeded');
  for (let i = 0; i < succeeded.length; i += 25) {
    let requests = succeeded
      .slice(i, i + 25)
      .map((job) => ({ DeleteRequest: { Key: { job_id: asString(job.job_id) } } }));
    for (let attempt = 0; requests.length > 0 && attempt < 5; attempt++) {
      const result = await storageCall(() =>
        doc.send(new BatchWriteCommand({ RequestItems: { [table]: requests } })),
      );
      requests = (result.UnprocessedItems?.[table] ?? []) as typeof requests;
    }
    if (requests.length > 0) throw new ServiceUnavailableError('dynamodb', 2, 'throttled');
  }
  for (const job of jobs) {
    const jobId = asString(job.job_id);
    if (job.status === 'queued') {
      const error = jobError(
        new ConversationNotFoundError(conversationId),
        asString(job.request_id),
      );
      await settle(doc, table, jobId, {
        expression: 'SET #status = :failed, #error = :error, updated_at = :at REMOVE #work',
        from: 'queued',
        values: { ':failed': 'failed', ':error': JSON.stringify(error), ':at': at },
      });
    } else if (job.status === 'running') {
      await settle(doc, table, jobId, { expression: 'REMOVE #work', from: 'running' });
    }
  }
}

// Jobs in DynamoDB: one item per job, and one per Idempotency-Key that names a job (its id is
// `key#` and the key's digest, which no job id can be). Every change of a job's status is a
// conditional update on the status it moves from, so it only ever moves forward, and the work,
// the result and the error are JSON text (client JSON round-trips whatever its shape).
// Every write knows its own earlier success (dynamo.ts, ownWrite): a put names a fresh job id,
// a status change leaves an id of its own (`write_id`), a key's record names its job; so a
// write sent again after its answer was lost is never taken for a competitor's.
import { randomUUID } from 'node:crypto';
import {
  GetCommand,
  PutCommand,
  ScanCommand,
  UpdateCommand,
  type NativeAttributeValue,
} from '@aws-sdk/lib-dynamodb';
import type {
  Job,
  JobError,
  JobKeyRecord,
  JobRepository,
  JobResult,
  JobWork,
} from '../jobs/job-records.js';
import { jobStatuses } from '../domain/kernel.js';
import { JOB_KEPT_MS } from '../jobs/job-timing.js';
import { ownWrite, storageCall, type Dynamo, type TransactItem } from './dynamo.js';
import { asNumber, asString } from './item-values.js';
import { eraseConversationJobs } from './job-erasure.js';

type Item = Record<string, NativeAttributeValue>;

const keyId = (scope: string) => `key#${scope}`;
/** DynamoDB's TTL attribute: epoch seconds. */
const expireAt = (epochMs: number) => Math.ceil(epochMs / 1000);
const json = (text: unknown): unknown => (typeof text === 'string' ? JSON.parse(text) : null);
const attributeNames = {
  '#status': 'status',
  '#error': 'error',
  '#result': 'result',
  '#work': 'work',
};

function jobItem(job: Job): Item {
  return {
    job_id: job.jobId,
    record_kind: 'job',
    kind: job.kind,
    status: job.status,
    user_id: job.userId,
    tenant_id: job.tenantId,
    conversation_id: job.conversationId ?? undefined,
    created_at: job.createdAt,
    updated_at: job.updatedAt,
    start_by: job.startBy,
    deadline: job.deadline,
    request_id: job.requestId,
    work: job.work ? JSON.stringify(job.work) : undefined,
    result: job.result ? JSON.stringify(job.result) : undefined,
    error: job.error ? JSON.stringify(job.error) : undefined,
    expire_at: expireAt(Date.parse(job.createdAt) + JOB_KEPT_MS),
  };
}

function jobOf(item: Item): Job {
  const status = jobStatuses.find((s) => s === item.status) ?? 'failed';
  return {
    jobId: asString(item.job_id),
    kind: item.kind === 'analysis' ? 'analysis' : 'message',
    status,
    userId: asString(item.user_id),
    tenantId: asString(item.tenant_id),
    conversationId: typeof item.conversation_id === 'string' ? item.conversation_id : null,
    createdAt: asString(item.created_at),
    updatedAt: asString(item.updated_at),
    startBy: asNumber(item.start_by),
    deadline: asNumber(item.deadline),
    requestId: asString(item.request_id),
    work: json(item.work) as JobWork | null,
    result: json(item.result) as JobResult | null,
    error: json(item.error) as JobError | null,
  };
}

/**
 * A message job's success, written in its turn's commit (conversation-turns.ts): the job and the
 * turn land together or not at all, and only while the job runs within its deadline.
 */
export function messageJobSucceeded(
  table: string,
  jobId: string,
  turn: unknown,
  at: Date,
): TransactItem {
  return {
    Update: {
      TableName: table,
      Key: { job_id: jobId },
      UpdateExpression: 'SET #status = :to, updated_at = :now, #result = :out REMOVE #work',
      ConditionExpression: 'record_kind = :job AND #status = :running AND deadline >= :ms',
      ExpressionAttributeNames: { '#status': 'status', '#result': 'result', '#work': 'work' },
      ExpressionAttributeValues: {
        ':job': 'job',
        ':to': 'succeeded',
        ':running': 'running',
        ':now': at.toISOString(),
        ':ms': at.getTime(),
        ':out': JSON.stringify({ kind: 'message', turn }),
      },
    },
  };
}

export function createJobRepository(dynamo: Dynamo, table: string): JobRepository {
  const { doc } = dynamo;
  const read = async (id: string): Promise<Item | undefined> =>
    (
      await storageCall(() =>
        doc.send(new GetCommand({ TableName: table, Key: { job_id: id }, ConsistentRead: true })),
      )
    ).Item;

  /**
   * A conditional change of the job, leaving its own id (`write_id`) on it; false when its
   * condition did not hold and the change is not this write's own.
   */
  async function update(
    jobId: string,
    input: {
      set: string;
      /** Settling a job: its work, and the client's text in it, goes. */
      settles?: boolean;
      condition: string;
      values: Record<string, unknown>;
      /** This write's id; one is made when the caller has none of its own. */
      writeId?: string;
    },
  ): Promise<Item | undefined> {
    const writeId = input.writeId ?? randomUUID();
    const { written, item } = await ownWrite(
      () =>
        doc.send(
          new UpdateCommand({
            TableName: table,
            Key: { job_id: jobId },
            UpdateExpression: `SET ${input.set}, write_id = :write${input.settles ? ' REMOVE #work' : ''}`,
            ConditionExpression: `record_kind = :job AND ${input.condition}`,
            // DynamoDB refuses a name the expressions do not use.
            ExpressionAttributeNames: Object.fromEntries(
              Object.entries(attributeNames).filter(([name]) =>
                `${input.set} ${input.settles ? '#work' : ''} ${input.condition}`.includes(name),
              ),
            ),
            ExpressionAttributeValues: { ':job': 'job', ':write': writeId, ...input.values },
            ReturnValues: 'ALL_NEW',
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        ),
      (found) => found.write_id === writeId,
      () => read(jobId),
    );
    return written ? (item ?? {}) : undefined;
  }

  /** A put under a fresh id: an item already there under it is this very put's. */
  const putNew = (item: Item) =>
    ownWrite(
      () =>
        doc.send(
          new PutCommand({
            TableName: table,
            Item: item,
            ConditionExpression: 'attribute_not_exists(job_id)',
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        ),
      (found) => found.request_id === item.request_id,
      () => read(String(item.job_id)),
    );

  return {
    async create(job) {
      await putNew(jobItem(job));
    },

    async createOnce(job) {
      // Whoever put the job under this id (a request at the same time, or this one, whose answer
      // was lost), it is the same one: the id names what it holds.
      const { item } = await ownWrite(
        () =>
          doc.send(
            new PutCommand({
              TableName: table,
              Item: jobItem(job),
              ConditionExpression: 'attribute_not_exists(job_id)',
              ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
            }),
          ),
        () => true,
        () => read(job.jobId),
      );
      return item?.record_kind === 'job' ? jobOf(item) : job;
    },

    async get(jobId) {
      const item = await read(jobId);
      return item?.record_kind === 'job' ? jobOf(item) : undefined;
    },

    async start(jobId, now, workerId) {
      const item = await update(jobId, {
        set: '#status = :running, updated_at = :now',
        writeId: workerId,
        condition: '#status = :queued AND start_by >= :ms',
        values: {
          ':running': 'running',
          ':queued': 'queued',
          ':now': now.toISOString(),
          ':ms': now.getTime(),
        },
      });
      return item ? jobOf(item) : undefined;
    },

    async finish(jobId, outcome, now, workerId) {
      const written =
        outcome.status === 'succeeded'
          ? { set: '#result = :out', values: { ':out': JSON.stringify(outcome.result) } }
          : { set: '#error = :out', values: { ':out': JSON.stringify(outcome.error) } };
      const item = await update(jobId, {
        set: `#status = :to, updated_at = :now, ${written.set}`,
        settles: true,
        writeId: `${workerId}:finish`,
        // Past the deadline it already reads failed: a late result must not turn it round.
        condition: '#status = :running AND deadline >= :ms',
        values: {
          ':to': outcome.status,
          ':running': 'running',
          ':now': now.toISOString(),
          ':ms': now.getTime(),
          ...written.values,
        },
      });
      return item !== undefined;
    },

    async abandon(jobId, error, now, from) {
      const names = from.map((_, i) => `:from${i}`);
      const item = await update(jobId, {
        set: '#status = :failed, updated_at = :now, #error = :error',
        settles: true,
        condition: `#status IN (${names.join(', ')})`,
        values: {
          ':failed': 'failed',
          ':now': now.toISOString(),
          ':error': JSON.stringify(error),
          ...Object.fromEntries(from.map((status, i) => [names[i], status])),
        },
      });
      return item !== undefined;
    },

    async keyRecord(scope) {
      const item = await read(keyId(scope));
      if (item?.record_kind !== 'key') return undefined;
      return {
        jobId: asString(item.points_to),
        bodyHash: asString(item.body_hash),
        expiresAt: asNumber(item.expires_ms),
      } satisfies JobKeyRecord;
    },

    async claimKey(scope, record, replacing) {
      // A record that names this request's job is this claim's own.
      const { written } = await ownWrite(
        () =>
          doc.send(
            new PutCommand({
              TableName: table,
              Item: {
                job_id: keyId(scope),
                record_kind: 'key',
                points_to: record.jobId,
                body_hash: record.bodyHash,
                expires_ms: record.expiresAt,
                expire_at: expireAt(record.expiresAt),
              },
              ConditionExpression:
                replacing === undefined
                  ? 'attribute_not_exists(job_id)'
                  : 'attribute_not_exists(job_id) OR points_to = :replacing',
              ExpressionAttributeValues:
                replacing === undefined ? undefined : { ':replacing': replacing },
              ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
            }),
          ),
        (found) => found.points_to === record.jobId,
        () => read(keyId(scope)),
      );
      return written;
    },

    async unfinished() {
      const jobs: Job[] = [];
      let start: Item | undefined;
      do {
        const page = await storageCall(() =>
          doc.send(
            new ScanCommand({
              TableName: table,
              FilterExpression: 'record_kind = :job AND #status IN (:queued, :running)',
              ExpressionAttributeNames: { '#status': 'status' },
              ExpressionAttributeValues: {
                ':job': 'job',
                ':queued': 'queued',
                ':running': 'running',
              },
              ExclusiveStartKey: start,
            }),
          ),
        );
        jobs.push(...(page.Items ?? []).map(jobOf));
        start = page.LastEvaluatedKey;
      } while (start);
      return jobs;
    },

    eraseConversation: (conversationId) => eraseConversationJobs(doc, table, conversationId),
  };
}

// The one source of truth for DynamoDB tables: names, keys, indexes and TTL attributes.
// The Pulumi program turns these into aws.dynamodb.Table resources; the local server creates
// the same tables in the embedded store. Plain data only: no SDK, no Pulumi imports.

export type KeyType = 'S' | 'N';

export interface KeyAttribute {
  readonly name: string;
  readonly type: KeyType;
}

/** What an index copies of each item, beside the table's and its own keys. */
export type Projection =
  { readonly type: 'ALL' } | { readonly type: 'INCLUDE'; readonly attributes: readonly string[] };

export interface IndexDefinition {
  readonly name: string;
  readonly hashKey: KeyAttribute;
  readonly rangeKey?: KeyAttribute;
  readonly projection: Projection;
}

export interface TableDefinition {
  /** Stable identifier used in code and as the Pulumi logical name. */
  readonly id: TableId;
  /** Name before `-{stage}{suffix}`. */
  readonly baseName: string;
  /** The environment variable that carries the deployed table name to the app. */
  readonly envVar: string;
  readonly description: string;
  readonly hashKey: KeyAttribute;
  readonly rangeKey?: KeyAttribute;
  readonly indexes: readonly IndexDefinition[];
  /** Epoch-seconds attribute that DynamoDB expires items by, when the table uses TTL. */
  readonly ttlAttribute?: string;
}

export type TableId =
  | 'conversations'
  | 'messages'
  | 'coachingSessions'
  | 'analyses'
  | 'rateLimits'
  | 'jobs'
  | 'usageCounters';

const S = (name: string): KeyAttribute => ({ name, type: 'S' });
const N = (name: string): KeyAttribute => ({ name, type: 'N' });
const ALL: Projection = { type: 'ALL' };
const include = (...attributes: string[]): Projection => ({ type: 'INCLUDE', attributes });

export const tables: Readonly<Record<TableId, TableDefinition>> = {
  conversations: {
    id: 'conversations',
    baseName: 'purposepath-conversations',
    envVar: 'CONVERSATIONS_TABLE',
    description: 'One item per conversation: status, phase, counters, recent-turn window.',
    hashKey: S('conversation_id'),
    // Each copies only what the list reads, so a turn's write (its recent window, its
    // insights) is not copied again: the count reads the first, a page the second.
    indexes: [
      {
        name: 'tenant_id-user_id-index',
        hashKey: S('tenant_id'),
        rangeKey: S('user_id'),
        projection: include('status'),
      },
      {
        name: 'user_id-created_at-index',
        hashKey: S('user_id'),
        rangeKey: S('created_at'),
        // A summary's attributes; `context` and `messages` only exist on the original
        // service's items, which keep their phase and their messages there.
        projection: include(
          'tenant_id',
          'topic',
          'status',
          'current_phase',
          'turn_count',
          'message_count',
          'updated_at',
          'completed_at',
          'context',
          'messages',
        ),
      },
    ],
  },
  messages: {
    id: 'messages',
    baseName: 'purposepath-conversation-messages',
    envVar: 'MESSAGES_TABLE',
    description:
      'One item per committed turn of a conversation, so history has no item-size ceiling; feedback on its answer.',
    hashKey: S('conversation_id'),
    rangeKey: N('turn'),
    // Sparse: only an item with feedback on its answer carries the keys (a turn item, or the
    // item at turn −1 − index that keeps the feedback on an original-format inline message).
    // A tenant's feedback, newest first, is the export; what it shows of the answer itself
    // (the text, the model, the prompt version) is read from the turn items of a page.
    indexes: [
      {
        name: 'feedback_tenant-feedback_at-index',
        hashKey: S('feedback_tenant'),
        rangeKey: S('feedback_at'),
        projection: include('feedback', 'feedback_topic'),
      },
    ],
    // Only an erased conversation's tombstones carry it.
    ttlAttribute: 'expire_at',
  },
  coachingSessions: {
    id: 'coachingSessions',
    baseName: 'purposepath-coaching-sessions',
    envVar: 'COACHING_SESSIONS_TABLE',
    description: 'One item per coaching run: model, token totals, estimated cost, outcome.',
    hashKey: S('session_id'),
    indexes: [
      {
        name: 'tenant_id-user_id-index',
        hashKey: S('tenant_id'),
        rangeKey: S('user_id'),
        projection: ALL,
      },
      { name: 'user_id-topic-index', hashKey: S('user_id'), rangeKey: S('topic'), projection: ALL },
      {
        name: 'tenant_id-started_at-index',
        hashKey: S('tenant_id'),
        rangeKey: S('started_at'),
        projection: ALL,
      },
    ],
  },
  analyses: {
    id: 'analyses',
    baseName: 'purposepath-analyses',
    envVar: 'ANALYSES_TABLE',
    description: 'Stored analysis results and their usage (model, tokens, estimated cost).',
    hashKey: S('analysis_id'),
    indexes: [
      {
        name: 'tenant_id-created_at-index',
        hashKey: S('tenant_id'),
        rangeKey: S('created_at'),
        projection: ALL,
      },
    ],
  },
  rateLimits: {
    id: 'rateLimits',
    baseName: 'purposepath-rate-limits',
    envVar: 'RATE_LIMIT_TABLE',
    description: 'Fixed-window rate-limit counters shared by all Lambda instances.',
    hashKey: S('key'),
    indexes: [],
    ttlAttribute: 'expire',
  },
  jobs: {
    id: 'jobs',
    baseName: 'purposepath-jobs',
    envVar: 'JOBS_TABLE',
    description:
      'Asynchronous jobs (Prefer: respond-async): status, work, result; and the Idempotency-Keys that name them. Kept 24 h.',
    hashKey: S('job_id'),
    // No route lists a user's jobs, so there is no owner index. This sparse one (only message
    // jobs carry a conversation id) is how an erasure finds the conversation's jobs.
    indexes: [
      {
        name: 'conversation_id-index',
        hashKey: S('conversation_id'),
        projection: include('status', 'request_id'),
      },
    ],
    ttlAttribute: 'expire_at',
  },
  usageCounters: {
    id: 'usageCounters',
    baseName: 'purposepath-usage-counters',
    envVar: 'USAGE_COUNTERS_TABLE',
    description:
      'Model spend added up as calls finish: a tenant’s month, each user’s month and days, and the tenant’s own budget. No text; kept as the bill.',
    // `pk` is a tenant's month (or the tenant itself, for its budget); `sk` the item within it:
    // the tenant's totals, or one user's (docs/storage.md, "Usage counters").
    hashKey: S('pk'),
    rangeKey: S('sk'),
    indexes: [],
  },
};

export const tableList: readonly TableDefinition[] = Object.values(tables);

/** The deployed name of a table: `{baseName}-{stage}{suffix}`, e.g. purposepath-conversations-dev-v2. */
export function tableName(table: TableDefinition, stage: string, suffix: string): string {
  return `${table.baseName}-${stage}${suffix}`;
}

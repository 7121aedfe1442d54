// The original SAM stack's default deployment, as its deployment guide describes it (NameSuffix
// `-v2`): the names it holds, which no stack of this platform may create, and its two tables'
// keys and indexes, with which the offline plan answers a lookup of them (useOriginalTables).

/** The original's `NameSuffix` parameter default. */
export const originalDefaultSuffix = '-v2';

/** Every physical name the original's default deployment of `stage` holds, or its guide has made by hand. */
export function originalNames(stage: string): string[] {
  return [
    `purposepath-conversations-${stage}${originalDefaultSuffix}`,
    `purposepath-coaching-sessions-${stage}${originalDefaultSuffix}`,
    // The guide's table list and its hand-made bucket and secret carry no suffix.
    `purposepath-conversations-${stage}`,
    `purposepath-coaching-sessions-${stage}`,
    `purposepath-coaching-prompts-${stage}`,
    `purposepath/jwt-secret/${stage}`,
    // The CloudFormation stack, and the alarm the guide creates by hand.
    `purposepath-coaching-api-${stage}`,
    `purposepath-api-errors-${stage}`,
  ];
}

/** Names CloudFormation generates inside the original's stack: `<stack>-<logical id>-<hash>`. */
export const originalGeneratedName = /^purposepath-coaching-api-[a-z0-9]+-[A-Za-z]+-[A-Za-z0-9]+$/;

interface OriginalTable {
  readonly hashKey: string;
  /** Name, hash key and range key of each global secondary index. */
  readonly indexes: readonly (readonly [string, string, string])[];
}

/** The original's tables by base name; every key a string, every index projecting ALL. */
const originalTables: Readonly<Record<string, OriginalTable>> = {
  'purposepath-conversations': {
    hashKey: 'conversation_id',
    indexes: [
      ['tenant_id-user_id-index', 'tenant_id', 'user_id'],
      ['user_id-created_at-index', 'user_id', 'created_at'],
    ],
  },
  'purposepath-coaching-sessions': {
    hashKey: 'session_id',
    indexes: [
      ['tenant_id-user_id-index', 'tenant_id', 'user_id'],
      ['user_id-topic-index', 'user_id', 'topic'],
      ['tenant_id-started_at-index', 'tenant_id', 'started_at'],
    ],
  },
};

/**
 * What DynamoDB's DescribeTable (aws.dynamodb.getTable) answers for one of the original's
 * tables, named `{base}-{stage}{suffix}`; an error, as AWS answers, for any other name.
 */
export function describeOriginalTable(name: string, region: string, account: string) {
  const base = Object.keys(originalTables).find((b) => name.startsWith(`${b}-`));
  const table = base ? originalTables[base] : undefined;
  if (!table)
    throw new Error(
      `ResourceNotFoundException: Requested resource not found: Table: ${name} not found`,
    );
  const keys = new Set([
    table.hashKey,
    ...table.indexes.flatMap(([, hash, range]) => [hash, range]),
  ]);
  return {
    id: name,
    name,
    arn: `arn:aws:dynamodb:${region}:${account}:table/${name}`,
    hashKey: table.hashKey,
    rangeKey: '',
    attributes: [...keys].map((key) => ({ name: key, type: 'S' })),
    globalSecondaryIndexes: table.indexes.map(([indexName, hashKey, rangeKey]) => ({
      name: indexName,
      hashKey,
      rangeKey,
      keySchemas: [
        { attributeName: hashKey, keyType: 'HASH' },
        { attributeName: rangeKey, keyType: 'RANGE' },
      ],
      projectionType: 'ALL',
      nonKeyAttributes: [],
    })),
  };
}

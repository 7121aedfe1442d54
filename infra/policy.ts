// The function's permissions as plain data: every grant names its resources, and only calls
// AWS offers no resource-level form for (X-Ray, describing network interfaces) get `*`.
import { tables } from '../app/src/storage/tables';

export interface PolicyStatement {
  readonly Sid: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Action: string[];
  readonly Resource: string[];
  readonly Condition?: Record<string, Record<string, string[]>>;
}

export interface PolicyDocument {
  readonly Version: '2012-10-17';
  readonly Statement: PolicyStatement[];
}

export interface ServicePolicyInputs {
  readonly region: string;
  readonly accountId: string;
  /** Every table but the jobs and usage counters tables, with their indexes. */
  readonly tableArns: readonly string[];
  /** The jobs table: items by id, and its conversation index for an erasure. */
  readonly jobsTableArn: string;
  /** The usage counters: added to, read a tenant's month at a time, a tenant's budget set. */
  readonly usageCountersTableArn: string;
  readonly bucketArn: string;
  readonly secretArn: string;
  readonly logGroupArn: string;
  /** The function itself: it hands each asynchronous job to another invocation of itself. */
  readonly functionArn: string;
  /** Where Lambda records the job events it gave up on (its on-failure destination). */
  readonly failedJobQueueArn: string;
  readonly allowedModels: readonly string[];
  /** Present when the function runs in a VPC. */
  readonly vpc?: {
    readonly subnetIds: readonly string[];
    readonly securityGroupIds: readonly string[];
  };
}

/** Geography prefixes of Bedrock cross-region inference profiles (`us.anthropic.…`). */
const inferenceProfileGeographies = ['us', 'us-gov', 'eu', 'apac', 'ca', 'jp', 'au', 'global'];

/** What the jobs' storage calls on their table in AWS (storage/job-repository.ts, job-erasure.ts). */
export const jobsTableActions = [
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:BatchWriteItem',
];
const jobsIndexes = tables.jobs.indexes.map((index) => index.name);

/**
 * What the usage counters' storage calls on their table (storage/usage-counters.ts): an add is
 * an UpdateItem a counter item; a budget check one BatchGetItem; a tenant's month one Query; a
 * tenant's own budget is read, put and deleted by key. It has no index, and nothing scans it.
 */
export const usageCountersTableActions = [
  'dynamodb:BatchGetItem',
  'dynamodb:DeleteItem',
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:Query',
  'dynamodb:UpdateItem',
];

export function servicePolicy(inputs: ServicePolicyInputs): PolicyDocument {
  const { region, accountId } = inputs;
  const statements: PolicyStatement[] = [
    {
      Sid: 'Tables',
      Effect: 'Allow',
      Action: [
        'dynamodb:GetItem',
        'dynamodb:BatchGetItem',
        'dynamodb:Query',
        'dynamodb:PutItem',
        'dynamodb:UpdateItem',
        'dynamodb:DeleteItem',
        'dynamodb:BatchWriteItem',
        'dynamodb:ConditionCheckItem',
        'dynamodb:DescribeTable',
      ],
      Resource: inputs.tableArns.flatMap((arn) => [arn, `${arn}/index/*`]),
    },
    {
      // By id: written, claimed and finished one at a time; a conversation's erasure deletes its
      // finished jobs in batches. No Scan: only the local server's start-up lists open jobs.
      Sid: 'Jobs',
      Effect: 'Allow',
      Action: jobsTableActions,
      Resource: [inputs.jobsTableArn],
    },
    {
      // The erasure finds a conversation's jobs through this index, and reads nothing else.
      Sid: 'JobsOfAConversation',
      Effect: 'Allow',
      Action: ['dynamodb:Query'],
      Resource: jobsIndexes.map((index) => `${inputs.jobsTableArn}/index/${index}`),
    },
    {
      Sid: 'UsageCounters',
      Effect: 'Allow',
      Action: usageCountersTableActions,
      Resource: [inputs.usageCountersTableArn],
    },
    {
      // The templates' history: the admin routes list a template's versions.
      Sid: 'PromptTemplateHistory',
      Effect: 'Allow',
      Action: ['s3:ListBucketVersions'],
      Resource: [inputs.bucketArn],
    },
    {
      // Read the current or any version; publish and roll back (a copy) as a new version, with
      // If-Match, which S3 allows with GetObject and PutObject together.
      Sid: 'PromptTemplates',
      Effect: 'Allow',
      Action: ['s3:GetObject', 's3:GetObjectVersion', 's3:PutObject'],
      Resource: [`${inputs.bucketArn}/*`],
    },
    {
      Sid: 'JwtSecret',
      Effect: 'Allow',
      Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
      Resource: [inputs.secretArn],
    },
    {
      Sid: 'Logs',
      Effect: 'Allow',
      Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      Resource: [inputs.logGroupArn, `${inputs.logGroupArn}:*`],
    },
    {
      // The unqualified ARN only: the dispatcher invokes the function by name, never a version.
      Sid: 'HandJobsToItself',
      Effect: 'Allow',
      Action: ['lambda:InvokeFunction'],
      Resource: [inputs.functionArn],
    },
    {
      // Lambda sends the on-failure record with the function's own role.
      Sid: 'FailedJobRecords',
      Effect: 'Allow',
      Action: ['sqs:SendMessage'],
      Resource: [inputs.failedJobQueueArn],
    },
    ...modelStatements(inputs.allowedModels, region, accountId),
    {
      Sid: 'Tracing',
      Effect: 'Allow',
      Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'],
      Resource: ['*'],
    },
  ];
  if (inputs.vpc) statements.push(...vpcStatements(inputs.vpc, region, accountId));
  return { Version: '2012-10-17', Statement: statements };
}

const invokeActions = ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream'];

/**
 * The allowed models and profiles, and the foundation models behind the profiles. A profile
 * routes a call to its model in any region of its geography (a global one to any commercial
 * region, which IAM names with an empty region), so those model ARNs carry every region; the
 * condition lets them be reached only through the allowed profiles, never called directly.
 */
export function modelStatements(
  allowedModels: readonly string[],
  region: string,
  accountId: string,
): PolicyStatement[] {
  const grants = allowedModels.map((model) => bedrockModelGrant(model, region, accountId));
  const statements: PolicyStatement[] = [
    {
      Sid: 'AllowedModels',
      Effect: 'Allow',
      Action: invokeActions,
      Resource: grants.map((g) => g.called),
    },
  ];
  const throughProfiles = grants.filter((g) => g.routedTo.length > 0);
  if (throughProfiles.length > 0) {
    statements.push({
      Sid: 'ModelsBehindAllowedProfiles',
      Effect: 'Allow',
      Action: invokeActions,
      Resource: throughProfiles.flatMap((g) => g.routedTo),
      Condition: {
        StringEquals: { 'bedrock:InferenceProfileArn': throughProfiles.map((g) => g.called) },
      },
    });
  }
  return statements;
}

export interface ModelGrant {
  /** The ARN a call names: the foundation model in the stack's region, or the inference profile. */
  readonly called: string;
  /** For a profile, the foundation model ARNs it routes the call to; empty otherwise. */
  readonly routedTo: string[];
}

export function bedrockModelGrant(modelId: string, region: string, accountId: string): ModelGrant {
  const [prefix] = modelId.split('.', 1);
  if (!prefix || !inferenceProfileGeographies.includes(prefix)) {
    return { called: `arn:aws:bedrock:${region}::foundation-model/${modelId}`, routedTo: [] };
  }
  const foundationModel = modelId.slice(prefix.length + 1);
  return {
    called: `arn:aws:bedrock:${region}:${accountId}:inference-profile/${modelId}`,
    routedTo: [
      `arn:aws:bedrock:*::foundation-model/${foundationModel}`,
      ...(prefix === 'global' ? [`arn:aws:bedrock:::foundation-model/${foundationModel}`] : []),
    ],
  };
}

/** What Lambda needs to attach the function to the configured subnets, and nothing wider. */
function vpcStatements(
  vpc: NonNullable<ServicePolicyInputs['vpc']>,
  region: string,
  accountId: string,
): PolicyStatement[] {
  const ec2 = (resource: string): string => `arn:aws:ec2:${region}:${accountId}:${resource}`;
  const interfaces = ec2('network-interface/*');
  return [
    {
      Sid: 'VpcAttach',
      Effect: 'Allow',
      Action: ['ec2:CreateNetworkInterface'],
      Resource: [
        interfaces,
        ...vpc.subnetIds.map((id) => ec2(`subnet/${id}`)),
        ...vpc.securityGroupIds.map((id) => ec2(`security-group/${id}`)),
      ],
    },
    {
      Sid: 'VpcManageInterfaces',
      Effect: 'Allow',
      Action: [
        'ec2:DeleteNetworkInterface',
        'ec2:AssignPrivateIpAddresses',
        'ec2:UnassignPrivateIpAddresses',
      ],
      Resource: [interfaces],
    },
    {
      Sid: 'VpcDescribe',
      Effect: 'Allow',
      Action: ['ec2:DescribeNetworkInterfaces', 'ec2:DescribeSubnets'],
      Resource: ['*'],
    },
  ];
}

/** Actions allowed on `*` because AWS has no resource-level permission for them. */
export const actionsWithoutResourceLevel: readonly string[] = [
  'xray:PutTraceSegments',
  'xray:PutTelemetryRecords',
  'ec2:DescribeNetworkInterfaces',
  'ec2:DescribeSubnets',
];

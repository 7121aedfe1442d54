// The function's permissions as plain data: every grant names its resources, and only calls
// AWS offers no resource-level form for (X-Ray, describing network interfaces) get `*`.

export interface PolicyStatement {
  readonly Sid: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Action: string[];
  readonly Resource: string[];
}

export interface PolicyDocument {
  readonly Version: '2012-10-17';
  readonly Statement: PolicyStatement[];
}

export interface ServicePolicyInputs {
  readonly region: string;
  readonly accountId: string;
  readonly tableArns: readonly string[];
  readonly bucketArn: string;
  readonly secretArn: string;
  readonly logGroupArn: string;
  readonly allowedModels: readonly string[];
  /** Present when the function runs in a VPC. */
  readonly vpc?: {
    readonly subnetIds: readonly string[];
    readonly securityGroupIds: readonly string[];
  };
}

/** Geography prefixes of Bedrock cross-region inference profiles (`us.anthropic.…`). */
const inferenceProfileGeographies = ['us', 'us-gov', 'eu', 'apac', 'ca', 'jp', 'au', 'global'];

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
      Sid: 'PromptTemplates',
      Effect: 'Allow',
      Action: ['s3:GetObject', 's3:ListBucket'],
      Resource: [inputs.bucketArn, `${inputs.bucketArn}/*`],
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
      Sid: 'AllowedModels',
      Effect: 'Allow',
      Action: ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream'],
      Resource: inputs.allowedModels.flatMap((model) => bedrockModelArns(model, region, accountId)),
    },
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

/**
 * The ARNs a Bedrock model id grants. An inference profile routes each call to the model in
 * one of its geography's regions, so the call needs the profile and the model in any region;
 * a plain model id is called in the stack's own region.
 */
export function bedrockModelArns(modelId: string, region: string, accountId: string): string[] {
  const [prefix] = modelId.split('.', 1);
  if (prefix && inferenceProfileGeographies.includes(prefix)) {
    const foundationModel = modelId.slice(prefix.length + 1);
    return [
      `arn:aws:bedrock:${region}:${accountId}:inference-profile/${modelId}`,
      `arn:aws:bedrock:*::foundation-model/${foundationModel}`,
    ];
  }
  return [`arn:aws:bedrock:${region}::foundation-model/${modelId}`];
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

// What the identity that runs `pulumi up` (the CI deploy role) needs, per resource type the
// program creates and per provider call it makes: the AWS provider's create, read, update,
// delete and tag calls for that type, as IAM actions. `npm test` walks every type and call in the
// plans and fails on one this table does not list, and checks that the scopes below hold every
// name the plans create, so the policy cannot go stale (test/infra/deploy-permissions.test.ts).

/** Where a stack lives, for the ARNs of its resources. */
export interface Scope {
  readonly region: string;
  readonly account: string;
}

/** The part of a planned resource an ARN is built from. */
export interface Planned {
  readonly inputs: Record<string, unknown>;
}

export interface Need {
  /** IAM actions, each `service:Action`, scoped to the stack's names (`scopes` below). */
  readonly actions: readonly string[];
  /** Actions AWS authorizes only on `*` (no resource-level permission). */
  readonly unscoped?: readonly string[];
  /** The role it hands to a service (iam:PassRole, with iam:PassedToService). */
  readonly passRoleTo?: string;
  /** The ARN this resource will have, to check the scopes cover it. */
  readonly arn?: (resource: Planned, scope: Scope) => string;
}

const text = (value: unknown) => String(value ?? '');
const tagging = (service: string) => [`${service}:TagResource`, `${service}:UntagResource`];
const apiGatewayVerbs = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].map((v) => `apigateway:${v}`);
const apiGatewayArn = (scope: Scope, path: string) => `arn:aws:apigateway:${scope.region}::${path}`;
const bucketArn = (r: Planned) => `arn:aws:s3:::${text(r.inputs.bucket)}`;
const tableActions = [
  'dynamodb:DescribeTable',
  'dynamodb:DescribeContinuousBackups',
  'dynamodb:DescribeTimeToLive',
  'dynamodb:ListTagsOfResource',
];
const bucketSetting = (...actions: string[]): Need => ({
  actions: actions.map((a) => `s3:${a}`),
  arn: bucketArn,
});
const functionArn = (r: Planned, s: Scope) =>
  `arn:aws:lambda:${s.region}:${s.account}:function:${text(r.inputs.name ?? r.inputs.functionName ?? r.inputs.function)}`;
const repositoryArn = (name: string, s: Scope) =>
  `arn:aws:ecr:${s.region}:${s.account}:repository/${name}`;

/** By Pulumi resource type. Component resources and `random:` need nothing of AWS. */
export const resourceNeeds: Readonly<Record<string, Need>> = {
  'aws:dynamodb/table:Table': {
    actions: [
      'dynamodb:CreateTable',
      'dynamodb:UpdateTable',
      'dynamodb:DeleteTable',
      'dynamodb:UpdateTimeToLive',
      'dynamodb:UpdateContinuousBackups',
      ...tableActions,
      ...tagging('dynamodb'),
    ],
    arn: (r, s) => `arn:aws:dynamodb:${s.region}:${s.account}:table/${text(r.inputs.name)}`,
  },
  'aws:s3/bucket:Bucket': {
    actions: [
      's3:CreateBucket',
      's3:DeleteBucket',
      's3:ListBucket',
      's3:ListBucketVersions',
      's3:GetBucketLocation',
      's3:GetBucketTagging',
      's3:PutBucketTagging',
      // The provider reads every setting of the bucket, those it does not manage too.
      's3:GetBucketAcl',
      's3:GetBucketCORS',
      's3:GetBucketWebsite',
      's3:GetBucketVersioning',
      's3:GetAccelerateConfiguration',
      's3:GetBucketRequestPayment',
      's3:GetBucketLogging',
      's3:GetLifecycleConfiguration',
      's3:GetReplicationConfiguration',
      's3:GetEncryptionConfiguration',
      's3:GetBucketObjectLockConfiguration',
      's3:GetBucketPolicy',
      's3:GetBucketOwnershipControls',
      // forceDestroy empties a versioned bucket: every version of every object.
      's3:DeleteObject',
      's3:DeleteObjectVersion',
    ],
    arn: (r) => `arn:aws:s3:::${text(r.inputs.bucket)}`,
  },
  'aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock': bucketSetting(
    'PutBucketPublicAccessBlock',
    'GetBucketPublicAccessBlock',
  ),
  'aws:s3/bucketVersioning:BucketVersioning': bucketSetting(
    'PutBucketVersioning',
    'GetBucketVersioning',
  ),
  'aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration':
    bucketSetting('PutEncryptionConfiguration', 'GetEncryptionConfiguration'),
  'aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration': bucketSetting(
    'PutLifecycleConfiguration',
    'GetLifecycleConfiguration',
  ),
  'aws:s3/bucketPolicy:BucketPolicy': bucketSetting(
    'PutBucketPolicy',
    'GetBucketPolicy',
    'DeleteBucketPolicy',
  ),
  'aws:s3/bucketObjectv2:BucketObjectv2': {
    actions: [
      's3:PutObject',
      's3:GetObject',
      's3:DeleteObject',
      's3:DeleteObjectVersion',
      's3:ListBucketVersions',
      's3:GetObjectTagging',
      's3:PutObjectTagging',
    ],
    arn: (r) => `${bucketArn(r)}/${text(r.inputs.key)}`,
  },
  'aws:secretsmanager/secret:Secret': {
    actions: [
      'secretsmanager:CreateSecret',
      'secretsmanager:DescribeSecret',
      'secretsmanager:UpdateSecret',
      'secretsmanager:DeleteSecret',
      'secretsmanager:GetResourcePolicy',
      ...tagging('secretsmanager'),
    ],
    arn: (r, s) =>
      `arn:aws:secretsmanager:${s.region}:${s.account}:secret:${text(r.inputs.name)}-AbCdEf`,
  },
  'aws:secretsmanager/secretVersion:SecretVersion': {
    actions: [
      'secretsmanager:PutSecretValue',
      'secretsmanager:GetSecretValue',
      'secretsmanager:DescribeSecret',
      'secretsmanager:UpdateSecretVersionStage',
    ],
  },
  'aws:ecr/repository:Repository': {
    actions: [
      'ecr:CreateRepository',
      'ecr:DescribeRepositories',
      'ecr:DeleteRepository',
      'ecr:PutImageScanningConfiguration',
      'ecr:PutImageTagMutability',
      'ecr:ListTagsForResource',
      ...tagging('ecr'),
    ],
    arn: (r, s) => repositoryArn(text(r.inputs.name), s),
  },
  'aws:ecr/lifecyclePolicy:LifecyclePolicy': {
    actions: ['ecr:PutLifecyclePolicy', 'ecr:GetLifecyclePolicy', 'ecr:DeleteLifecyclePolicy'],
  },
  // Pushing the image (docker-build), and reading the last one back as the build cache.
  'docker-build:index:Image': {
    actions: [
      'ecr:BatchCheckLayerAvailability',
      'ecr:InitiateLayerUpload',
      'ecr:UploadLayerPart',
      'ecr:CompleteLayerUpload',
      'ecr:PutImage',
      'ecr:BatchGetImage',
      'ecr:GetDownloadUrlForLayer',
    ],
    arn: (r, s) => {
      const [tag = ''] = r.inputs.tags as string[];
      return repositoryArn(tag.slice(tag.indexOf('/') + 1, tag.lastIndexOf(':')), s);
    },
  },
  'aws:iam/role:Role': {
    actions: [
      'iam:CreateRole',
      'iam:GetRole',
      'iam:UpdateRole',
      'iam:DeleteRole',
      'iam:UpdateAssumeRolePolicy',
      'iam:TagRole',
      'iam:UntagRole',
      // Deleting a role first removes what is attached to it.
      'iam:ListRolePolicies',
      'iam:ListAttachedRolePolicies',
      'iam:ListInstanceProfilesForRole',
      'iam:DeleteRolePolicy',
      'iam:DetachRolePolicy',
    ],
    arn: (r, s) => `arn:aws:iam::${s.account}:role/${text(r.inputs.name ?? r.inputs.namePrefix)}`,
  },
  'aws:iam/rolePolicy:RolePolicy': {
    actions: ['iam:PutRolePolicy', 'iam:GetRolePolicy', 'iam:DeleteRolePolicy'],
  },
  'aws:iam/rolePolicyAttachment:RolePolicyAttachment': {
    actions: ['iam:AttachRolePolicy', 'iam:DetachRolePolicy', 'iam:ListAttachedRolePolicies'],
  },
  'aws:lambda/function:Function': {
    actions: [
      'lambda:CreateFunction',
      'lambda:GetFunction',
      'lambda:GetFunctionConfiguration',
      'lambda:UpdateFunctionCode',
      'lambda:UpdateFunctionConfiguration',
      'lambda:DeleteFunction',
      'lambda:ListVersionsByFunction',
      'lambda:GetFunctionCodeSigningConfig',
      'lambda:PutFunctionConcurrency',
      'lambda:GetFunctionConcurrency',
      'lambda:DeleteFunctionConcurrency',
      'lambda:ListTags',
      ...tagging('lambda'),
      // Lambda reads the image with the caller's rights, and adds itself to the repository's
      // policy on the first function that runs an image from it.
      'ecr:BatchGetImage',
      'ecr:GetDownloadUrlForLayer',
      'ecr:GetRepositoryPolicy',
      'ecr:SetRepositoryPolicy',
    ],
    // Lambda checks the subnets and security groups with the caller's rights (subnetIds).
    unscoped: ['ec2:DescribeSubnets', 'ec2:DescribeSecurityGroups', 'ec2:DescribeVpcs'],
    passRoleTo: 'lambda.amazonaws.com',
    arn: functionArn,
  },
  'aws:lambda/permission:Permission': {
    actions: ['lambda:AddPermission', 'lambda:RemovePermission', 'lambda:GetPolicy'],
    arn: functionArn,
  },
  'aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig': {
    actions: [
      'lambda:PutFunctionEventInvokeConfig',
      'lambda:GetFunctionEventInvokeConfig',
      'lambda:UpdateFunctionEventInvokeConfig',
      'lambda:DeleteFunctionEventInvokeConfig',
    ],
    arn: functionArn,
  },
  'aws:sqs/queue:Queue': {
    actions: [
      'sqs:CreateQueue',
      'sqs:GetQueueAttributes',
      'sqs:SetQueueAttributes',
      'sqs:GetQueueUrl',
      'sqs:DeleteQueue',
      'sqs:ListQueueTags',
      'sqs:TagQueue',
      'sqs:UntagQueue',
    ],
    arn: (r, s) => `arn:aws:sqs:${s.region}:${s.account}:${text(r.inputs.name)}`,
  },
  'aws:cloudwatch/logGroup:LogGroup': {
    actions: [
      'logs:CreateLogGroup',
      'logs:DeleteLogGroup',
      'logs:PutRetentionPolicy',
      'logs:DeleteRetentionPolicy',
      'logs:ListTagsForResource',
      ...tagging('logs'),
    ],
    unscoped: ['logs:DescribeLogGroups'],
    arn: (r, s) => `arn:aws:logs:${s.region}:${s.account}:log-group:${text(r.inputs.name)}`,
  },
  'aws:cloudwatch/metricAlarm:MetricAlarm': {
    actions: [
      'cloudwatch:PutMetricAlarm',
      'cloudwatch:DeleteAlarms',
      'cloudwatch:ListTagsForResource',
      ...tagging('cloudwatch'),
    ],
    unscoped: ['cloudwatch:DescribeAlarms'],
    arn: (r, s) => `arn:aws:cloudwatch:${s.region}:${s.account}:alarm:${text(r.inputs.name)}`,
  },
  'aws:cloudwatch/dashboard:Dashboard': {
    actions: ['cloudwatch:PutDashboard', 'cloudwatch:GetDashboard', 'cloudwatch:DeleteDashboards'],
    arn: (r, s) => `arn:aws:cloudwatch::${s.account}:dashboard/${text(r.inputs.dashboardName)}`,
  },
  'aws:sns/topic:Topic': {
    actions: [
      'sns:CreateTopic',
      'sns:GetTopicAttributes',
      'sns:SetTopicAttributes',
      'sns:DeleteTopic',
      'sns:ListTagsForResource',
      ...tagging('sns'),
    ],
    arn: (r, s) => `arn:aws:sns:${s.region}:${s.account}:${text(r.inputs.name)}`,
  },
  'aws:sns/topicSubscription:TopicSubscription': {
    actions: [
      'sns:Subscribe',
      'sns:Unsubscribe',
      'sns:GetSubscriptionAttributes',
      'sns:SetSubscriptionAttributes',
    ],
  },
  // HTTP APIs: /apis…; their stages' access logs go through CloudWatch Logs' vended delivery.
  'aws:apigatewayv2/api:Api': {
    actions: apiGatewayVerbs,
    arn: (_r, s) => apiGatewayArn(s, '/apis'),
  },
  'aws:apigatewayv2/integration:Integration': {
    actions: apiGatewayVerbs,
    arn: (r, s) => apiGatewayArn(s, `/apis/${text(r.inputs.apiId)}/integrations`),
  },
  'aws:apigatewayv2/route:Route': {
    actions: apiGatewayVerbs,
    arn: (r, s) => apiGatewayArn(s, `/apis/${text(r.inputs.apiId)}/routes`),
  },
  'aws:apigatewayv2/stage:Stage': {
    actions: apiGatewayVerbs,
    unscoped: [
      'logs:CreateLogDelivery',
      'logs:GetLogDelivery',
      'logs:UpdateLogDelivery',
      'logs:DeleteLogDelivery',
      'logs:ListLogDeliveries',
      'logs:PutResourcePolicy',
      'logs:DescribeResourcePolicies',
    ],
    arn: (r, s) => apiGatewayArn(s, `/apis/${text(r.inputs.apiId)}/stages`),
  },
  'aws:apigatewayv2/apiMapping:ApiMapping': {
    actions: apiGatewayVerbs,
    arn: (r, s) => apiGatewayArn(s, `/domainnames/${text(r.inputs.domainName)}/apimappings`),
  },
  'aws:apigatewayv2/domainName:DomainName': {
    actions: apiGatewayVerbs,
    arn: (r, s) => apiGatewayArn(s, `/domainnames/${text(r.inputs.domainName)}`),
  },
  // REST APIs (the streaming endpoint): /restapis…, and the account's logging role.
  'aws:apigateway/restApi:RestApi': {
    actions: apiGatewayVerbs,
    arn: (_r, s) => apiGatewayArn(s, '/restapis'),
  },
  'aws:apigateway/resource:Resource': {
    actions: apiGatewayVerbs,
    arn: (r, s) => apiGatewayArn(s, `/restapis/${text(r.inputs.restApi)}/resources`),
  },
  'aws:apigateway/method:Method': {
    actions: apiGatewayVerbs,
    arn: (r, s) =>
      apiGatewayArn(
        s,
        `/restapis/${text(r.inputs.restApi)}/resources/${text(r.inputs.resourceId)}/methods/ANY`,
      ),
  },
  'aws:apigateway/integration:Integration': {
    actions: apiGatewayVerbs,
    arn: (r, s) =>
      apiGatewayArn(
        s,
        `/restapis/${text(r.inputs.restApi)}/resources/${text(r.inputs.resourceId)}/methods/ANY/integration`,
      ),
  },
  'aws:apigateway/deployment:Deployment': {
    actions: apiGatewayVerbs,
    arn: (r, s) => apiGatewayArn(s, `/restapis/${text(r.inputs.restApi)}/deployments`),
  },
  'aws:apigateway/stage:Stage': {
    actions: apiGatewayVerbs,
    arn: (r, s) => apiGatewayArn(s, `/restapis/${text(r.inputs.restApi)}/stages`),
  },
  'aws:apigateway/methodSettings:MethodSettings': {
    actions: apiGatewayVerbs,
    arn: (r, s) =>
      apiGatewayArn(s, `/restapis/${text(r.inputs.restApi)}/stages/${text(r.inputs.stageName)}`),
  },
  'aws:apigateway/account:Account': {
    actions: apiGatewayVerbs,
    passRoleTo: 'apigateway.amazonaws.com',
    arn: (_r, s) => apiGatewayArn(s, '/account'),
  },
  'aws:acm/certificate:Certificate': {
    actions: [
      'acm:DescribeCertificate',
      'acm:DeleteCertificate',
      'acm:AddTagsToCertificate',
      'acm:RemoveTagsFromCertificate',
      'acm:ListTagsForCertificate',
    ],
    unscoped: ['acm:RequestCertificate'],
  },
  'aws:acm/certificateValidation:CertificateValidation': {
    actions: ['acm:DescribeCertificate'],
  },
  'aws:route53/record:Record': {
    actions: [
      'route53:ChangeResourceRecordSets',
      'route53:ListResourceRecordSets',
      'route53:GetHostedZone',
      'route53:GetChange',
    ],
  },
};

/** By provider call (invoke token): the lookups a preview makes. */
export const invokeNeeds: Readonly<Record<string, Need>> = {
  // GetCallerIdentity needs no permission; the region is the provider's own setting.
  'aws:index/getCallerIdentity:getCallerIdentity': { actions: [] },
  'aws:index/getRegion:getRegion': { actions: [] },
  'aws:secretsmanager/getSecret:getSecret': {
    actions: ['secretsmanager:DescribeSecret', 'secretsmanager:GetResourcePolicy'],
  },
  'aws:secretsmanager/getSecretVersion:getSecretVersion': {
    actions: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
  },
  'aws:dynamodb/getTable:getTable': { actions: tableActions },
  'aws:ecr/getAuthorizationToken:getAuthorizationToken': {
    actions: [],
    unscoped: ['ecr:GetAuthorizationToken'],
  },
  'aws:apigateway/getDomainName:getDomainName': { actions: ['apigateway:GET'] },
  'aws:route53/getZone:getZone': {
    actions: ['route53:GetHostedZone', 'route53:ListTagsForResource'],
    unscoped: ['route53:ListHostedZones', 'route53:ListHostedZonesByName'],
  },
};

/** What `npm run smoke -- --stack <name>` does with the same credentials: mint its token. */
export const smokeNeeds: Need = { actions: ['secretsmanager:GetSecretValue'] };

/**
 * The names each service's scoped actions may touch: every name the stacks create starts with
 * `purposepath-` (IAM roles, tables, functions, queues, alarms…), the secrets with `purposepath/`.
 */
export function scopes(scope: Scope, extra: Extra): Readonly<Record<string, readonly string[]>> {
  const { region: r, account: a } = scope;
  const domains = extra.domainNames.flatMap((name) => [
    apiGatewayArn(scope, `/domainnames/${name}`),
    apiGatewayArn(scope, `/domainnames/${name}/*`),
  ]);
  return {
    dynamodb: [`arn:aws:dynamodb:${r}:${a}:table/purposepath-*`],
    s3: ['arn:aws:s3:::purposepath-coaching-prompts-*'],
    secretsmanager: [`arn:aws:secretsmanager:${r}:${a}:secret:purposepath/*`, ...extra.secretArns],
    ecr: [`arn:aws:ecr:${r}:${a}:repository/purposepath-coaching-*`],
    iam: [`arn:aws:iam::${a}:role/purposepath-*`],
    lambda: [`arn:aws:lambda:${r}:${a}:function:purposepath-coaching-*`],
    sqs: [`arn:aws:sqs:${r}:${a}:purposepath-coaching-*`],
    logs: ['lambda', 'apigateway'].flatMap((owner) => [
      `arn:aws:logs:${r}:${a}:log-group:/aws/${owner}/purposepath-coaching-*`,
    ]),
    cloudwatch: [
      `arn:aws:cloudwatch:${r}:${a}:alarm:purposepath-coaching-*`,
      `arn:aws:cloudwatch::${a}:dashboard/purposepath-coaching-*`,
    ],
    sns: [`arn:aws:sns:${r}:${a}:purposepath-coaching-*`],
    apigateway: [
      ...['/apis', '/restapis'].flatMap((path) => [
        apiGatewayArn(scope, path),
        apiGatewayArn(scope, `${path}/*`),
      ]),
      apiGatewayArn(scope, '/account'),
      apiGatewayArn(scope, '/tags/*'),
      ...domains,
    ],
    acm: [`arn:aws:acm:${r}:${a}:certificate/*`],
    route53: [
      ...(extra.hostedZoneIds.length > 0
        ? extra.hostedZoneIds.map((zone) => `arn:aws:route53:::hostedzone/${zone}`)
        : ['arn:aws:route53:::hostedzone/*']),
      'arn:aws:route53:::change/*',
    ],
  };
}

/** Names a stack's config brings in from outside the stack. */
export interface Extra {
  /** jwtSecretArn, redisPasswordSecretArn. */
  readonly secretArns: readonly string[];
  readonly domainNames: readonly string[];
  readonly hostedZoneIds: readonly string[];
}

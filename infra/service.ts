// The API itself: its image in ECR, the Lambda function that runs it, that function's log
// group and its least-privilege role.
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import type { Architecture } from './config';
import { ecrImage } from './image';
import { functionArn } from './jobs';
import { servicePolicy } from './policy';

export interface CoachingServiceArgs {
  /** Physical name of the function, repository and role. */
  readonly name: string;
  readonly architecture: Architecture;
  readonly memorySize: number;
  readonly timeoutSeconds: number;
  /** Executions reserved for the function, when it should not share the account's pool. */
  readonly reservedConcurrency?: number;
  readonly logRetentionDays: number;
  /** The stack's logLevel (DEBUG, INFO, WARNING, WARN, ERROR). */
  readonly logLevel: string;
  readonly protect: boolean;
  /** Images ECR keeps, newest first; a rollback to any of them finds its image. */
  readonly imagesKept: number;
  /** Build context and Dockerfile, relative to the project root. */
  readonly image: { readonly context: string; readonly dockerfile: string };
  /** An image already in the repository to run instead of building one (a rollback). */
  readonly imageDigest?: string;
  readonly environment: pulumi.Input<Record<string, pulumi.Input<string>>>;
  readonly vpc?: {
    readonly subnetIds: readonly string[];
    readonly securityGroupIds: readonly string[];
  };
  /** What the function may touch; see policy.ts. */
  readonly access: {
    readonly region: pulumi.Input<string>;
    readonly accountId: pulumi.Input<string>;
    readonly tableArns: pulumi.Input<string>[];
    readonly jobsTableArn: pulumi.Input<string>;
    readonly usageCountersTableArn: pulumi.Input<string>;
    readonly bucketArn: pulumi.Input<string>;
    readonly secretArn: pulumi.Input<string>;
    readonly failedJobQueueArn: pulumi.Input<string>;
    readonly allowedModels: readonly string[];
  };
}

const lambdaPlatforms: Record<Architecture, 'linux/amd64' | 'linux/arm64'> = {
  x86_64: 'linux/amd64',
  arm64: 'linux/arm64',
};

export class CoachingService extends pulumi.ComponentResource {
  readonly functionName: pulumi.Output<string>;
  readonly functionArn: pulumi.Output<string>;
  readonly invokeArn: pulumi.Output<string>;
  readonly imageUri: pulumi.Output<string>;
  readonly logGroupName: pulumi.Output<string>;
  /** The role, which the streaming function shares (infra/streaming-function.ts). */
  readonly roleArn: pulumi.Output<string>;
  readonly roleName: pulumi.Output<string>;
  /** The role's permissions, which a function must hold before its first cold start. */
  readonly permissions: pulumi.Resource;

  constructor(name: string, args: CoachingServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    super('purposepath:platform:CoachingService', name, {}, opts);
    const child = { parent: this };

    const repository = new aws.ecr.Repository(
      `${name}-repository`,
      {
        name: args.name,
        imageScanningConfiguration: { scanOnPush: true },
        forceDelete: !args.protect,
      },
      child,
    );
    new aws.ecr.LifecyclePolicy(
      `${name}-image-lifecycle`,
      { repository: repository.name, policy: JSON.stringify(imageLifecycle(args.imagesKept)) },
      child,
    );
    // A pinned digest runs an image the repository already holds, with no build; the images
    // built before it stay in the repository (image.ts).
    const imageUri = args.imageDigest
      ? pulumi.interpolate`${repository.repositoryUrl}@${args.imageDigest}`
      : ecrImage(
          `${name}-image`,
          {
            repositoryUrl: repository.repositoryUrl,
            registryId: repository.registryId,
            context: args.image.context,
            dockerfile: args.image.dockerfile,
            platform: lambdaPlatforms[args.architecture],
            // The runtime sizes Node's heap flags from the memory, and V8 takes the image's
            // code cache only under the flags it was made with (app/Dockerfile).
            buildArgs: { FUNCTION_MEMORY_MB: String(args.memorySize) },
          },
          child,
        );

    const logGroup = new aws.cloudwatch.LogGroup(
      `${name}-logs`,
      { name: `/aws/lambda/${args.name}`, retentionInDays: args.logRetentionDays },
      child,
    );

    const role = new aws.iam.Role(
      `${name}-role`,
      {
        name: args.name,
        assumeRolePolicy: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: { Service: 'lambda.amazonaws.com' },
              Action: 'sts:AssumeRole',
            },
          ],
        }),
      },
      child,
    );
    const { access } = args;
    const policy = new aws.iam.RolePolicy(
      `${name}-permissions`,
      {
        role: role.id,
        policy: pulumi
          .output({
            region: access.region,
            accountId: access.accountId,
            tableArns: access.tableArns,
            jobsTableArn: access.jobsTableArn,
            usageCountersTableArn: access.usageCountersTableArn,
            bucketArn: access.bucketArn,
            secretArn: access.secretArn,
            logGroupArn: logGroup.arn,
            failedJobQueueArn: access.failedJobQueueArn,
          })
          .apply((arns) =>
            JSON.stringify(
              servicePolicy({
                ...arns,
                // Built from the name, not read from the function: the function waits for this
                // policy, so it cannot also be an input to it.
                functionArn: functionArn(arns.region, arns.accountId, args.name),
                allowedModels: access.allowedModels,
                vpc: args.vpc,
              }),
            ),
          ),
      },
      child,
    );

    const fn = new aws.lambda.Function(
      `${name}-function`,
      {
        ...imageFunctionSettings({
          ...args,
          imageUri,
          roleArn: role.arn,
          logGroupName: logGroup.name,
        }),
        reservedConcurrentExecutions: args.reservedConcurrency,
      },
      // The role must hold its permissions before the first cold start reads the secret.
      { ...child, dependsOn: [policy] },
    );

    this.functionName = fn.name;
    this.functionArn = fn.arn;
    this.invokeArn = fn.invokeArn;
    this.imageUri = imageUri;
    this.logGroupName = logGroup.name;
    this.roleArn = role.arn;
    this.roleName = role.name;
    this.permissions = policy;
    this.registerOutputs({ functionName: this.functionName, imageUri: this.imageUri });
  }
}

/** What the stack's image functions share: how they run, log, trace and reach the network. */
export interface ImageFunctionSettings {
  readonly name: string;
  readonly imageUri: pulumi.Input<string>;
  readonly architecture: Architecture;
  readonly roleArn: pulumi.Input<string>;
  readonly memorySize: number;
  readonly timeoutSeconds: number;
  readonly logGroupName: pulumi.Input<string>;
  readonly logLevel: string;
  readonly environment: pulumi.Input<Record<string, pulumi.Input<string>>>;
  readonly vpc?: {
    readonly subnetIds: readonly string[];
    readonly securityGroupIds: readonly string[];
  };
}

/** The function arguments both the API function and the streaming function are built from. */
export function imageFunctionSettings(settings: ImageFunctionSettings): aws.lambda.FunctionArgs {
  return {
    name: settings.name,
    packageType: 'Image',
    imageUri: settings.imageUri,
    architectures: [settings.architecture],
    role: settings.roleArn,
    memorySize: settings.memorySize,
    timeout: settings.timeoutSeconds,
    tracingConfig: { mode: 'Active' },
    loggingConfig: {
      logFormat: 'JSON',
      logGroup: settings.logGroupName,
      applicationLogLevel: lambdaApplicationLogLevel(settings.logLevel),
    },
    environment: { variables: settings.environment },
    vpcConfig: settings.vpc
      ? {
          subnetIds: [...settings.vpc.subnetIds],
          securityGroupIds: [...settings.vpc.securityGroupIds],
        }
      : undefined,
  };
}

/**
 * Lambda's filter for the function's own lines, from the stack's logLevel but never above INFO:
 * the metrics are embedded-metric-format lines, which carry no level, so Lambda counts them as
 * INFO and a WARN filter would drop every metric. The app already leaves out lines below its
 * LOG_LEVEL, so the filter has nothing else to do above INFO.
 */
export function lambdaApplicationLogLevel(logLevel: string): 'DEBUG' | 'INFO' {
  return logLevel.toUpperCase() === 'DEBUG' ? 'DEBUG' : 'INFO';
}

function imageLifecycle(imagesKept: number): object {
  return {
    rules: [
      {
        rulePriority: 1,
        description: `Keep the newest ${imagesKept} images so recent deploys can be rolled back`,
        selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: imagesKept },
        action: { type: 'expire' },
      },
    ],
  };
}

// The streaming function: the same image as the API function, started at the bundle's other
// entry (`lambda.streamingHandler`). A Lambda function has exactly one handler, and a
// streamified one cannot answer the HTTP API's buffered payload-2.0 integration, so the REST
// API's streaming endpoint gets a function of its own. It shares the API function's role (the
// same tables, bucket, secret and models, Bedrock's streaming call included) and adds only
// the right to write to its own log group.
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import type { Architecture } from './config';
import { imageFunctionSettings } from './service';

/** The bundle's streaming export, as the image's command names a handler. */
export const streamingCommand = 'lambda.streamingHandler';

export interface StreamingFunctionArgs {
  /** Physical name of the function and its log group. */
  readonly name: string;
  readonly imageUri: pulumi.Input<string>;
  readonly roleArn: pulumi.Input<string>;
  readonly roleName: pulumi.Input<string>;
  /** The role's own permissions, in place before the function's first cold start. */
  readonly rolePermissions: pulumi.Resource;
  readonly architecture: Architecture;
  readonly memorySize: number;
  readonly timeoutSeconds: number;
  readonly logRetentionDays: number;
  readonly logLevel: string;
  readonly environment: pulumi.Input<Record<string, pulumi.Input<string>>>;
  readonly vpc?: {
    readonly subnetIds: readonly string[];
    readonly securityGroupIds: readonly string[];
  };
}

export class StreamingFunction extends pulumi.ComponentResource {
  readonly functionName: pulumi.Output<string>;
  readonly functionArn: pulumi.Output<string>;

  constructor(name: string, args: StreamingFunctionArgs, opts?: pulumi.ComponentResourceOptions) {
    super('purposepath:platform:StreamingFunction', name, {}, opts);
    const child = { parent: this };

    const logGroup = new aws.cloudwatch.LogGroup(
      `${name}-logs`,
      { name: `/aws/lambda/${args.name}`, retentionInDays: args.logRetentionDays },
      child,
    );
    const logs = new aws.iam.RolePolicy(
      `${name}-log-permissions`,
      {
        role: args.roleName,
        policy: logGroup.arn.apply((arn) =>
          JSON.stringify({
            Version: '2012-10-17',
            Statement: [
              {
                Sid: 'StreamingLogs',
                Effect: 'Allow',
                Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
                Resource: [arn, `${arn}:*`],
              },
            ],
          }),
        ),
      },
      child,
    );

    const fn = new aws.lambda.Function(
      `${name}-function`,
      {
        ...imageFunctionSettings({ ...args, logGroupName: logGroup.name }),
        imageConfig: { commands: [streamingCommand] },
      },
      { ...child, dependsOn: [args.rolePermissions, logs] },
    );

    this.functionName = fn.name;
    this.functionArn = fn.arn;
    this.registerOutputs({ functionName: this.functionName });
  }
}

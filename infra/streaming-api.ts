// The streaming endpoint: an API Gateway REST API whose every path and method reaches the
// streaming function through a Lambda proxy integration in STREAM transfer mode, so the body
// leaves API Gateway as the function writes it, for up to 15 minutes, where the HTTP API
// buffers the whole answer and gives up after 30 s. No gateway auth: the service checks its own
// JWT, as behind the HTTP API. Built in two steps, because the functions' environment names the
// endpoint's URL and the integration names the function: the API (and so its URL) first, its
// methods once the function exists.
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';

export interface StreamingApiArgs {
  /** Physical name of the REST API and its access-log group. */
  readonly name: string;
  /** The stage, named after the stack's stage: the first segment of the endpoint's paths. */
  readonly stageName: string;
  readonly region: pulumi.Input<string>;
}

export interface StreamingRoutesArgs {
  readonly functionName: pulumi.Input<string>;
  readonly functionArn: pulumi.Input<string>;
  /** How long API Gateway lets one streamed response run: the function's timeout. */
  readonly timeoutSeconds: number;
  readonly throttling: { readonly rateLimit: number; readonly burstLimit: number };
  readonly logRetentionDays: number;
  /**
   * REST API access logs need the region's account-wide CloudWatch Logs role; create it here
   * (one stack per account and region) or rely on it being set already.
   */
  readonly createLogsRole: boolean;
}

/** The URI of a Lambda proxy integration that streams: InvokeWithResponseStream's path. */
export function responseStreamingUri(region: string, functionArn: string): string {
  return `arn:aws:apigateway:${region}:lambda:path/2021-11-15/functions/${functionArn}/response-streaming-invocations`;
}

/** IAM completes a name prefix with a unique suffix, within its 64 characters. */
export const logsRolePrefix = 'purposepath-apigateway-logs-';

/** The managed policy API Gateway's logging role needs (AWS's own, nothing wider). */
const pushToCloudWatchLogs =
  'arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs';

export class StreamingApi extends pulumi.ComponentResource {
  readonly restApiId: pulumi.Output<string>;
  readonly restApiName: pulumi.Output<string>;
  readonly stageName: string;
  /** `https://{id}.execute-api.{region}.amazonaws.com/{stage}`, known before any method is. */
  readonly url: pulumi.Output<string>;
  private readonly api: aws.apigateway.RestApi;
  private readonly region: pulumi.Input<string>;

  constructor(
    private readonly resourceName: string,
    args: StreamingApiArgs,
    opts?: pulumi.ComponentResourceOptions,
  ) {
    super('purposepath:platform:StreamingApi', resourceName, {}, opts);
    // Regional: it maps onto the regional custom domain, and a regional endpoint's idle
    // timeout is 5 minutes where an edge-optimized one's is 30 s.
    this.api = new aws.apigateway.RestApi(
      `${resourceName}-api`,
      {
        name: args.name,
        description: 'PurposePath Coaching: streamed responses (server-sent events)',
        endpointConfiguration: { types: 'REGIONAL' },
      },
      { parent: this },
    );
    this.region = args.region;
    this.stageName = args.stageName;
    this.restApiId = this.api.id;
    this.restApiName = this.api.name;
    this.url = pulumi.interpolate`https://${this.api.id}.execute-api.${args.region}.amazonaws.com/${args.stageName}`;
  }

  /**
   * Routes every request to the function, deploys the stage and opens it; the stage's name as
   * an output of the stage, for what must wait for it (a domain's API mapping).
   */
  connect(args: StreamingRoutesArgs): pulumi.Output<string> {
    const name = this.resourceName;
    const child = { parent: this };
    const api = this.api;
    const uri = pulumi
      .all([this.region, args.functionArn])
      .apply(([region, arn]) => responseStreamingUri(region, arn));
    const timeoutMilliseconds = args.timeoutSeconds * 1000;

    // `/` and `/{proxy+}` with ANY: every path and method, unknown ones included, reaches the
    // service, which answers 404/405 and CORS preflight in its own envelope.
    const proxy = new aws.apigateway.Resource(
      `${name}-proxy`,
      { restApi: api.id, parentId: api.rootResourceId, pathPart: '{proxy+}' },
      child,
    );
    const wired: pulumi.Resource[] = [];
    for (const [label, resourceId] of [
      ['root', api.rootResourceId],
      ['proxy', proxy.id],
    ] as const) {
      const method = new aws.apigateway.Method(
        `${name}-any-${label}`,
        { restApi: api.id, resourceId, httpMethod: 'ANY', authorization: 'NONE' },
        child,
      );
      const integration = new aws.apigateway.Integration(
        `${name}-lambda-${label}`,
        {
          restApi: api.id,
          resourceId,
          httpMethod: method.httpMethod,
          type: 'AWS_PROXY',
          integrationHttpMethod: 'POST',
          uri,
          responseTransferMode: 'STREAM',
          timeoutMilliseconds,
        },
        child,
      );
      wired.push(method, integration);
    }

    new aws.lambda.Permission(
      `${name}-invoke`,
      {
        action: 'lambda:InvokeFunction',
        function: args.functionName,
        principal: 'apigateway.amazonaws.com',
        // This API's stage, any method and path; no other API or stage.
        sourceArn: pulumi.interpolate`${api.executionArn}/${this.stageName}/*`,
      },
      child,
    );

    // A REST API serves what was last deployed: a new deployment whenever the wiring changes.
    const deployment = new aws.apigateway.Deployment(
      `${name}-deployment`,
      {
        restApi: api.id,
        description: 'Every path and method to the streaming function',
        triggers: {
          wiring: pulumi
            .all([uri, proxy.id])
            .apply(([target, proxyId]) =>
              JSON.stringify({ target, proxyId, timeoutMilliseconds, mode: 'STREAM' }),
            ),
        },
      },
      { ...child, dependsOn: wired },
    );

    const accountLogging = args.createLogsRole ? this.logsRole(name) : undefined;
    const accessLogs = new aws.cloudwatch.LogGroup(
      `${name}-access-logs`,
      {
        name: pulumi.interpolate`/aws/apigateway/${api.name}`,
        retentionInDays: args.logRetentionDays,
      },
      child,
    );
    const stage = new aws.apigateway.Stage(
      `${name}-stage`,
      {
        restApi: api.id,
        deployment: deployment.id,
        stageName: this.stageName,
        xrayTracingEnabled: true,
        accessLogSettings: {
          destinationArn: accessLogs.arn,
          format: JSON.stringify(accessLogFormat),
        },
      },
      { ...child, dependsOn: accountLogging ? [accountLogging] : [] },
    );
    new aws.apigateway.MethodSettings(
      `${name}-throttling`,
      {
        restApi: api.id,
        stageName: stage.stageName,
        methodPath: '*/*',
        settings: {
          throttlingRateLimit: args.throttling.rateLimit,
          throttlingBurstLimit: args.throttling.burstLimit,
        },
      },
      child,
    );
    this.registerOutputs({ url: this.url });
    return stage.stageName;
  }

  /**
   * The region's API Gateway CloudWatch Logs role, an account-wide setting. Kept when this
   * stack is destroyed: other stacks' access logs in the region depend on it. So the role has
   * no fixed name: a kept one would hold it, and the stack could not be created again.
   */
  private logsRole(name: string): aws.apigateway.Account {
    const keep = { parent: this, retainOnDelete: true };
    const role = new aws.iam.Role(
      `${name}-logs-role`,
      {
        namePrefix: logsRolePrefix,
        assumeRolePolicy: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: { Service: 'apigateway.amazonaws.com' },
              Action: 'sts:AssumeRole',
            },
          ],
        }),
      },
      keep,
    );
    const attached = new aws.iam.RolePolicyAttachment(
      `${name}-logs-role-policy`,
      { role: role.name, policyArn: pushToCloudWatchLogs },
      keep,
    );
    return new aws.apigateway.Account(
      `${name}-account-logging`,
      { cloudwatchRoleArn: role.arn },
      { ...keep, dependsOn: [attached] },
    );
  }
}

/** One JSON object per request, like the HTTP API's, in the REST API's variables. */
const accessLogFormat = {
  requestId: '$context.requestId',
  ip: '$context.identity.sourceIp',
  requestTime: '$context.requestTime',
  method: '$context.httpMethod',
  resourcePath: '$context.resourcePath',
  path: '$context.path',
  status: '$context.status',
  protocol: '$context.protocol',
  responseLength: '$context.responseLength',
  latencyMs: '$context.responseLatency',
  integrationLatencyMs: '$context.integrationLatency',
  integrationStatus: '$context.integration.status',
  integrationError: '$context.integration.error',
  userAgent: '$context.identity.userAgent',
};

// The public edge: an HTTP API whose every route, known or not, reaches the one function, so
// the service answers CORS preflight and unknown paths with its own envelope.
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';

/**
 * The Phase 7 routes, the docs, and the legacy suggestions; `$default` catches the rest. No key
 * ends in `/`: API Gateway refuses those, and `GET /api/v1/conversations/` reaches the function
 * anyway (the service answers it like the plain path).
 */
export const apiRoutes: readonly string[] = [
  'GET /',
  'GET /openapi.json',
  'GET /docs',
  'GET /redoc',
  'GET /api/v1/health',
  'GET /api/v1/health/ready',
  'GET /api/v1/health/live',
  'POST /api/v1/conversations/initiate',
  'GET /api/v1/conversations',
  'GET /api/v1/conversations/{id}',
  'DELETE /api/v1/conversations/{id}',
  'POST /api/v1/conversations/{id}/message',
  'POST /api/v1/conversations/{id}/pause',
  'POST /api/v1/conversations/{id}/resume',
  'POST /api/v1/conversations/{id}/complete',
  'POST /api/v1/analysis/alignment',
  'POST /api/v1/analysis/strategy',
  'POST /api/v1/analysis/kpi',
  'POST /api/v1/analysis/operations',
  'GET /api/v1/analysis/{analysis_id}',
  'GET /api/v1/jobs/{job_id}',
  'ANY /api/v1/suggestions/{proxy+}',
  '$default',
];

/** API Gateway HTTP API's integration timeout ceiling (and its default). */
export const httpApiTimeoutMs = 30_000;

export interface HttpApiArgs {
  readonly name: string;
  readonly functionName: pulumi.Input<string>;
  readonly invokeArn: pulumi.Input<string>;
  readonly throttling: { readonly rateLimit: number; readonly burstLimit: number };
  readonly logRetentionDays: number;
}

export class HttpApi extends pulumi.ComponentResource {
  readonly apiId: pulumi.Output<string>;
  readonly endpoint: pulumi.Output<string>;
  readonly stageName: pulumi.Output<string>;

  constructor(name: string, args: HttpApiArgs, opts?: pulumi.ComponentResourceOptions) {
    super('purposepath:platform:HttpApi', name, {}, opts);
    const child = { parent: this };

    // No corsConfiguration: the gateway would answer preflight itself and hide the service's.
    const api = new aws.apigatewayv2.Api(
      `${name}-api`,
      { name: args.name, protocolType: 'HTTP' },
      child,
    );
    const integration = new aws.apigatewayv2.Integration(
      `${name}-lambda`,
      {
        apiId: api.id,
        integrationType: 'AWS_PROXY',
        integrationMethod: 'POST',
        integrationUri: args.invokeArn,
        payloadFormatVersion: '2.0',
        // The most an HTTP API waits: the function may run longer (a job), a request never does.
        timeoutMilliseconds: httpApiTimeoutMs,
      },
      child,
    );
    for (const routeKey of apiRoutes) {
      new aws.apigatewayv2.Route(
        `${name}-route ${routeKey}`,
        { apiId: api.id, routeKey, target: pulumi.interpolate`integrations/${integration.id}` },
        child,
      );
    }

    const accessLogs = new aws.cloudwatch.LogGroup(
      `${name}-access-logs`,
      { name: `/aws/apigateway/${args.name}`, retentionInDays: args.logRetentionDays },
      child,
    );
    const stage = new aws.apigatewayv2.Stage(
      `${name}-stage`,
      {
        apiId: api.id,
        name: '$default',
        autoDeploy: true,
        defaultRouteSettings: {
          throttlingRateLimit: args.throttling.rateLimit,
          throttlingBurstLimit: args.throttling.burstLimit,
        },
        accessLogSettings: {
          destinationArn: accessLogs.arn,
          format: JSON.stringify(accessLogFormat),
        },
      },
      child,
    );
    new aws.lambda.Permission(
      `${name}-invoke`,
      {
        action: 'lambda:InvokeFunction',
        function: args.functionName,
        principal: 'apigateway.amazonaws.com',
        sourceArn: pulumi.interpolate`${api.executionArn}/*`,
      },
      child,
    );

    this.apiId = api.id;
    this.endpoint = api.apiEndpoint;
    this.stageName = stage.name;
    this.registerOutputs({ endpoint: this.endpoint });
  }
}

/** One JSON object per request, with the fields a 5xx investigation starts from. */
const accessLogFormat = {
  requestId: '$context.requestId',
  ip: '$context.identity.sourceIp',
  requestTime: '$context.requestTime',
  method: '$context.httpMethod',
  routeKey: '$context.routeKey',
  path: '$context.path',
  status: '$context.status',
  protocol: '$context.protocol',
  responseLength: '$context.responseLength',
  latencyMs: '$context.responseLatency',
  integrationLatencyMs: '$context.integrationLatency',
  integrationError: '$context.integrationErrorMessage',
  userAgent: '$context.identity.userAgent',
};

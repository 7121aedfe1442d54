// Alarms on an SNS topic, and a dashboard showing the same signals side by side. CloudWatch
// takes at most 10 metrics in one alarm, so what grows with the stack (tables) gets an alarm each.
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import {
  METRICS_DIMENSION,
  METRICS_NAMESPACE,
  type MetricName,
} from '../app/src/observability/metrics';
import { dashboardBody } from './dashboard';

export interface MonitoringArgs {
  /** Physical name of the topic and dashboard, and prefix of every alarm. */
  readonly name: string;
  readonly stage: string;
  readonly region: pulumi.Input<string>;
  readonly functionName: pulumi.Input<string>;
  readonly timeoutSeconds: number;
  readonly apiId: pulumi.Input<string>;
  readonly tables: readonly { readonly id: string; readonly name: pulumi.Input<string> }[];
  /** The Bedrock model and profile ids the function calls, as Bedrock's ModelId dimension. */
  readonly models: readonly string[];
  readonly email?: string;
  readonly lambdaErrorsPer5Minutes: number;
  readonly llmTokensPerHour: number;
  /** Requests in 5 minutes below which the 5xx rate is not judged (one failure of two is no trend). */
  readonly api5xxMinRequests: number;
  /** Concurrent executions above which the concurrency alarm fires. */
  readonly concurrencyAlarmAt: number;
  /** The on-failure destination of job events (infra/jobs.ts). */
  readonly failedJobQueueName: pulumi.Input<string>;
  /** Jobs failed by the service in 5 minutes above which the job-failures alarm fires. */
  readonly jobFailuresPer5Minutes: number;
  /** The streaming function and its REST API (infra/streaming-api.ts). */
  readonly streaming?: {
    readonly functionName: pulumi.Input<string>;
    readonly timeoutSeconds: number;
    readonly restApiName: pulumi.Input<string>;
    readonly stageName: string;
  };
}

const fiveMinutes = 300;
const oneHour = 3600;
const api5xxPercent = 5;

type AlarmSpec = Pick<
  aws.cloudwatch.MetricAlarmArgs,
  | 'metricName'
  | 'namespace'
  | 'dimensions'
  | 'statistic'
  | 'period'
  | 'metricQueries'
  | 'threshold'
  | 'treatMissingData'
>;

type Query = aws.types.input.cloudwatch.MetricAlarmMetricQuery;

export class Monitoring extends pulumi.ComponentResource {
  readonly topicArn: pulumi.Output<string>;
  readonly dashboardUrl: pulumi.Output<string>;
  readonly alarmNames: pulumi.Output<string>[];

  constructor(name: string, args: MonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
    super('purposepath:platform:Monitoring', name, {}, opts);
    const child = { parent: this };

    const topic = new aws.sns.Topic(`${name}-topic`, { name: args.name }, child);
    if (args.email) {
      // AWS e-mails a confirmation link; nothing is delivered until someone follows it.
      new aws.sns.TopicSubscription(
        `${name}-email`,
        { topic: topic.arn, protocol: 'email', endpoint: args.email },
        child,
      );
    }

    const alarm = (id: string, description: string, spec: AlarmSpec): aws.cloudwatch.MetricAlarm =>
      new aws.cloudwatch.MetricAlarm(
        `${name}-${id}`,
        {
          name: `${args.name}-${id}`,
          alarmDescription: description,
          alarmActions: [topic.arn],
          okActions: [topic.arn],
          // No data means nothing happened: no requests, no throttles, no errors. Expressions
          // take each metric through FILL(…, 0), so one quiet metric cannot hide another.
          treatMissingData: 'notBreaching',
          comparisonOperator: 'GreaterThanThreshold',
          evaluationPeriods: 1,
          ...spec,
        },
        child,
      );
    const lambda = (
      metricName: string,
      statistic: string,
      functionName = args.functionName,
    ): AlarmSpec => ({
      namespace: 'AWS/Lambda',
      metricName,
      dimensions: { FunctionName: functionName },
      statistic,
      period: fiveMinutes,
    });
    const api5xxRate = (errors: Query, requests: Query): AlarmSpec => ({
      metricQueries: [
        errors,
        requests,
        {
          id: 'rate',
          label: '5xx % (0 below the minimum request count)',
          // A guarded division: no request, or too few to judge, is a rate of 0.
          expression: `IF(FILL(requests, 0) >= ${args.api5xxMinRequests}, 100 * FILL(errors, 0) / FILL(requests, 0), 0)`,
          returnData: true,
        },
      ],
      threshold: api5xxPercent,
    });
    const api5xxDescription = (which: string) =>
      `More than ${api5xxPercent}% of at least ${args.api5xxMinRequests} ${which} requests in 5 minutes failed with 5xx`;

    const alarms = [
      alarm('lambda-errors', `More than ${args.lambdaErrorsPer5Minutes} errors in 5 minutes`, {
        ...lambda('Errors', 'Sum'),
        threshold: args.lambdaErrorsPer5Minutes,
      }),
      alarm('lambda-throttles', 'The function was throttled', {
        ...lambda('Throttles', 'Sum'),
        threshold: 0,
      }),
      alarm('lambda-duration', 'An invocation came within 10% of the timeout', {
        ...lambda('Duration', 'Maximum'),
        threshold: args.timeoutSeconds * 1000 * 0.9,
      }),
      alarm(
        'lambda-concurrency',
        `More than ${args.concurrencyAlarmAt} concurrent executions: near the limit, calls start being throttled`,
        { ...lambda('ConcurrentExecutions', 'Maximum'), threshold: args.concurrencyAlarmAt },
      ),
      alarm(
        'api-5xx-rate',
        api5xxDescription('API'),
        api5xxRate(
          stat('errors', 'AWS/ApiGateway', '5xx', { ApiId: args.apiId }, fiveMinutes),
          stat('requests', 'AWS/ApiGateway', 'Count', { ApiId: args.apiId }, fiveMinutes),
        ),
      ),
      ...(args.streaming ? streamingAlarms(args.streaming) : []),
      ...args.tables.map((table) =>
        alarm(
          `dynamodb-throttles-${table.id}`,
          `DynamoDB throttled reads or writes on ${table.id}`,
          {
            metricQueries: sumOf('throttled', 'Throttled requests', [
              stat(
                'reads',
                'AWS/DynamoDB',
                'ReadThrottleEvents',
                { TableName: table.name },
                fiveMinutes,
              ),
              stat(
                'writes',
                'AWS/DynamoDB',
                'WriteThrottleEvents',
                { TableName: table.name },
                fiveMinutes,
              ),
            ]),
            threshold: 0,
          },
        ),
      ),
      alarm(
        'bedrock-throttles',
        'Bedrock throttled model calls (the account’s quota for a model)',
        {
          metricQueries: sumOf(
            'throttled',
            'Throttled model calls',
            args.models.map((model, i) =>
              stat(`m${i}`, 'AWS/Bedrock', 'InvocationThrottles', { ModelId: model }, fiveMinutes),
            ),
          ),
          threshold: 0,
        },
      ),
      alarm(
        'jobs-failed',
        `More than ${args.jobFailuresPer5Minutes} asynchronous jobs failed by the service (5xx) in 5 minutes`,
        {
          metricQueries: [
            { ...appStat('failed', 'JobFailed', args.stage, fiveMinutes), returnData: true },
          ],
          threshold: args.jobFailuresPer5Minutes,
        },
      ),
      alarm('jobs-expired', 'An asynchronous job passed its deadline with no worker finishing it', {
        metricQueries: [
          { ...appStat('expired', 'JobExpired', args.stage, fiveMinutes), returnData: true },
        ],
        threshold: 0,
      }),
      alarm(
        'failed-job-events',
        'Lambda gave up on a job event (retries spent or too old), or could not record one',
        {
          metricQueries: [
            {
              id: 'waiting',
              metric: {
                namespace: 'AWS/SQS',
                metricName: 'ApproximateNumberOfMessagesVisible',
                dimensions: { QueueName: args.failedJobQueueName },
                stat: 'Maximum',
                period: fiveMinutes,
              },
            },
            stat(
              'undelivered',
              'AWS/Lambda',
              'DestinationDeliveryFailures',
              { FunctionName: args.functionName },
              fiveMinutes,
            ),
            {
              id: 'lost',
              label: 'Job events given up on',
              // DestinationDeliveryFailures reports only when a delivery fails.
              expression: 'FILL(waiting, 0) + FILL(undelivered, 0)',
              returnData: true,
            },
          ],
          threshold: 0,
        },
      ),
      alarm('llm-tokens', `More than ${args.llmTokensPerHour} LLM tokens in an hour`, {
        metricQueries: [
          appStat('input', 'LLMInputTokens', args.stage),
          appStat('output', 'LLMOutputTokens', args.stage),
          {
            id: 'tokens',
            label: 'LLM tokens',
            expression: 'FILL(input, 0) + FILL(output, 0)',
            returnData: true,
          },
        ],
        threshold: args.llmTokensPerHour,
      }),
    ];

    /** The same watch over the streaming function, and its REST API's 5xx by name and stage. */
    function streamingAlarms(streaming: NonNullable<MonitoringArgs['streaming']>) {
      const fn = streaming.functionName;
      // REST APIs publish by ApiName and Stage, and call the metric 5XXError.
      const restApi = { ApiName: streaming.restApiName, Stage: streaming.stageName };
      return [
        alarm(
          'streaming-errors',
          `More than ${args.lambdaErrorsPer5Minutes} streaming-function errors in 5 minutes`,
          { ...lambda('Errors', 'Sum', fn), threshold: args.lambdaErrorsPer5Minutes },
        ),
        alarm('streaming-throttles', 'The streaming function was throttled', {
          ...lambda('Throttles', 'Sum', fn),
          threshold: 0,
        }),
        alarm('streaming-duration', 'A streamed response came within 10% of the timeout', {
          ...lambda('Duration', 'Maximum', fn),
          threshold: streaming.timeoutSeconds * 1000 * 0.9,
        }),
        alarm(
          'streaming-api-5xx-rate',
          api5xxDescription('streaming'),
          api5xxRate(
            stat('errors', 'AWS/ApiGateway', '5XXError', restApi, fiveMinutes),
            stat('requests', 'AWS/ApiGateway', 'Count', restApi, fiveMinutes),
          ),
        ),
      ];
    }

    const dashboard = new aws.cloudwatch.Dashboard(
      `${name}-dashboard`,
      {
        dashboardName: args.name,
        dashboardBody: pulumi
          .all([
            args.region,
            args.functionName,
            args.apiId,
            pulumi.all(args.tables.map((t) => t.name)),
            args.failedJobQueueName,
            args.streaming?.functionName ?? '',
            args.streaming?.restApiName ?? '',
          ])
          .apply(
            ([
              region,
              functionName,
              apiId,
              tableNames,
              failedJobQueueName,
              streamingFunction,
              streamingApi,
            ]) =>
              JSON.stringify(
                dashboardBody({
                  region,
                  functionName,
                  apiId,
                  tableNames,
                  models: args.models,
                  stage: args.stage,
                  periodSeconds: fiveMinutes,
                  failedJobQueueName,
                  streaming: args.streaming && {
                    functionName: streamingFunction,
                    restApiName: streamingApi,
                    stageName: args.streaming.stageName,
                  },
                }),
              ),
          ),
      },
      child,
    );

    this.topicArn = topic.arn;
    this.alarmNames = alarms.map((a) => a.name);
    this.dashboardUrl = pulumi.interpolate`https://${args.region}.console.aws.amazon.com/cloudwatch/home?region=${args.region}#dashboards:name=${dashboard.dashboardName}`;
    this.registerOutputs({ topicArn: this.topicArn, dashboardUrl: this.dashboardUrl });
  }
}

function stat(
  id: string,
  namespace: string,
  metricName: string,
  dimensions: Record<string, pulumi.Input<string>>,
  period: number,
): Query {
  return { id, metric: { namespace, metricName, dimensions, stat: 'Sum', period } };
}

/** Throttle metrics report only when a throttle happens: absent is 0, so the sum always exists. */
function sumOf(id: string, label: string, metrics: Query[]): Query[] {
  return [...metrics, { id, label, expression: 'SUM(FILL(METRICS(), 0))', returnData: true }];
}

/** One of the app's own metrics, as the app writes it (app/src/observability/metrics.ts). */
function appStat(id: string, metricName: MetricName, stage: string, period = oneHour): Query {
  return stat(id, METRICS_NAMESPACE, metricName, { [METRICS_DIMENSION]: stage }, period);
}

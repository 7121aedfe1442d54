// Alarms on an SNS topic, and a dashboard showing the same signals side by side.
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';

export interface MonitoringArgs {
  /** Physical name of the topic and dashboard, and prefix of every alarm. */
  readonly name: string;
  readonly stage: string;
  readonly region: pulumi.Input<string>;
  readonly functionName: pulumi.Input<string>;
  readonly timeoutSeconds: number;
  readonly apiId: pulumi.Input<string>;
  readonly tableNames: pulumi.Input<string>[];
  readonly email?: string;
  readonly lambdaErrorsPer5Minutes: number;
  readonly llmTokensPerHour: number;
}

/** The app's own metrics (CloudWatch embedded metric format), dimensioned by Stage only. */
const appNamespace = 'PurposePath/Coaching';
const fiveMinutes = 300;
const oneHour = 3600;
const api5xxPercent = 5;

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

    const fn = { FunctionName: args.functionName };
    const lambda = (metricName: string, stat: string) => ({
      metricName,
      namespace: 'AWS/Lambda',
      dimensions: fn,
      stat,
      period: fiveMinutes,
    });
    const alarm = (id: string, description: string, spec: AlarmSpec): aws.cloudwatch.MetricAlarm =>
      new aws.cloudwatch.MetricAlarm(
        `${name}-${id}`,
        {
          name: `${args.name}-${id}`,
          alarmDescription: description,
          alarmActions: [topic.arn],
          okActions: [topic.arn],
          treatMissingData: 'notBreaching',
          comparisonOperator: 'GreaterThanThreshold',
          evaluationPeriods: 1,
          ...spec,
        },
        child,
      );

    const alarms = [
      alarm('lambda-errors', `More than ${args.lambdaErrorsPer5Minutes} errors in 5 minutes`, {
        ...metric(lambda('Errors', 'Sum')),
        threshold: args.lambdaErrorsPer5Minutes,
      }),
      alarm('lambda-throttles', 'The function was throttled', {
        ...metric(lambda('Throttles', 'Sum')),
        threshold: 0,
      }),
      alarm('lambda-duration', 'An invocation came within 10% of the timeout', {
        ...metric(lambda('Duration', 'Maximum')),
        threshold: args.timeoutSeconds * 1000 * 0.9,
      }),
      alarm('api-5xx-rate', `More than ${api5xxPercent}% of API requests failed with 5xx`, {
        metricQueries: [
          apiMetric('errors', '5xx', args.apiId),
          apiMetric('requests', 'Count', args.apiId),
          {
            id: 'rate',
            label: '5xx %',
            expression: '100 * errors / MAX([requests, 1])',
            returnData: true,
          },
        ],
        threshold: api5xxPercent,
      }),
      alarm('dynamodb-throttles', 'DynamoDB throttled reads or writes on a table', {
        metricQueries: [
          ...args.tableNames.flatMap((tableName, i) =>
            ['ReadThrottleEvents', 'WriteThrottleEvents'].map((metricName) => ({
              id: `${metricName.startsWith('Read') ? 'r' : 'w'}${i}`,
              metric: {
                namespace: 'AWS/DynamoDB',
                metricName,
                dimensions: { TableName: tableName },
                stat: 'Sum',
                period: fiveMinutes,
              },
            })),
          ),
          {
            id: 'throttled',
            label: 'Throttled requests',
            expression: 'SUM(METRICS())',
            returnData: true,
          },
        ],
        threshold: 0,
      }),
      alarm('llm-tokens', `More than ${args.llmTokensPerHour} LLM tokens in an hour`, {
        metricQueries: [
          appMetric('input', 'LLMInputTokens', args.stage),
          appMetric('output', 'LLMOutputTokens', args.stage),
          { id: 'tokens', label: 'LLM tokens', expression: 'input + output', returnData: true },
        ],
        threshold: args.llmTokensPerHour,
      }),
    ];

    const dashboard = new aws.cloudwatch.Dashboard(
      `${name}-dashboard`,
      {
        dashboardName: args.name,
        dashboardBody: pulumi
          .all([args.region, args.functionName, args.apiId, pulumi.all(args.tableNames)])
          .apply(([region, functionName, apiId, tableNames]) =>
            JSON.stringify(
              dashboardBody({ region, functionName, apiId, tableNames, stage: args.stage }),
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

type AlarmSpec = Pick<
  aws.cloudwatch.MetricAlarmArgs,
  'metricName' | 'namespace' | 'dimensions' | 'statistic' | 'period' | 'metricQueries' | 'threshold'
>;

interface SingleMetric {
  metricName: string;
  namespace: string;
  dimensions: Record<string, pulumi.Input<string>>;
  stat: string;
  period: number;
}

function metric(m: SingleMetric): AlarmSpec {
  return {
    metricName: m.metricName,
    namespace: m.namespace,
    dimensions: m.dimensions,
    statistic: m.stat,
    period: m.period,
  };
}

function apiMetric(id: string, metricName: string, apiId: pulumi.Input<string>) {
  return {
    id,
    metric: {
      namespace: 'AWS/ApiGateway',
      metricName,
      dimensions: { ApiId: apiId },
      stat: 'Sum',
      period: fiveMinutes,
    },
  };
}

function appMetric(id: string, metricName: string, stage: string) {
  return {
    id,
    metric: {
      namespace: appNamespace,
      metricName,
      dimensions: { Stage: stage },
      stat: 'Sum',
      period: oneHour,
    },
  };
}

interface DashboardInputs {
  readonly region: string;
  readonly functionName: string;
  readonly apiId: string;
  readonly tableNames: string[];
  readonly stage: string;
}

/** Four rows: the API, the function, the tables, and the app's own coaching metrics. */
function dashboardBody(d: DashboardInputs): object {
  const graph = (title: string, metrics: unknown[][], x: number, y: number, stat = 'Sum') => ({
    type: 'metric',
    x,
    y,
    width: 12,
    height: 6,
    properties: { title, region: d.region, stat, period: fiveMinutes, view: 'timeSeries', metrics },
  });
  const fn = ['FunctionName', d.functionName];
  const api = ['ApiId', d.apiId];
  const stage = ['Stage', d.stage];
  return {
    widgets: [
      graph(
        'API requests and errors',
        [
          ['AWS/ApiGateway', 'Count', ...api],
          ['AWS/ApiGateway', '4xx', ...api],
          ['AWS/ApiGateway', '5xx', ...api],
        ],
        0,
        0,
      ),
      graph('API latency (p95)', [['AWS/ApiGateway', 'Latency', ...api]], 12, 0, 'p95'),
      graph(
        'Function invocations, errors, throttles',
        [
          ['AWS/Lambda', 'Invocations', ...fn],
          ['AWS/Lambda', 'Errors', ...fn],
          ['AWS/Lambda', 'Throttles', ...fn],
        ],
        0,
        6,
      ),
      graph('Function duration (max)', [['AWS/Lambda', 'Duration', ...fn]], 12, 6, 'Maximum'),
      graph(
        'DynamoDB throttle events',
        d.tableNames.flatMap((table) => [
          ['AWS/DynamoDB', 'ReadThrottleEvents', 'TableName', table],
          ['AWS/DynamoDB', 'WriteThrottleEvents', 'TableName', table],
        ]),
        0,
        12,
      ),
      graph(
        'Conversations, messages, analyses',
        [
          [appNamespace, 'ConversationInitiated', ...stage],
          [appNamespace, 'MessageProcessed', ...stage],
          [appNamespace, 'AnalysisRequested', ...stage],
          [appNamespace, 'RateLimitExceeded', ...stage],
        ],
        12,
        12,
      ),
      graph(
        'LLM tokens',
        [
          [appNamespace, 'LLMInputTokens', ...stage],
          [appNamespace, 'LLMOutputTokens', ...stage],
        ],
        0,
        18,
      ),
      graph(
        'API latency seen by the app (p95)',
        [[appNamespace, 'APILatency', ...stage]],
        12,
        18,
        'p95',
      ),
    ],
  };
}

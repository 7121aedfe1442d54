// The stack's CloudWatch dashboard body: the signals the alarms watch, side by side.
import {
  METRICS_DIMENSION,
  METRICS_NAMESPACE,
  type MetricName,
} from '../app/src/observability/metrics';

export interface DashboardInputs {
  readonly region: string;
  readonly functionName: string;
  readonly apiId: string;
  readonly tableNames: string[];
  readonly models: readonly string[];
  readonly stage: string;
  readonly periodSeconds: number;
  readonly failedJobQueueName: string;
  /** The streaming function and its REST API, a row of their own. */
  readonly streaming?: {
    readonly functionName: string;
    readonly restApiName: string;
    readonly stageName: string;
  };
}

/** Rows: the API, the function, the tables and the model, the app's own metrics, the jobs. */
export function dashboardBody(d: DashboardInputs): object {
  const graph = (title: string, metrics: unknown[][], x: number, y: number, stat = 'Sum') => ({
    type: 'metric',
    x,
    y,
    width: 12,
    height: 6,
    properties: {
      title,
      region: d.region,
      stat,
      period: d.periodSeconds,
      view: 'timeSeries',
      metrics,
    },
  });
  const fn = ['FunctionName', d.functionName];
  const api = ['ApiId', d.apiId];
  const app = (name: MetricName) => [METRICS_NAMESPACE, name, METRICS_DIMENSION, d.stage];
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
          app('ConversationInitiated'),
          app('MessageProcessed'),
          app('AnalysisRequested'),
          app('RateLimitExceeded'),
        ],
        12,
        12,
      ),
      graph(
        'LLM tokens (cache reads and writes apart)',
        [
          app('LLMInputTokens'),
          app('LLMOutputTokens'),
          app('LLMCacheReadTokens'),
          app('LLMCacheWriteTokens'),
        ],
        0,
        18,
      ),
      graph('API latency seen by the app (p95)', [app('APILatency')], 12, 18, 'p95'),
      graph(
        'Function concurrency (max)',
        [['AWS/Lambda', 'ConcurrentExecutions', ...fn]],
        0,
        24,
        'Maximum',
      ),
      graph(
        'Bedrock throttles by model',
        d.models.map((model) => ['AWS/Bedrock', 'InvocationThrottles', 'ModelId', model]),
        12,
        24,
      ),
      graph(
        'Jobs failed, expired, and job events Lambda gave up on',
        [
          app('JobFailed'),
          app('JobExpired'),
          ['AWS/Lambda', 'AsyncEventsDropped', ...fn],
          ['AWS/SQS', 'ApproximateNumberOfMessagesVisible', 'QueueName', d.failedJobQueueName],
        ],
        0,
        30,
      ),
      graph(
        'Job events: time waiting in Lambda’s queue (max)',
        [['AWS/Lambda', 'AsyncEventAge', ...fn]],
        12,
        30,
        'Maximum',
      ),
      graph('Model calls refused by a spent budget', [app('QuotaExceeded')], 12, 36),
      ...(d.streaming ? streamingRow(d.streaming, graph) : []),
    ],
  };
}

type Graph = (title: string, metrics: unknown[][], x: number, y: number, stat?: string) => object;

/** REST APIs publish by ApiName and Stage, with 4XXError and 5XXError. */
function streamingRow(streaming: NonNullable<DashboardInputs['streaming']>, graph: Graph) {
  const api = ['ApiName', streaming.restApiName, 'Stage', streaming.stageName];
  const fn = ['FunctionName', streaming.functionName];
  return [
    graph(
      'Streaming endpoint requests and errors',
      [
        ['AWS/ApiGateway', 'Count', ...api],
        ['AWS/ApiGateway', '4XXError', ...api],
        ['AWS/ApiGateway', '5XXError', ...api],
      ],
      0,
      30,
    ),
    graph(
      'Streaming function invocations, errors, throttles',
      [
        ['AWS/Lambda', 'Invocations', ...fn],
        ['AWS/Lambda', 'Errors', ...fn],
        ['AWS/Lambda', 'Throttles', ...fn],
      ],
      12,
      30,
    ),
    graph(
      'Streaming function duration (max)',
      [['AWS/Lambda', 'Duration', ...fn]],
      0,
      36,
      'Maximum',
    ),
  ];
}

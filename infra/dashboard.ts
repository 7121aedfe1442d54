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

/** A graph before it has its place on the grid. */
interface Graph {
  readonly type: 'metric';
  readonly properties: object;
}

const columns = 24;
const graphWidth = 12;
const graphHeight = 6;

/**
 * Places the graphs in reading order, two to a row, so a graph added anywhere moves the rest
 * down instead of landing on one of them.
 */
export function layOut(graphs: readonly Graph[]): object[] {
  const perRow = columns / graphWidth;
  return graphs.map((graph, index) => ({
    ...graph,
    x: (index % perRow) * graphWidth,
    y: Math.floor(index / perRow) * graphHeight,
    width: graphWidth,
    height: graphHeight,
  }));
}

/** Rows: the API, the function, the tables and the model, the app's own metrics, the jobs. */
export function dashboardBody(d: DashboardInputs): object {
  const graph = (title: string, metrics: unknown[][], stat = 'Sum'): Graph => ({
    type: 'metric',
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
    widgets: layOut([
      graph('API requests and errors', [
        ['AWS/ApiGateway', 'Count', ...api],
        ['AWS/ApiGateway', '4xx', ...api],
        ['AWS/ApiGateway', '5xx', ...api],
      ]),
      graph('API latency (p95)', [['AWS/ApiGateway', 'Latency', ...api]], 'p95'),
      graph('Function invocations, errors, throttles', [
        ['AWS/Lambda', 'Invocations', ...fn],
        ['AWS/Lambda', 'Errors', ...fn],
        ['AWS/Lambda', 'Throttles', ...fn],
      ]),
      graph('Function duration (max)', [['AWS/Lambda', 'Duration', ...fn]], 'Maximum'),
      graph(
        'DynamoDB throttle events',
        d.tableNames.flatMap((table) => [
          ['AWS/DynamoDB', 'ReadThrottleEvents', 'TableName', table],
          ['AWS/DynamoDB', 'WriteThrottleEvents', 'TableName', table],
        ]),
      ),
      graph('Conversations, messages, analyses', [
        app('ConversationInitiated'),
        app('MessageProcessed'),
        app('AnalysisRequested'),
        app('RateLimitExceeded'),
      ]),
      graph('LLM tokens (cache reads and writes apart)', [
        app('LLMInputTokens'),
        app('LLMOutputTokens'),
        app('LLMCacheReadTokens'),
        app('LLMCacheWriteTokens'),
      ]),
      graph('API latency seen by the app (p95)', [app('APILatency')], 'p95'),
      graph(
        'Function concurrency (max)',
        [['AWS/Lambda', 'ConcurrentExecutions', ...fn]],
        'Maximum',
      ),
      graph(
        'Bedrock throttles by model',
        d.models.map((model) => ['AWS/Bedrock', 'InvocationThrottles', 'ModelId', model]),
      ),
      graph('Jobs failed, expired, and job events Lambda gave up on', [
        app('JobFailed'),
        app('JobExpired'),
        ['AWS/Lambda', 'AsyncEventsDropped', ...fn],
        ['AWS/SQS', 'ApproximateNumberOfMessagesVisible', 'QueueName', d.failedJobQueueName],
      ]),
      graph(
        'Job events: time waiting in Lambda’s queue (max)',
        [['AWS/Lambda', 'AsyncEventAge', ...fn]],
        'Maximum',
      ),
      graph('Model calls refused by a spent budget', [app('QuotaExceeded')]),
      ...(d.streaming ? streamingRow(d.streaming, graph) : []),
    ]),
  };
}

type GraphOf = (title: string, metrics: unknown[][], stat?: string) => Graph;

/** REST APIs publish by ApiName and Stage, with 4XXError and 5XXError. */
function streamingRow(streaming: NonNullable<DashboardInputs['streaming']>, graph: GraphOf) {
  const api = ['ApiName', streaming.restApiName, 'Stage', streaming.stageName];
  const fn = ['FunctionName', streaming.functionName];
  return [
    graph('Streaming endpoint requests and errors', [
      ['AWS/ApiGateway', 'Count', ...api],
      ['AWS/ApiGateway', '4XXError', ...api],
      ['AWS/ApiGateway', '5XXError', ...api],
    ]),
    graph('Streaming function invocations, errors, throttles', [
      ['AWS/Lambda', 'Invocations', ...fn],
      ['AWS/Lambda', 'Errors', ...fn],
      ['AWS/Lambda', 'Throttles', ...fn],
    ]),
    graph('Streaming function duration (max)', [['AWS/Lambda', 'Duration', ...fn]], 'Maximum'),
  ];
}

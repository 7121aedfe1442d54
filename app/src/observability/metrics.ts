// The metrics port: use cases and middleware record named values; the adapter chosen at start-up
// decides where they go (CloudWatch embedded metric format, or nowhere). The namespace, the
// dimension and the names are plain data the platform's alarms and dashboard read too.

/** Where the app's metrics live in CloudWatch. */
export const METRICS_NAMESPACE = 'PurposePath/Coaching';

/** The one dimension every metric carries, valued with the stage. */
export const METRICS_DIMENSION = 'Stage';

export const metricNames = [
  'ConversationInitiated',
  'MessageProcessed',
  'AnalysisRequested',
  'APILatency',
  'RateLimitExceeded',
  /** Requests an instance counted on its own, its shared limiter store failing or too slow. */
  'RateLimitStoreFallback',
  'LLMInputTokens',
  'LLMOutputTokens',
  /** Jobs (Prefer: respond-async) whose work failed: the envelope is the job's error. */
  'JobFailed',
  /** Jobs that could not run in time: a worker too late, or a local server that stopped. */
  'JobExpired',
] as const;

export type MetricName = (typeof metricNames)[number];

export type MetricUnit = 'Count' | 'Milliseconds';

export interface Metrics {
  add(name: MetricName, value: number, unit: MetricUnit): void;
}

export const noMetrics: Metrics = { add: () => undefined };

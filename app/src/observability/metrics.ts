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
  /** Input read from the model's prompt cache (billed at its cache-read rate). */
  'LLMCacheReadTokens',
  /** Input written to the model's prompt cache (billed at its cache-write rate). */
  'LLMCacheWriteTokens',
  /** A model call refused because a tenant's or a user's budget is spent (429 quota_exceeded). */
  'QuotaExceeded',
  /** An asynchronous job that failed for the service's sake (a 5xx: the model, a dependency). */
  'JobFailed',
  /** An asynchronous job that no worker finished before its deadline (read as failed, 503). */
  'JobExpired',
  /** Feedback given on an answer (a PUT); its rating rides along as a property, not a dimension. */
  'FeedbackRecorded',
  /** An answer replaced by a regenerate (counted when its turn commits). */
  'AnswerRegenerated',
] as const;

export type MetricName = (typeof metricNames)[number];

export type MetricUnit = 'Count' | 'Milliseconds';

/** Values a metric's record carries beside it, searchable in its log line but not dimensions. */
export type MetricProperties = Readonly<Record<string, string>>;

export interface Metrics {
  add(name: MetricName, value: number, unit: MetricUnit, properties?: MetricProperties): void;
}

export const noMetrics: Metrics = { add: () => undefined };

// The metrics port: use cases and middleware record named values; the adapter chosen at start-up
// decides where they go (CloudWatch embedded metric format, or nowhere).
export type MetricName =
  | 'ConversationInitiated'
  | 'MessageProcessed'
  | 'AnalysisRequested'
  | 'APILatency'
  | 'RateLimitExceeded'
  | 'LLMInputTokens'
  | 'LLMOutputTokens';

export type MetricUnit = 'Count' | 'Milliseconds';

export interface Metrics {
  add(name: MetricName, value: number, unit: MetricUnit): void;
}

export const noMetrics: Metrics = { add: () => undefined };

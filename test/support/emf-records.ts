// The embedded-metric-format lines a test's metrics adapter wrote, read back: the records that
// carry one metric, with their CloudWatch directive, to check its dimensions and properties.

export type EmfRecord = Record<string, unknown> & {
  _aws: { CloudWatchMetrics: { Dimensions: string[][]; Metrics: { Name: string }[] }[] };
};

/** The records among `lines` that carry metric `name`. */
export const recordsOf = (lines: readonly string[], name: string): EmfRecord[] =>
  lines
    .map((line) => JSON.parse(line) as EmfRecord)
    .filter((e) => e._aws.CloudWatchMetrics[0]?.Metrics.some((m) => m.Name === name));

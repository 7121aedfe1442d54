// The metrics port in CloudWatch embedded metric format (aws-embedded-metrics), written to
// stdout: namespace PurposePath/Coaching, exactly the dimension set [Stage]. Values are kept
// until flushed: after each invocation in Lambda, every few seconds for the local server.
import { MetricsLogger } from 'aws-embedded-metrics';
import type { IEnvironment } from 'aws-embedded-metrics/lib/environment/IEnvironment.js';
import type { MetricsContext } from 'aws-embedded-metrics/lib/logger/MetricsContext.js';
import { LogSerializer } from 'aws-embedded-metrics/lib/serializers/LogSerializer.js';
import {
  METRICS_NAMESPACE,
  type MetricName,
  type MetricProperties,
  type Metrics,
  type MetricUnit,
} from './metrics.js';

export interface FlushableMetrics extends Metrics {
  /** Writes what was recorded since the last flush; nothing when nothing was. */
  flush(): Promise<void>;
  /** Stops the periodic flush, after a last one. */
  close(): Promise<void>;
}

export interface EmfOptions {
  readonly stage: string;
  /** Where each EMF line goes; stdout unless a test captures it. */
  readonly write?: (line: string) => void;
  /** Flush every this many ms (the local server); Lambda flushes per invocation instead. */
  readonly flushIntervalMs?: number;
}

interface Recorded {
  readonly name: MetricName;
  readonly value: number;
  readonly unit: MetricUnit;
  readonly properties?: MetricProperties;
}

/**
 * Our own environment for the library: it writes to the given sink and never probes for a
 * CloudWatch agent (the library's default outside Lambda), nor adds its default dimensions.
 */
function stdoutEnvironment(write: (line: string) => void): IEnvironment {
  const serializer = new LogSerializer();
  return {
    probe: () => Promise.resolve(true),
    getName: () => 'PurposePath',
    getType: () => 'Coaching',
    getLogGroupName: () => '',
    configureContext: () => undefined,
    getSink: () => ({
      name: 'StdoutSink',
      accept(context: MetricsContext) {
        for (const line of serializer.serialize(context)) write(line);
        return Promise.resolve();
      },
    }),
  };
}

export function createEmfMetrics(options: EmfOptions): FlushableMetrics {
  const write = options.write ?? ((line: string) => void process.stdout.write(`${line}\n`));
  const environment = stdoutEnvironment(write);
  let pending: Recorded[] = [];

  async function flush(): Promise<void> {
    if (pending.length === 0) return;
    const batch = pending;
    pending = [];
    // Properties belong to a whole EMF line: a value with its own goes on a line of its own.
    const plain = batch.filter((r) => r.properties === undefined);
    const lines = [
      ...(plain.length > 0 ? [plain] : []),
      ...batch.flatMap((r) => (r.properties ? [[r]] : [])),
    ];
    for (const line of lines) {
      const logger = new MetricsLogger(() => Promise.resolve(environment));
      logger.setNamespace(METRICS_NAMESPACE);
      logger.setDimensions({ Stage: options.stage });
      for (const { name, value, unit, properties } of line) {
        logger.putMetric(name, value, unit);
        for (const [key, text] of Object.entries(properties ?? {})) logger.setProperty(key, text);
      }
      await logger.flush();
    }
  }

  const timer =
    options.flushIntervalMs === undefined
      ? undefined
      : setInterval(() => void flush(), options.flushIntervalMs);
  timer?.unref();

  return {
    add(name, value, unit, properties) {
      pending.push({ name, value, unit, properties });
    },
    flush,
    async close() {
      clearInterval(timer);
      await flush();
    },
  };
}

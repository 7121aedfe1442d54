// The EMF adapter behind a dynamic import: what the configuration enables loads the metrics
// library at start-up, in parallel with the rest, and a function with metrics off never loads
// it. Values recorded before it has loaded are kept and handed over in order.
import type { EmfOptions, FlushableMetrics } from './metrics-emf.js';
import type { MetricName, MetricProperties, MetricUnit } from './metrics.js';

export function deferredEmfMetrics(options: EmfOptions): FlushableMetrics {
  let adapter: FlushableMetrics | undefined;
  const early: [MetricName, number, MetricUnit, MetricProperties?][] = [];
  const loaded = import('./metrics-emf.js').then(({ createEmfMetrics }) => {
    adapter = createEmfMetrics(options);
    for (const [name, value, unit, properties] of early.splice(0)) {
      adapter.add(name, value, unit, properties);
    }
    return adapter;
  });
  return {
    add(name, value, unit, properties) {
      if (adapter) adapter.add(name, value, unit, properties);
      else early.push([name, value, unit, properties]);
    },
    flush: async () => (await loaded).flush(),
    close: async () => (await loaded).close(),
  };
}

import { expect } from 'chai';
import { metricsFor } from '../../app/src/compose.js';
import { loadConfig } from '../../app/src/config.js';
import { noMetrics } from '../../app/src/observability/metrics.js';
import { createEmfMetrics } from '../../app/src/observability/metrics-emf.js';
import { initiate, startApi } from '../support/harness.js';

interface EmfLine {
  Stage: string;
  _aws: {
    Timestamp: number;
    CloudWatchMetrics: {
      Namespace: string;
      Dimensions: string[][];
      Metrics: { Name: string; Unit: string }[];
    }[];
  };
  [metric: string]: unknown;
}

describe('metrics in CloudWatch embedded metric format', () => {
  it('when requests run, then the flushed lines carry the namespace, exactly [Stage], and each metric with its unit', async () => {
    const lines: string[] = [];
    const metrics = createEmfMetrics({ stage: 'staging', write: (line) => lines.push(line) });
    const api = await startApi({ env: { RATE_LIMIT_INITIATE: '1/60' }, overrides: { metrics } });
    try {
      const token = await api.token('uma', 'acme');
      const id = await initiate(api, token);
      await api.request('POST', `/api/v1/conversations/${id}/message`, {
        token,
        body: { user_message: 'Curiosity' },
      });
      await api.request('POST', '/api/v1/conversations/initiate', {
        token,
        body: { topic: 'vision' },
      });
      await api.request('POST', '/api/v1/analysis/alignment', {
        token,
        body: { text_to_analyze: 'We build tools that help people grow.', context: {} },
      });
      await metrics.flush();
    } finally {
      await api.close();
    }
    const events = lines.map((line) => JSON.parse(line) as EmfLine);
    expect(events.length).to.be.at.least(1);
    const units = new Map<string, string>();
    for (const event of events) {
      const [directive] = event._aws.CloudWatchMetrics;
      expect(directive?.Namespace).to.equal('PurposePath/Coaching');
      expect(directive?.Dimensions).to.deep.equal([['Stage']]);
      expect(event.Stage).to.equal('staging');
      for (const { Name, Unit } of directive?.Metrics ?? []) units.set(Name, Unit);
    }
    expect(Object.fromEntries(units)).to.deep.include({
      APILatency: 'Milliseconds',
      ConversationInitiated: 'Count',
      MessageProcessed: 'Count',
      RateLimitExceeded: 'Count',
      AnalysisRequested: 'Count',
      LLMInputTokens: 'Count',
      LLMOutputTokens: 'Count',
    });
    const latency = events.flatMap((e) => [e.APILatency].flat()).filter((v) => v !== undefined);
    expect(latency.length).to.be.at.least(4);
    expect(latency.every((v) => typeof v === 'number' && v >= 0)).to.equal(true);
  });

  it('when nothing was recorded, then a flush writes nothing', async () => {
    const lines: string[] = [];
    await createEmfMetrics({ stage: 'dev', write: (line) => lines.push(line) }).flush();
    expect(lines).to.deep.equal([]);
  });

  it('when METRICS_ENABLED is false, then no adapter is built, and a deployed stage enables it by default', () => {
    const off = loadConfig({
      STAGE: 'dev',
      JWT_SECRET: 's',
      DEFAULT_LLM_PROVIDER: 'offline',
      METRICS_ENABLED: 'false',
    });
    expect(metricsFor(off)).to.equal(noMetrics);
    const on = loadConfig({ STAGE: 'dev', JWT_SECRET: 's', DEFAULT_LLM_PROVIDER: 'offline' });
    const adapter = metricsFor(on);
    expect(adapter).to.not.equal(noMetrics);
    expect(adapter).to.have.property('flush');
    void (adapter as ReturnType<typeof createEmfMetrics>).close();
  });
});

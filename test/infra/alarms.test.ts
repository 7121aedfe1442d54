// Each stack's alarms, checked against what they are for: every signal the platform promises,
// on the stack's topic, within CloudWatch's limits (the plan itself refuses more than 10 metrics
// in an alarm, see aws-rules.ts), reading the metrics the app really writes.
import { expect } from 'chai';
import { createEmfMetrics } from '../../app/src/observability/metrics-emf';
import { metricNames } from '../../app/src/observability/metrics';
import { tableList, tableName } from '../../app/src/storage/tables';
import type { PlannedResource, StackPlan } from '../../scripts/plan';
import {
  apiFunction,
  onlyResource,
  resourcesOfType,
  stackPlan,
  streamingFunction,
} from '../support/stack-plans';

interface Query {
  id: string;
  expression?: string;
  returnData?: boolean;
  metric?: { namespace: string; metricName: string; dimensions: Record<string, string> };
}

interface Widget {
  x: number;
  y: number;
  width: number;
  height: number;
  properties: { title: string };
}

/** A quiet minute has no 5xx data point: FILL makes it 0, so the rate still exists. */
const rateExpression = 'IF(FILL(requests, 0) >= 20, 100 * FILL(errors, 0) / FILL(requests, 0), 0)';

const alarmEmails: Record<string, string | undefined> = {
  dev: undefined,
  staging: 'devops@purposepath.ai',
  prod: 'devops@purposepath.ai',
};

for (const [stage, email] of Object.entries(alarmEmails)) {
  describe(`the ${stage} stack’s alarms`, function () {
    this.timeout(120_000);
    let plan: StackPlan;
    let alarms: PlannedResource[];
    let functionName: string;
    const byName = (suffix: string) => {
      const found = alarms.find((a) => String(a.inputs.name).endsWith(`-${suffix}`));
      if (!found) throw new Error(`no alarm ${suffix} in ${stage}`);
      return found;
    };
    const queries = (suffix: string) => byName(suffix).inputs.metricQueries as Query[];

    before(async () => {
      plan = await stackPlan(stage);
      alarms = resourcesOfType(plan, 'aws:cloudwatch/metricAlarm:MetricAlarm');
      functionName = String(apiFunction(plan).inputs.name);
    });

    it('sends every alarm, OK included, to the stack’s topic, each saying what missing data means', () => {
      const topic = onlyResource(plan, 'aws:sns/topic:Topic');
      expect(
        alarms
          .map((a) => String(a.inputs.name).replace(`purposepath-coaching-${stage}-v3-`, ''))
          .sort(),
      ).to.deep.equal(
        [
          'api-5xx-rate',
          'bedrock-throttles',
          'failed-job-events',
          'jobs-expired',
          'jobs-failed',
          ...tableList.map((def) => `dynamodb-throttles-${def.id}`),
          'lambda-concurrency',
          'lambda-duration',
          'lambda-errors',
          'lambda-throttles',
          'llm-tokens',
          'streaming-api-5xx-rate',
          'streaming-duration',
          'streaming-errors',
          'streaming-throttles',
        ].sort(),
      );
      for (const alarm of alarms) {
        expect(alarm.inputs.alarmActions, alarm.name).to.deep.equal([plan.outputs.alarmTopicArn]);
        expect(alarm.inputs.okActions, alarm.name).to.deep.equal([plan.outputs.alarmTopicArn]);
        expect(alarm.inputs.treatMissingData, alarm.name).to.equal('notBreaching');
      }
      expect(plan.outputs.alarmTopicArn).to.contain(String(topic.inputs.name));
    });

    it('fires on more than 10 function errors in 5 minutes, on duration near the timeout, and near the concurrency limit', () => {
      expect(byName('lambda-errors').inputs).to.include({
        namespace: 'AWS/Lambda',
        metricName: 'Errors',
        statistic: 'Sum',
        period: 300,
        threshold: 10,
        comparisonOperator: 'GreaterThanThreshold',
      });
      expect(byName('lambda-errors').inputs.dimensions).to.deep.equal({
        FunctionName: functionName,
      });
      // 90% of the 150 s timeout: only a job comes near it; a request ends at the gateway's 30 s.
      expect(byName('lambda-duration').inputs.threshold).to.equal(135_000);
      // No reservation: 80% of the account's default quota of 1000.
      expect(byName('lambda-concurrency').inputs).to.include({
        metricName: 'ConcurrentExecutions',
        statistic: 'Maximum',
        threshold: 800,
      });
    });

    it('judges the API 5xx rate only over enough requests, with a division that cannot fail', () => {
      const rate = queries('api-5xx-rate').find((q) => q.returnData)!;
      expect(rate.expression).to.equal(rateExpression);
      expect(byName('api-5xx-rate').inputs.threshold).to.equal(5);
      expect(
        queries('api-5xx-rate').flatMap((q) => (q.metric ? [q.metric.metricName] : [])),
      ).to.deep.equal(['5xx', 'Count']);
    });

    it('watches the streaming function (errors, throttles, duration near its own timeout) and its REST API’s 5xx rate', () => {
      const streamingName = String(streamingFunction(plan).inputs.name);
      for (const suffix of ['streaming-errors', 'streaming-throttles', 'streaming-duration']) {
        expect(byName(suffix).inputs.namespace, suffix).to.equal('AWS/Lambda');
        expect(byName(suffix).inputs.dimensions, suffix).to.deep.equal({
          FunctionName: streamingName,
        });
      }
      expect(byName('streaming-errors').inputs).to.include({ metricName: 'Errors', threshold: 10 });
      expect(byName('streaming-throttles').inputs).to.include({
        metricName: 'Throttles',
        threshold: 0,
      });
      // 90% of the streaming function's 150 s, not of the API function's timeout.
      expect(byName('streaming-duration').inputs).to.include({
        metricName: 'Duration',
        statistic: 'Maximum',
        threshold: 135_000,
      });
      const watched = queries('streaming-api-5xx-rate').flatMap((q) =>
        q.metric ? [q.metric] : [],
      );
      const restApi = onlyResource(plan, 'aws:apigateway/restApi:RestApi');
      expect(watched.map((m) => m.metricName)).to.deep.equal(['5XXError', 'Count']);
      for (const metric of watched) {
        expect(metric.namespace).to.equal('AWS/ApiGateway');
        expect(metric.dimensions).to.deep.equal({ ApiName: restApi.inputs.name, Stage: stage });
      }
      expect(queries('streaming-api-5xx-rate').find((q) => q.returnData)?.expression).to.equal(
        rateExpression,
      );
    });

    it('watches DynamoDB throttling with one alarm per table, so a new table never crowds one alarm', () => {
      for (const def of tableList) {
        const watched = queries(`dynamodb-throttles-${def.id}`).flatMap((q) =>
          q.metric ? [`${q.metric.metricName} ${q.metric.dimensions.TableName}`] : [],
        );
        const table = tableName(def, stage, '-v3');
        expect(watched).to.deep.equal([
          `ReadThrottleEvents ${table}`,
          `WriteThrottleEvents ${table}`,
        ]);
      }
    });

    it('watches Bedrock throttling of every model the function may call', () => {
      const env = apiFunction(plan).inputs.environment as {
        variables: { ALLOWED_LLM_MODELS: string };
      };
      const watched = queries('bedrock-throttles').flatMap((q) =>
        q.metric
          ? [`${q.metric.namespace} ${q.metric.metricName} ${q.metric.dimensions.ModelId}`]
          : [],
      );
      expect(watched).to.deep.equal(
        env.variables.ALLOWED_LLM_MODELS.split(',').map(
          (m) => `AWS/Bedrock InvocationThrottles ${m}`,
        ),
      );
    });

    it('fires on any expired job, on more than 5 jobs the service failed in 5 minutes, and on any job event Lambda gave up on', () => {
      const appMetric = (suffix: string) =>
        queries(suffix).flatMap((q) =>
          q.metric
            ? [`${q.metric.namespace} ${q.metric.metricName} ${q.metric.dimensions.Stage}`]
            : [],
        );
      expect(appMetric('jobs-expired')).to.deep.equal([`PurposePath/Coaching JobExpired ${stage}`]);
      expect(byName('jobs-expired').inputs.threshold).to.equal(0);
      expect(appMetric('jobs-failed')).to.deep.equal([`PurposePath/Coaching JobFailed ${stage}`]);
      expect(byName('jobs-failed').inputs.threshold).to.equal(5);
      for (const suffix of ['jobs-expired', 'jobs-failed']) {
        expect(queries(suffix)[0]?.metric).to.deep.include({ stat: 'Sum', period: 300 });
      }
      const queue = String(onlyResource(plan, 'aws:sqs/queue:Queue').inputs.name);
      const lost = queries('failed-job-events');
      expect(lost.flatMap((q) => (q.metric ? [q.metric] : []))).to.deep.equal([
        {
          namespace: 'AWS/SQS',
          metricName: 'ApproximateNumberOfMessagesVisible',
          dimensions: { QueueName: queue },
          stat: 'Maximum',
          period: 300,
        },
        {
          namespace: 'AWS/Lambda',
          metricName: 'DestinationDeliveryFailures',
          dimensions: { FunctionName: functionName },
          stat: 'Sum',
          period: 300,
        },
      ]);
      expect(byName('failed-job-events').inputs.threshold).to.equal(0);
    });

    it('when a metric an alarm adds up has no data point (no delivery failed, no throttle), then it counts as 0 and the sum still fires', () => {
      const returned = (suffix: string) => queries(suffix).find((q) => q.returnData)?.expression;
      expect(returned('failed-job-events')).to.equal('FILL(waiting, 0) + FILL(undelivered, 0)');
      expect(returned('llm-tokens')).to.equal('FILL(input, 0) + FILL(output, 0)');
      expect(returned('bedrock-throttles')).to.equal('SUM(FILL(METRICS(), 0))');
      for (const def of tableList) {
        expect(returned(`dynamodb-throttles-${def.id}`), def.id).to.equal(
          'SUM(FILL(METRICS(), 0))',
        );
      }
    });

    it('reads the token and job metrics under the namespace, dimension and names the app writes', async () => {
      const lines: string[] = [];
      const metrics = createEmfMetrics({ stage, write: (line) => lines.push(line) });
      metrics.add('LLMInputTokens', 1, 'Count');
      metrics.add('LLMOutputTokens', 1, 'Count');
      metrics.add('JobFailed', 1, 'Count');
      metrics.add('JobExpired', 1, 'Count');
      await metrics.close();
      const written = lines.flatMap((line) => {
        const event = JSON.parse(line) as {
          _aws: {
            CloudWatchMetrics: {
              Namespace: string;
              Dimensions: string[][];
              Metrics: { Name: string }[];
            }[];
          };
          [key: string]: unknown;
        };
        return event._aws.CloudWatchMetrics.flatMap((d) =>
          d.Metrics.map((m) => ({
            namespace: d.Namespace,
            metricName: m.Name,
            dimensions: Object.fromEntries(d.Dimensions.flat().map((k) => [k, String(event[k])])),
          })),
        );
      });
      const read = ['llm-tokens', 'jobs-failed', 'jobs-expired'].flatMap((suffix) =>
        queries(suffix).flatMap((q) => (q.metric ? [q.metric] : [])),
      );
      expect(read).to.have.length(4);
      for (const metric of read) {
        expect(metricNames).to.include(metric.metricName);
        expect(written).to.deep.include({
          namespace: metric.namespace,
          metricName: metric.metricName,
          dimensions: metric.dimensions,
        });
      }
    });

    it(`${email ? 'e-mails ' + email : 'subscribes no e-mail'}, and has a dashboard`, () => {
      const subscriptions = resourcesOfType(plan, 'aws:sns/topicSubscription:TopicSubscription');
      expect(subscriptions.map((s) => s.inputs.endpoint)).to.deep.equal(email ? [email] : []);
      const dashboard = onlyResource(plan, 'aws:cloudwatch/dashboard:Dashboard');
      expect(JSON.stringify(dashboard.inputs.dashboardBody)).to.contain(functionName);
      const body = JSON.stringify(dashboard.inputs.dashboardBody);
      expect(body).to.contain(String(streamingFunction(plan).inputs.name));
      expect(body).to.contain(
        JSON.stringify([
          'AWS/ApiGateway',
          '5XXError',
          'ApiName',
          onlyResource(plan, 'aws:apigateway/restApi:RestApi').inputs.name,
          'Stage',
          stage,
        ]),
      );
      expect(String(plan.outputs.dashboardUrl)).to.contain(
        `dashboards:name=${String(dashboard.inputs.dashboardName)}`,
      );
    });

    it('when the dashboard is laid out, then every graph has its own place on the 24-column grid', () => {
      const { widgets } = onlyResource(plan, 'aws:cloudwatch/dashboard:Dashboard').inputs
        .dashboardBody as { widgets: Widget[] };
      expect(widgets.length).to.be.above(12);
      const overlapping = widgets.flatMap((a, i) =>
        widgets
          .slice(i + 1)
          .filter(
            (b) =>
              a.x < b.x + b.width &&
              b.x < a.x + a.width &&
              a.y < b.y + b.height &&
              b.y < a.y + a.height,
          )
          .map((b) => `${a.properties.title} / ${b.properties.title}`),
      );
      expect(overlapping).to.deep.equal([]);
      for (const widget of widgets) expect(widget.x + widget.width).to.be.at.most(24);
    });
  });
}

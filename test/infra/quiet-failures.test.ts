// Plan rules for what AWS accepts and then fails quietly or later (scripts/aws-rules.ts): a kept
// resource with a fixed name makes the next create of the stack fail, and an alarm expression
// over a metric that reports only when something happens has no value while that metric is
// quiet, so the alarm stays OK whatever the other metrics say.
import { expect } from 'chai';
import {
  findAwsProblems,
  missingDataProblems,
  retainedNameRule,
  type PlannedInputs,
} from '../../scripts/aws-rules';

const metric = (id: string) => ({
  id,
  metric: { namespace: 'AWS/Lambda', metricName: 'Errors', stat: 'Sum', period: 300 },
});
const alarmWith = (expression: string, ids = ['waiting', 'undelivered']) => ({
  treatMissingData: 'notBreaching',
  metricQueries: [...ids.map(metric), { id: 'total', expression, returnData: true }],
});

describe('alarm expressions over metrics that report only when something happens', () => {
  it('when a sum reads its metrics bare, then each one outside FILL is named', () => {
    expect(missingDataProblems(alarmWith('waiting + undelivered'))).to.deep.equal([
      'expression waiting + undelivered reads waiting outside FILL(waiting, 0): a missing data point makes the whole expression missing',
      'expression waiting + undelivered reads undelivered outside FILL(undelivered, 0): a missing data point makes the whole expression missing',
    ]);
  });

  it('when one use of a metric is filled and another is not, then the bare one is caught', () => {
    const problems = missingDataProblems(
      alarmWith('IF(FILL(requests, 0) >= 20, 100 * errors / requests, 0)', ['errors', 'requests']),
    );
    expect(problems.map((p) => p.split(' reads ')[1]?.split(' ')[0])).to.deep.equal([
      'errors',
      'requests',
    ]);
  });

  it('when METRICS() is summed bare, then it is refused; filled, it passes', () => {
    expect(missingDataProblems(alarmWith('SUM(METRICS())', ['m0', 'm1']))).to.have.length(1);
    expect(missingDataProblems(alarmWith('SUM(FILL(METRICS(), 0))', ['m0', 'm1']))).to.deep.equal(
      [],
    );
  });

  it('when every metric goes through FILL, or the alarm watches one metric, then it passes', () => {
    expect(missingDataProblems(alarmWith('FILL(waiting, 0) + FILL(undelivered,0)'))).to.deep.equal(
      [],
    );
    expect(missingDataProblems({ metricName: 'Errors', namespace: 'AWS/Lambda' })).to.deep.equal(
      [],
    );
  });

  it('when the plan holds such an alarm, then the plan names it', () => {
    const alarm: PlannedInputs = {
      type: 'aws:cloudwatch/metricAlarm:MetricAlarm',
      name: 'monitoring-failed-job-events',
      inputs: alarmWith('waiting + undelivered'),
    };
    expect(findAwsProblems([alarm])[0]).to.match(/^monitoring-failed-job-events: expression /);
  });
});

describe('resources kept when the stack goes', () => {
  const role = (inputs: Record<string, unknown>, retainOnDelete: boolean): PlannedInputs => ({
    type: 'aws:iam/role:Role',
    name: 'streaming-logs-role',
    inputs,
    retainOnDelete,
  });

  it('when a kept role has a fixed name, then the plan says the stack could not be created again', () => {
    expect(retainedNameRule([role({ name: 'api-dev-v2-logs' }, true)])).to.deep.equal([
      'streaming-logs-role: kept on destroy under the fixed name api-dev-v2-logs, so the stack could not be created again; use a name prefix',
    ]);
  });

  it('when a kept role takes a name prefix, or a deleted one a fixed name, then it passes', () => {
    expect(retainedNameRule([role({ namePrefix: 'apigw-logs-' }, true)])).to.deep.equal([]);
    expect(retainedNameRule([role({ name: 'api-dev-v2' }, false)])).to.deep.equal([]);
  });
});

// The asynchronous-invocation settings of job events, derived from the job's start-by time
// (infra/jobs.ts): an event lives as long as a worker may still start its job, and only the
// retries Lambda could start inside that age are asked for.
import { expect } from 'chai';
import { START_WITHIN_MS } from '../../app/src/jobs/job-timing';
import { functionArn, jobInvokeSettings } from '../../infra/jobs';

describe('job event settings', () => {
  it('when a job may start within the app’s 60 s, then the event lives 60 s and no retry is asked for: Lambda’s first comes a minute later', () => {
    expect(START_WITHIN_MS).to.equal(60_000);
    expect(jobInvokeSettings(START_WITHIN_MS / 1000)).to.deep.equal({
      maximumEventAgeInSeconds: 60,
      maximumRetryAttempts: 0,
    });
  });

  it('when the start window is 150 s, then the event lives 150 s and gets the one retry that starts inside it', () => {
    expect(jobInvokeSettings(150)).to.deep.equal({
      maximumEventAgeInSeconds: 150,
      maximumRetryAttempts: 1,
    });
  });

  it('when the start window is under a minute, then the event gets Lambda’s shortest age and no retry', () => {
    expect(jobInvokeSettings(45)).to.deep.equal({
      maximumEventAgeInSeconds: 60,
      maximumRetryAttempts: 0,
    });
  });

  it('when the start window leaves room for Lambda’s second retry, then both are asked for', () => {
    expect(jobInvokeSettings(181)).to.deep.equal({
      maximumEventAgeInSeconds: 181,
      maximumRetryAttempts: 2,
    });
    expect(jobInvokeSettings(180).maximumRetryAttempts).to.equal(1);
  });

  it('when the start window is longer than Lambda keeps an event, then the age stops at 6 hours', () => {
    expect(jobInvokeSettings(100_000)).to.deep.equal({
      maximumEventAgeInSeconds: 21_600,
      maximumRetryAttempts: 2,
    });
  });

  it('when a part of a second is left over, then the age rounds up to whole seconds', () => {
    expect(jobInvokeSettings(150.2).maximumEventAgeInSeconds).to.equal(151);
  });

  it('names the function’s unqualified ARN from its name', () => {
    expect(functionArn('us-east-1', '123456789012', 'api-dev-v2')).to.equal(
      'arn:aws:lambda:us-east-1:123456789012:function:api-dev-v2',
    );
  });
});

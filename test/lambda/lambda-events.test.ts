// The handler's routing of what Lambda hands it (app/src/lambda/job-events.ts), with the worker
// and the app replaced by recorders: which events reach which, and what escapes to Lambda. The
// built bundle is driven end to end in lambda-jobs.test.ts.
import { expect } from 'chai';
import { jobEvent } from '../../app/src/jobs/job-event.js';
import { handleLambdaEvent, isHttpApiEvent } from '../../app/src/lambda/job-events.js';
import type { LogFields, Logger } from '../../app/src/observability/logger.js';
import { httpApiEvent } from '../../scripts/apigw-events.js';

function recordingLogger(lines: (LogFields & { level: string })[]): Logger {
  const at = (level: string) => (fields: LogFields) => void lines.push({ ...fields, level });
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

describe('the Lambda handler’s events', () => {
  const jobId = `job_${'a1'.repeat(16)}`;

  it('when an HTTP API event arrives, then only the app sees it', async () => {
    const ran: string[] = [];
    const answer = await handleLambdaEvent(httpApiEvent({ method: 'GET', rawPath: '/' }), {
      http: () => Promise.resolve('from the app'),
      runJob: (id) => Promise.resolve(void ran.push(id)).then(() => 'succeeded' as const),
      logger: recordingLogger([]),
    });
    expect(answer).to.equal('from the app');
    expect(ran).to.deep.equal([]);
    expect(isHttpApiEvent(httpApiEvent({ method: 'POST', rawPath: '/x' }))).to.equal(true);
  });

  it('when a job event arrives, then the worker runs that job and the app is not asked', async () => {
    const ran: string[] = [];
    const answer = await handleLambdaEvent(jobEvent(jobId), {
      http: () => Promise.reject(new Error('the app must not see a job event')),
      runJob: (id) => Promise.resolve(void ran.push(id)).then(() => 'succeeded' as const),
      logger: recordingLogger([]),
    });
    expect(ran).to.deep.equal([jobId]);
    expect(answer).to.deep.equal({ job_id: jobId, report: 'succeeded' });
  });

  it('when the worker cannot reach the job’s storage, then the error escapes (Lambda records the event) and is logged with the job', async () => {
    const lines: (LogFields & { level: string })[] = [];
    const unreachable = new Error('DynamoDB did not answer');
    let caught: unknown;
    try {
      await handleLambdaEvent(jobEvent(jobId), {
        http: () => Promise.resolve(undefined),
        runJob: () => Promise.reject(unreachable),
        logger: recordingLogger(lines),
      });
    } catch (error) {
      caught = error;
    }
    expect(caught).to.equal(unreachable);
    expect(lines).to.deep.equal([
      {
        event: 'job_worker_failed',
        job_id: jobId,
        reason: 'Error: DynamoDB did not answer',
        level: 'error',
      },
    ]);
  });

  it('when an unknown payload arrives, then its shape is logged but none of its values', async () => {
    const lines: (LogFields & { level: string })[] = [];
    const answer = await handleLambdaEvent(
      { token: 'secret-token-value', text: 'a private message' },
      {
        http: () => Promise.reject(new Error('not an HTTP API event')),
        runJob: () => Promise.reject(new Error('not a job event')),
        logger: recordingLogger(lines),
      },
    );
    expect(answer).to.deep.equal({
      refused: true,
      reason: 'neither an HTTP API request nor a job event',
    });
    expect(lines).to.have.length(1);
    expect(lines[0]).to.include({ event: 'lambda_event_refused', shape: 'object{token,text}' });
    expect(JSON.stringify(lines)).to.not.contain('secret-token-value').and.not.contain('private');
  });

  it('when an HTTP-looking event has no payload 2.0 request context, then it is not taken for one', () => {
    expect(isHttpApiEvent({ version: '2.0', requestContext: {} })).to.equal(false);
    expect(
      isHttpApiEvent({ version: '1.0', requestContext: { http: { method: 'GET' } } }),
    ).to.equal(false);
  });
});

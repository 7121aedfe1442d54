// The services' validation rules the offline plan applies (scripts/aws-rules.ts): each refuses
// what AWS refuses, with a line that names the resource and the value, and lets the rest pass.
import { expect } from 'chai';
import { apiRoutes } from '../../infra/http-api';
import { responseStreamingUri } from '../../infra/streaming-api';
import {
  alarmProblems,
  apiMappingRule,
  assertAwsAccepts,
  eventInvokeProblems,
  findAwsProblems,
  functionProblems,
  httpApiIntegrationProblems,
  queueProblems,
  restIntegrationProblems,
  routeKeyProblems,
  streamBudgetProblems,
  type PlannedInputs,
} from '../../scripts/aws-rules';

const route = (name: string, routeKey: string, apiId = 'api1'): PlannedInputs => ({
  type: 'aws:apigatewayv2/route:Route',
  name,
  inputs: { apiId, routeKey, target: 'integrations/abc' },
});

describe('API Gateway route keys', () => {
  it('when the program’s routes are checked, then API Gateway would take every one', () => {
    expect(apiRoutes.flatMap(routeKeyProblems)).to.deep.equal([]);
  });

  const refused: [string, string][] = [
    ['GET /api/v1/conversations/', 'ends with /'],
    ['GET api/v1/health', 'does not start with /'],
    ['FETCH /api/v1/health', 'method FETCH is not one of'],
    ['GET /api//health', 'has an empty segment'],
    ['ANY /files/{path+}/meta', 'greedy variable {path+} is not the last segment'],
    ['GET /conversations/id-{id}', 'id-{id} is not a whole-segment path variable'],
    ['GET', 'is neither $default nor "METHOD /path"'],
    ['GET  /two-spaces', 'is neither $default nor "METHOD /path"'],
  ];
  for (const [routeKey, problem] of refused) {
    it(`when a route key is "${routeKey}", then it is refused: ${problem}`, () => {
      const problems = routeKeyProblems(routeKey);
      expect(problems).to.have.length(1);
      expect(problems[0]).to.contain(problem).and.contain(routeKey);
    });
  }

  it('when the root, a variable and a last greedy variable are used, then they pass', () => {
    for (const routeKey of ['GET /', 'DELETE /a/{id}', 'ANY /a/{proxy+}', '$default']) {
      expect(routeKeyProblems(routeKey), routeKey).to.deep.equal([]);
    }
  });

  it('when one API has the same route key twice, then the second is refused; another API may reuse it', () => {
    const problems = findAwsProblems([
      route('first', 'GET /a'),
      route('second', 'GET /a'),
      route('elsewhere', 'GET /a', 'api2'),
    ]);
    expect(problems).to.deep.equal(['second: route "GET /a" already exists on the API']);
  });

  it('when the offline plan holds a refused route, then building it fails with every problem', () => {
    expect(() => assertAwsAccepts('dev', [route('r', 'GET /a/'), route('ok', 'GET /b')])).to.throw(
      'AWS would refuse stack dev:\n  r: route "GET /a/": path /a/ ends with /',
    );
  });
});

describe('CloudWatch alarms', () => {
  const metric = (id: string) => ({
    id,
    metric: {
      namespace: 'AWS/DynamoDB',
      metricName: 'ReadThrottleEvents',
      stat: 'Sum',
      period: 300,
    },
  });
  const sum = { id: 'total', expression: 'SUM(METRICS())', returnData: true };
  const base = { treatMissingData: 'notBreaching', threshold: 0 };

  it('when an alarm sums 10 metrics, then CloudWatch takes it; an eleventh is refused', () => {
    const ten = Array.from({ length: 10 }, (_, i) => metric(`m${i}`));
    expect(alarmProblems({ ...base, metricQueries: [...ten, sum] })).to.deep.equal([]);
    expect(alarmProblems({ ...base, metricQueries: [...ten, metric('m10'), sum] })).to.deep.equal([
      '11 metrics in one alarm; CloudWatch allows 10',
    ]);
  });

  it('when treatMissingData is left to its default, then the alarm is refused', () => {
    expect(alarmProblems({ metricQueries: [metric('m0'), sum] })).to.deep.equal([
      'treatMissingData must be stated: one of breaching, notBreaching, ignore, missing',
    ]);
  });

  it('when no query or two queries return data, then it is refused', () => {
    expect(alarmProblems({ ...base, metricQueries: [metric('m0')] })).to.deep.equal([
      '0 queries return data; exactly one must',
    ]);
    const second = { ...sum, id: 'again' };
    expect(alarmProblems({ ...base, metricQueries: [metric('m0'), sum, second] })).to.deep.equal([
      '2 queries return data; exactly one must',
    ]);
  });

  it('when a query id starts with a capital, repeats, or a period is not whole minutes, then it is refused', () => {
    const odd = { ...metric('m0'), metric: { ...metric('m0').metric, period: 90 } };
    expect(
      alarmProblems({ ...base, metricQueries: [metric('Reads'), odd, { ...metric('m0') }, sum] }),
    ).to.deep.equal([
      'query id Reads must start with a lower-case letter and hold only letters, digits and _',
      'query ids must be unique',
      'query m0: period 90 is not 10, 20, 30 or a multiple of 60',
    ]);
  });

  it('when metric queries come with a single metric’s fields, then it is refused', () => {
    expect(
      alarmProblems({ ...base, namespace: 'AWS/Lambda', metricQueries: [metric('m0'), sum] }),
    ).to.deep.equal(['metricQueries cannot be combined with namespace']);
  });

  it('when a single-metric alarm has its metric and a whole-minute period, then it passes', () => {
    const single = { ...base, namespace: 'AWS/Lambda', metricName: 'Errors', statistic: 'Sum' };
    expect(alarmProblems({ ...single, period: 300 })).to.deep.equal([]);
    expect(alarmProblems({ ...single, period: 45 })).to.deep.equal([
      'period 45 is not 10, 20, 30 or a multiple of 60',
    ]);
  });
});

describe('Lambda functions', () => {
  const json = { logFormat: 'JSON', logGroup: '/aws/lambda/f' };

  it('when a log-level filter comes without the JSON log format, then Lambda refuses it', () => {
    expect(
      functionProblems({ loggingConfig: { logFormat: 'Text', applicationLogLevel: 'INFO' } }),
    ).to.deep.equal(['log-level filters need loggingConfig.logFormat JSON']);
  });

  it('when a level is spelt as the app spells it, not as Lambda does, then it is refused', () => {
    expect(
      functionProblems({ loggingConfig: { ...json, applicationLogLevel: 'WARNING' } }),
    ).to.deep.equal([
      'applicationLogLevel WARNING is not one of TRACE, DEBUG, INFO, WARN, ERROR, FATAL',
    ]);
    expect(functionProblems({ loggingConfig: { ...json, systemLogLevel: 'ERROR' } })).to.deep.equal(
      ['systemLogLevel ERROR is not one of DEBUG, INFO, WARN'],
    );
  });

  it('when the environment sets a variable Lambda reserves, or exceeds 4 KB, then it is refused', () => {
    expect(
      functionProblems({ environment: { variables: { AWS_REGION: 'us-east-1', STAGE: 'dev' } } }),
    ).to.deep.equal(['environment variable AWS_REGION is reserved by Lambda']);
    const big = { environment: { variables: { A: 'x'.repeat(4095), B: '' } } };
    expect(functionProblems(big)).to.deep.equal([
      'environment variables take 4097 bytes; Lambda allows 4096',
    ]);
  });

  it('when reserved concurrency is below -1, then it is refused; -1 and counts pass', () => {
    expect(functionProblems({ reservedConcurrentExecutions: -2 })).to.deep.equal([
      'reservedConcurrentExecutions -2 is neither -1 nor a count',
    ]);
    for (const reserved of [-1, 0, 50]) {
      expect(functionProblems({ reservedConcurrentExecutions: reserved })).to.deep.equal([]);
    }
  });

  it('when the timeout is 0 or over 900 seconds, then Lambda refuses it; 1 and 900 pass', () => {
    expect(functionProblems({ timeout: 901 })).to.deep.equal([
      'timeout 901 is not 1 to 900 seconds',
    ]);
    expect(functionProblems({ timeout: 0 })).to.deep.equal(['timeout 0 is not 1 to 900 seconds']);
    for (const timeout of [1, 150, 900]) expect(functionProblems({ timeout })).to.deep.equal([]);
  });
});

const fnArn = 'arn:aws:lambda:us-east-1:123456789012:function:coach-stream';
const bufferedUri = `arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/${fnArn}/invocations`;
const streamingUri = responseStreamingUri('us-east-1', fnArn);

describe('API Gateway integrations', () => {
  it('when an HTTP API integration waits past 30 s, then it is refused; 30 s passes', () => {
    expect(httpApiIntegrationProblems({ timeoutMilliseconds: 150_000 })).to.deep.equal([
      "timeoutMilliseconds 150000 is outside the HTTP API's 50 to 30000",
    ]);
    expect(httpApiIntegrationProblems({ timeoutMilliseconds: 30_000 })).to.deep.equal([]);
  });

  it('when a streaming Lambda proxy has the streaming URI and up to 900 s, then it passes', () => {
    const stream = { type: 'AWS_PROXY', responseTransferMode: 'STREAM', uri: streamingUri };
    expect(restIntegrationProblems({ ...stream, timeoutMilliseconds: 900_000 })).to.deep.equal([]);
    expect(restIntegrationProblems({ ...stream, timeoutMilliseconds: 900_001 })).to.deep.equal([
      'timeoutMilliseconds 900001 is outside 50 to 900000 for STREAM',
    ]);
  });

  it('when a buffered integration asks for more than 300 s, then it is refused', () => {
    expect(
      restIntegrationProblems({
        type: 'AWS_PROXY',
        uri: bufferedUri,
        timeoutMilliseconds: 400_000,
      }),
    ).to.deep.equal(['timeoutMilliseconds 400000 is outside 50 to 300000 for BUFFERED']);
  });

  it('when STREAM meets the Invoke URI, or BUFFERED the streaming one, then it is refused', () => {
    expect(
      restIntegrationProblems({
        type: 'AWS_PROXY',
        responseTransferMode: 'STREAM',
        uri: bufferedUri,
      }),
    ).to.deep.equal([
      'a STREAM Lambda proxy calls .../2021-11-15/functions/<arn>/response-streaming-invocations, not .../2015-03-31/functions/<arn>/invocations',
    ]);
    expect(restIntegrationProblems({ type: 'AWS_PROXY', uri: streamingUri })).to.have.length(1);
  });

  it('when STREAM is asked of a non-proxy integration or the mode is misspelt, then it is refused', () => {
    expect(restIntegrationProblems({ type: 'AWS', responseTransferMode: 'STREAM' })).to.deep.equal([
      'responseTransferMode STREAM needs an AWS_PROXY or HTTP_PROXY integration, not AWS',
    ]);
    expect(restIntegrationProblems({ type: 'AWS_PROXY', responseTransferMode: 'STREAMING' }))
      .to.have.length(1)
      .and.to.match(/STREAMING is not BUFFERED or STREAM/);
  });
});

describe('a streamed turn’s budget against the timeouts that can cut it', () => {
  const streamingFn = (timeout: number, budget: string): PlannedInputs => ({
    type: 'aws:lambda/function:Function',
    name: 'streaming-function',
    inputs: {
      name: 'coach-stream',
      timeout,
      imageConfig: { commands: ['lambda.streamingHandler'] },
      environment: { variables: { LLM_STREAM_TIMEOUT_MS: budget } },
    },
  });
  const integration = (timeoutMilliseconds: number): PlannedInputs => ({
    type: 'aws:apigateway/integration:Integration',
    name: 'streaming-lambda-proxy',
    inputs: {
      type: 'AWS_PROXY',
      responseTransferMode: 'STREAM',
      uri: streamingUri,
      timeoutMilliseconds,
    },
  });

  it('when the function and the integration outlast the budget and the commit, then they pass', () => {
    expect(streamBudgetProblems([streamingFn(150, '120000'), integration(150_000)])).to.deep.equal(
      [],
    );
  });

  it('when the streaming function stops before the budget plus the commit, then it is refused', () => {
    expect(streamBudgetProblems([streamingFn(125, '120000')])).to.deep.equal([
      'streaming-function: timeout 125 s is shorter than LLM_STREAM_TIMEOUT_MS 120000 plus 10 s to commit',
    ]);
  });

  it('when the integration ends the stream first, then it is refused', () => {
    expect(streamBudgetProblems([streamingFn(150, '120000'), integration(29_000)])).to.deep.equal([
      "streaming-lambda-proxy: timeoutMilliseconds 29000 ends a stream before streaming-function's LLM_STREAM_TIMEOUT_MS 120000 plus 10 s",
    ]);
  });

  it('when a function does not stream (behind the HTTP API), then the budget does not bind it', () => {
    const api = streamingFn(30, '120000');
    expect(
      streamBudgetProblems([{ ...api, inputs: { ...api.inputs, imageConfig: undefined } }]),
    ).to.deep.equal([]);
  });
});

describe('API mappings on a custom domain', () => {
  const mapping = (name: string, apiMappingKey: string, domainName = 'api.example.com') => ({
    type: 'aws:apigatewayv2/apiMapping:ApiMapping',
    name,
    inputs: { apiId: name, domainName, stage: 'prod', apiMappingKey },
  });

  it('when the HTTP API and the streaming REST API take their own keys, then they pass', () => {
    expect(
      apiMappingRule([mapping('domain-mapping', 'coaching'), mapping('stream', 'coaching-stream')]),
    ).to.deep.equal([]);
  });

  it('when two mappings take one key on one domain, then the second is refused; another domain may', () => {
    expect(
      apiMappingRule([
        mapping('domain-mapping', 'coaching'),
        mapping('domain-streaming-mapping', 'coaching'),
        mapping('elsewhere', 'coaching', 'api.other.com'),
      ]),
    ).to.deep.equal([
      'domain-streaming-mapping: api.example.com already maps "coaching" (domain-mapping)',
    ]);
  });

  it('when a key has a character API Gateway refuses, then it is refused', () => {
    expect(apiMappingRule([mapping('m', 'coach ing')])).to.deep.equal([
      'm: API mapping key "coach ing" has characters API Gateway refuses',
    ]);
  });
});

describe('Lambda timeouts and HTTP API integration timeouts', () => {
  it('when a function runs longer than 900 s, or not at all, then Lambda refuses it', () => {
    expect(functionProblems({ timeout: 901 })).to.deep.equal([
      'timeout 901 is not 1 to 900 seconds',
    ]);
    expect(functionProblems({ timeout: 0 })).to.deep.equal(['timeout 0 is not 1 to 900 seconds']);
    for (const timeout of [1, 150, 900]) expect(functionProblems({ timeout })).to.deep.equal([]);
  });

  it('when an integration would wait past 30 s, then API Gateway refuses it', () => {
    expect(httpApiIntegrationProblems({ timeoutMilliseconds: 150_000 })).to.deep.equal([
      "timeoutMilliseconds 150000 is outside the HTTP API's 50 to 30000",
    ]);
    expect(httpApiIntegrationProblems({ timeoutMilliseconds: 49 })).to.have.length(1);
    expect(httpApiIntegrationProblems({ timeoutMilliseconds: 30_000 })).to.deep.equal([]);
  });
});

describe('asynchronous invocation settings and their queue', () => {
  const queueArn = (name: string) => `arn:aws:sqs:us-east-1:123456789012:${name}`;
  const queue = (name: string, fifo = false): PlannedInputs => ({
    type: 'aws:sqs/queue:Queue',
    name,
    inputs: { name, ...(fifo ? { fifoQueue: true } : {}) },
  });

  it('when retries or the event age are outside Lambda’s ranges, then they are refused', () => {
    expect(
      eventInvokeProblems({ maximumRetryAttempts: 3, maximumEventAgeInSeconds: 59 }, []),
    ).to.deep.equal([
      'maximumRetryAttempts 3 is not 0, 1 or 2',
      'maximumEventAgeInSeconds 59 is not between 60 and 21600',
    ]);
    expect(eventInvokeProblems({ maximumEventAgeInSeconds: 21_601 }, [])).to.have.length(1);
    expect(
      eventInvokeProblems({ maximumRetryAttempts: 0, maximumEventAgeInSeconds: 60 }, []),
    ).to.deep.equal([]);
  });

  it('when the on-failure destination is a FIFO queue, then Lambda refuses it; a standard one passes', () => {
    const to = (name: string) => ({
      destinationConfig: { onFailure: { destination: queueArn(name) } },
    });
    expect(eventInvokeProblems(to('lost.fifo'), [queue('lost.fifo', true)])).to.deep.equal([
      'onFailure destination lost.fifo is a FIFO queue; Lambda takes standard queues only',
    ]);
    expect(eventInvokeProblems(to('lost'), [queue('lost')])).to.deep.equal([]);
  });

  it('when a queue keeps messages longer than 14 days or under a minute, then SQS refuses it', () => {
    expect(queueProblems({ messageRetentionSeconds: 1_209_601 })).to.deep.equal([
      'messageRetentionSeconds 1209601 is not between 60 and 1209600',
    ]);
    expect(queueProblems({ messageRetentionSeconds: 59 })).to.have.length(1);
    expect(queueProblems({ messageRetentionSeconds: 1_209_600 })).to.deep.equal([]);
  });
});

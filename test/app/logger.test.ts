import { expect } from 'chai';
import { prettyLine } from '../../app/src/observability/logger.js';

describe('log lines for a person (LOG_FORMAT=pretty)', () => {
  it('when a request is logged, then the line reads as the request and its answer', () => {
    const line = prettyLine({
      timestamp: '2026-12-01T09:30:15.123Z',
      level: 'info',
      message: 'request',
      event: 'request',
      method: 'POST',
      path: '/api/v1/conversations/initiate',
      route: '/api/v1/conversations/initiate',
      status: 201,
      duration_ms: 12.5,
      request_id: 'abc',
      user_id: 'u1',
    });
    expect(line).to.equal(
      '09:30:15.123  INFO   request  POST /api/v1/conversations/initiate → 201 in 12.5 ms  request_id=abc  user_id=u1',
    );
  });

  it('when a field holds spaces or an object, then it is quoted as JSON; a stack goes below, indented', () => {
    const line = prettyLine({
      timestamp: '2026-12-01T09:30:15.123Z',
      level: 'error',
      event: 'unhandled_error',
      reason: 'it broke badly',
      detail: { a: 1 },
      stack: 'Error: it broke\n    at here',
    });
    expect(line.split('\n')).to.deep.equal([
      '09:30:15.123  ERROR  unhandled_error  reason="it broke badly"  detail={"a":1}',
      '    Error: it broke',
      '        at here',
    ]);
  });
});

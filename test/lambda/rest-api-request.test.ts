import { expect } from 'chai';
import { isRestApiProxyEvent, restApiRequest } from '../../app/src/lambda/rest-api-request.js';
import { restApiEvent } from '../../scripts/apigw-events.js';

// The Node request a REST API proxy event stands for; the bundle tests drive it end to end.

async function bodyOf(request: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  for await (const chunk of request) text += String(chunk);
  return text;
}

describe('a REST API proxy event as the request Koa reads', () => {
  it('when it comes by the default endpoint, then the URL keeps the stage the client sent', () => {
    const request = restApiEvent({ method: 'GET', path: '/api/v1/health', stage: 'dev' });
    expect(restApiRequest(request).url).to.equal('/dev/api/v1/health');
  });

  it('when it comes through the custom domain, then the URL keeps the mapping key', () => {
    const event = restApiEvent({ method: 'GET', path: '/', mappingKey: 'coaching-stream' });
    expect(restApiRequest(event).url).to.equal('/coaching-stream/');
  });

  it('when requestContext.path is a resource template (a console test call), then the path itself is used', () => {
    const event = restApiEvent({ method: 'GET', path: '/api/v1/health' });
    const tested = { ...event, requestContext: { ...event.requestContext, path: '/{proxy+}' } };
    expect(restApiRequest(tested).url).to.equal('/api/v1/health');
  });

  it('when the path holds ? or #, then they stay in the path instead of starting a query', () => {
    const event = restApiEvent({ method: 'GET', path: '/a?b#c' });
    expect(restApiRequest(event).url).to.equal('/dev/a%3Fb%23c');
  });

  it('when a query key or a header repeats, then every value arrives, cookies joined with ;', () => {
    const event = restApiEvent({
      method: 'GET',
      path: '/x',
      query: 'page=1&page=2&q=a b',
      headers: { Cookie: ['a=1', 'b=2'], 'X-Many': ['one', 'two'] },
    });
    const request = restApiRequest(event);
    expect(request.url).to.equal('/dev/x?page=1&page=2&q=a+b');
    expect(request.headers.cookie).to.equal('a=1; b=2');
    expect(request.headers['x-many']).to.equal('one, two');
  });

  it('when the body is base64, then it is decoded and its length is the decoded one', async () => {
    const text = JSON.stringify({ user_message: 'héllo' });
    const event = restApiEvent({
      method: 'POST',
      path: '/x',
      headers: { 'Content-Length': '999', 'Transfer-Encoding': 'chunked' },
      body: Buffer.from(text).toString('base64'),
      isBase64Encoded: true,
    });
    const request = restApiRequest(event);
    expect(request.headers['content-length']).to.equal(String(Buffer.byteLength(text)));
    expect(request.headers).to.not.have.property('transfer-encoding');
    expect(await bodyOf(request)).to.equal(text);
  });

  it('when there is no body, then the request ends at once and claims no length', async () => {
    const request = restApiRequest(restApiEvent({ method: 'GET', path: '/x' }));
    expect(request.headers).to.not.have.property('content-length');
    expect(await bodyOf(request)).to.equal('');
  });

  it('when the client sent no request id, then API Gateway’s is used; a client’s is kept', () => {
    const event = restApiEvent({ method: 'GET', path: '/x' });
    expect(restApiRequest(event).headers['x-request-id']).to.equal(event.requestContext.requestId);
    const given = restApiEvent({ method: 'GET', path: '/x', headers: { 'X-Request-ID': 'mine' } });
    expect(restApiRequest(given).headers['x-request-id']).to.equal('mine');
  });

  it('when the client address is known, then it is the socket’s, which the per-IP limit reads', () => {
    const request = restApiRequest(
      restApiEvent({ method: 'GET', path: '/', sourceIp: '192.0.2.9' }),
    );
    expect(request.socket.remoteAddress).to.equal('192.0.2.9');
  });

  it('when an event is an HTTP API 2.0 event or nothing, then it is not taken for a REST one', () => {
    expect(isRestApiProxyEvent({ version: '2.0', rawPath: '/', requestContext: {} })).to.equal(
      false,
    );
    expect(isRestApiProxyEvent(null)).to.equal(false);
    expect(isRestApiProxyEvent(restApiEvent({ method: 'GET', path: '/' }))).to.equal(true);
  });
});

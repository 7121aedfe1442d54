// Requests Node's HTTP parser refuses before Koa sees them (headers too large, malformed
// HTTP): answered in the service's error envelope with an X-Request-ID, where the socket can
// still be written. Only the local server needs this; behind API Gateway the gateway answers.
import { randomUUID } from 'node:crypto';
import { STATUS_CODES, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from '../observability/logger.js';

interface Refusal {
  readonly status: number;
  readonly error: string;
  readonly message: string;
}

function refusalFor(code: string | undefined): Refusal {
  switch (code) {
    case 'HPE_HEADER_OVERFLOW':
      return {
        status: 431,
        error: 'request_header_fields_too_large',
        message: 'Request headers are too large',
      };
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return { status: 413, error: 'payload_too_large', message: 'Chunk extensions are too large' };
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return {
        status: 408,
        error: 'request_timeout',
        message: 'The request took too long to arrive',
      };
    default:
      return { status: 400, error: 'bad_request', message: 'The request is not well-formed HTTP' };
  }
}

/** The raw response: there is no request or response object, only the socket. */
function refusalResponse(refusal: Refusal, requestId: string): string {
  const body = JSON.stringify({
    error: refusal.error,
    message: refusal.message,
    detail: refusal.message,
    request_id: requestId,
  });
  return [
    `HTTP/1.1 ${refusal.status} ${STATUS_CODES[refusal.status] ?? ''}`,
    'Content-Type: application/json; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(body)}`,
    `X-Request-ID: ${requestId}`,
    'X-Content-Type-Options: nosniff',
    'Connection: close',
    '',
    body,
  ].join('\r\n');
}

export function answerClientErrors(server: Server, logger: Logger): void {
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    // A response already under way on this socket cannot be followed by another one.
    const current = (socket as { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    if (error.code === 'ECONNRESET' || !socket.writable || current?.headersSent) {
      socket.destroy();
      return;
    }
    const refusal = refusalFor(error.code);
    const requestId = randomUUID();
    socket.end(refusalResponse(refusal, requestId));
    logger.info({
      event: 'request_refused_by_parser',
      request_id: requestId,
      status: refusal.status,
      reason: error.code ?? error.message,
    });
  });
}

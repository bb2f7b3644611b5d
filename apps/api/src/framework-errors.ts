import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { PROBLEM_CONTENT_TYPE, type ErrorCode } from '@neural-style/contract';
import { problemBody, ProblemError, sendProblem } from './problem.js';

/**
 * Fastify's `frameworkErrors`: the router's refusals before any route or hook runs (a path segment over
 * maxParamLength, invalid percent-encoding) as problem+json.
 */
export function frameworkErrorHandler(
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  const path = request.url.split('?')[0] ?? '';
  if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') {
    sendProblem(
      reply,
      new ProblemError('URI_TOO_LONG', 'A path segment is longer than 100 characters (job ids are 30)'),
    );
  } else if (error.code === 'FST_ERR_BAD_URL') {
    sendProblem(
      reply,
      new ProblemError('MALFORMED_REQUEST', `The path ${JSON.stringify(path)} is not valid percent-encoding`),
    );
  } else {
    sendProblem(reply, new ProblemError('MALFORMED_REQUEST', error.message));
  }
}

/** Node's HTTP parser errors (llhttp `HPE_*` codes) in words. */
const PARSE_ERRORS: Record<string, string> = {
  HPE_INVALID_METHOD: 'the method is not an HTTP method',
  HPE_INVALID_CHUNK_SIZE: 'the chunked transfer encoding is malformed',
  HPE_INVALID_TRANSFER_ENCODING: 'the Transfer-Encoding header is malformed',
  HPE_INVALID_CONTENT_LENGTH: 'the Content-Length header is malformed',
  HPE_UNEXPECTED_CONTENT_LENGTH: 'Content-Length and Transfer-Encoding are both set',
  HPE_INVALID_HEADER_TOKEN: 'a header name or value holds characters HTTP does not allow',
  HPE_INVALID_URL: 'the request target is not a valid URL',
  HPE_INVALID_VERSION: 'the HTTP version is not valid',
  HPE_INVALID_CONSTANT: 'the request line is not valid HTTP',
  HPE_LF_EXPECTED: 'a line does not end in CRLF',
};

/**
 * Fastify's `clientErrorHandler` (Node's `clientError`): requests so malformed that Node's parser gave up
 * (headers over 16 KiB, an invalid method, broken chunked encoding ...). No request or reply exists, so
 * the problem+json response is written to the socket by hand, then the connection is closed.
 */
export function writeClientErrorProblem(error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const problem = problemBody(...describeClientError(error));
  const body = JSON.stringify(problem);
  const { status } = problem;
  // A response that has already begun cannot be replaced; the connection just ends.
  const response = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (socket.writable && !response?.headersSent) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n` +
        `Content-Type: ${PROBLEM_CONTENT_TYPE}\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\n` +
        'Connection: close\r\n\r\n' +
        body,
    );
  }
  socket.destroy(error);
}

function describeClientError(error: NodeJS.ErrnoException): [ErrorCode, string] {
  if (error.code === 'HPE_HEADER_OVERFLOW') {
    return ['HEADERS_TOO_LARGE', 'The request headers are larger than the server accepts (16 KiB in all)'];
  }
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    return ['REQUEST_TIMEOUT', 'The request was not received in time'];
  }
  const reason =
    PARSE_ERRORS[error.code ?? ''] ?? `the HTTP parser refused it (${error.code ?? error.message})`;
  return ['MALFORMED_REQUEST', `The request is not valid HTTP: ${reason}`];
}

import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { followEvents, SseParser, type SseMessage, type StreamState } from '../src/sse.js';

describe('SseParser', () => {
  it('splits events on blank lines, joins data lines, skips comments, keeps id and retry', () => {
    const parser = new SseParser();
    const messages = parser.push(
      'retry: 3000\n\n: keep-alive\n\nevent: progress\ndata: {"a":1}\n\ndata: line one\ndata: line two\nid: 7\n\n',
    );
    expect(messages).toEqual([
      { event: 'progress', data: '{"a":1}', id: undefined },
      { event: 'message', data: 'line one\nline two', id: '7' },
    ]);
    expect(parser.retryMs).toBe(3000);
    expect(parser.lastEventId).toBe('7');
  });

  it('keeps partial lines between chunks, including a CRLF split in two', () => {
    const parser = new SseParser();
    const chunks = [
      'event: snap',
      'shot\r',
      '\ndata: {"iteration"',
      ':3}\r\n',
      '\r\n',
      'event: completed\ndata: {}\n',
    ];
    const messages = chunks.flatMap((chunk) => parser.push(chunk));
    expect(messages).toEqual([{ event: 'snapshot', data: '{"iteration":3}', id: undefined }]);
    expect(parser.push('\n')).toEqual([{ event: 'completed', data: '{}', id: undefined }]);
  });
});

describe('followEvents', () => {
  let server: Server | undefined;
  afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

  /** A server that answers each connection with the next handler. */
  async function serve(
    handlers: ((response: ServerResponse, headers: IncomingHttpHeaders) => void)[],
  ): Promise<{ url: string; requests: IncomingHttpHeaders[] }> {
    const requests: IncomingHttpHeaders[] = [];
    server = createServer((request, response) => {
      requests.push(request.headers);
      const handler = handlers[requests.length - 1];
      if (handler) handler(response, request.headers);
      else response.writeHead(500).end();
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    return { url: `http://127.0.0.1:${(server!.address() as AddressInfo).port}/events`, requests };
  }

  const stream = (response: ServerResponse) =>
    response.writeHead(200, { 'content-type': 'text/event-stream' });

  function follow(url: string, maxAttempts = 3) {
    const messages: SseMessage[] = [];
    const states: StreamState[] = [];
    const refused: number[] = [];
    const events = followEvents(url, {
      headers: () => ({ authorization: 'Bearer k' }),
      onMessage: (message) => messages.push(message),
      onState: (state) => states.push(state),
      onRefused: (response) => void refused.push(response.status),
      isFinal: (message) => message.event === 'completed',
      maxAttempts,
      backoffMs: () => 10,
    });
    return { events, messages, states, refused };
  }

  it('reconnects after a dropped connection, resumes with Last-Event-ID, stops after the final event', async () => {
    const { url, requests } = await serve([
      (response) => {
        stream(response);
        response.write('id: 1\nevent: progress\ndata: {"iteration":1}\n\n');
        // The connection dies mid-event.
        setTimeout(() => response.socket?.destroy(), 20);
        response.write('event: progress\ndata: {"iter');
      },
      (response) => {
        stream(response);
        response.end('id: 2\nevent: progress\ndata: {"iteration":2}\n\nevent: completed\ndata: {}\n\n');
      },
    ]);
    const { events, messages, states } = follow(url);
    expect(await events.done).toEqual({ reason: 'final' });
    expect(messages.map((message) => [message.event, message.data])).toEqual([
      ['progress', '{"iteration":1}'],
      ['progress', '{"iteration":2}'],
      ['completed', '{}'],
    ]);
    expect(states.map((state) => state.state)).toEqual(['open', 'reconnecting', 'open']);
    expect(requests[0]?.['last-event-id']).toBeUndefined();
    expect(requests[1]?.['last-event-id']).toBe('1');
    expect(requests.every((headers) => headers.authorization === 'Bearer k')).toBe(true);
  });

  it('a refusal (401) is handed over, not retried', async () => {
    const { url, requests } = await serve([(response) => response.writeHead(401).end('{}')]);
    const { events, refused } = follow(url);
    expect(await events.done).toEqual({ reason: 'refused' });
    expect(refused).toEqual([401]);
    expect(requests).toHaveLength(1);
  });

  it('gives up after maxAttempts failures in a row, saying why', async () => {
    const { url, requests } = await serve([]);
    const { events, states } = follow(url, 2);
    expect(await events.done).toEqual({ reason: 'gave-up', detail: 'the server answered 500' });
    expect(requests).toHaveLength(3);
    expect(states.map((state) => state.state)).toEqual(['reconnecting', 'reconnecting', 'closed']);
  });

  it('close() ends it while waiting to reconnect', async () => {
    const { url } = await serve([]);
    const messages: StreamState[] = [];
    const events = followEvents(url, {
      headers: () => ({}),
      onMessage: () => {},
      onState: (state) => messages.push(state),
      onRefused: () => {},
      isFinal: () => false,
      backoffMs: () => 60_000,
    });
    while (messages.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    events.close();
    expect(await events.done).toEqual({ reason: 'closed' });
  });
});

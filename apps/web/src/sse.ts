/**
 * Server-Sent Events over fetch. EventSource cannot send an Authorization header, so the page reads the
 * stream itself: the parser follows the WHATWG event-stream rules (event, data, id, retry, comments), and
 * `followEvents` reconnects after a lost connection, sending Last-Event-ID when the server gave ids.
 */

export interface SseMessage {
  event: string;
  data: string;
  id: string | undefined;
}

/** Turns chunks of an event stream into messages; keeps partial lines between chunks. */
export class SseParser {
  private buffer = '';
  private event = '';
  private data: string[] = [];
  private id: string | undefined;
  /** The previous chunk ended in \r: a \n starting this one belongs to that line end. */
  private skipLineFeed = false;
  /** The last `retry:` the server sent, in milliseconds. */
  retryMs: number | undefined;
  lastEventId: string | undefined;

  /** A new connection: whatever half-received event the old one left is dropped (id and retry stay). */
  restart(): void {
    this.buffer = '';
    this.event = '';
    this.data = [];
    this.skipLineFeed = false;
  }

  push(chunk: string): SseMessage[] {
    const text = this.skipLineFeed && chunk.startsWith('\n') ? chunk.slice(1) : chunk;
    this.skipLineFeed = text.endsWith('\r');
    this.buffer += text;
    const messages: SseMessage[] = [];
    const lines = this.buffer.split(/\r\n|\r|\n/);
    // The last piece has no line end yet (or is empty after one): it waits for the next chunk.
    this.buffer = lines.pop() ?? '';
    for (const line of lines) {
      const message = this.line(line);
      if (message) messages.push(message);
    }
    return messages;
  }

  private line(line: string): SseMessage | undefined {
    if (line === '') {
      if (this.data.length === 0) {
        this.event = '';
        return undefined;
      }
      const message = { event: this.event || 'message', data: this.data.join('\n'), id: this.id };
      this.event = '';
      this.data = [];
      return message;
    }
    if (line.startsWith(':')) return undefined;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'event') this.event = value;
    else if (field === 'data') this.data.push(value);
    else if (field === 'id' && !value.includes('\0')) this.id = this.lastEventId = value;
    else if (field === 'retry' && /^\d+$/.test(value)) this.retryMs = Number(value);
    return undefined;
  }
}

export type StreamState =
  | { state: 'open' }
  | { state: 'reconnecting'; attempt: number; delayMs: number; reason: string }
  | { state: 'closed' };

export interface FollowOptions {
  /** Headers for each (re)connection, read anew each time (the key may change). */
  headers: () => Record<string, string>;
  onMessage: (message: SseMessage) => void;
  onState: (state: StreamState) => void;
  /** A response that is not a stream (401, 404, …): no reconnect, the stream is over. */
  onRefused: (response: Response) => void | Promise<void>;
  /** Messages after which the server ends the stream on purpose: no reconnect then. */
  isFinal: (message: SseMessage) => boolean;
  /** Consecutive failed attempts before giving up (state `closed` with the last reason). */
  maxAttempts?: number;
  fetch?: typeof fetch;
  /** Delay before the n-th consecutive reconnect; default: the server's retry, doubling, at most 30 s. */
  backoffMs?: (attempt: number, serverRetryMs: number | undefined) => number;
}

export interface EventStream {
  close(): void;
  /** Settles when the stream is over: final message, refusal, close() or too many failures. */
  done: Promise<{ reason: 'final' | 'refused' | 'closed' | 'gave-up'; detail?: string }>;
}

const defaultBackoff = (attempt: number, serverRetryMs: number | undefined) =>
  Math.min(30_000, (serverRetryMs ?? 3000) * 2 ** (attempt - 1));

export function followEvents(url: string, options: FollowOptions): EventStream {
  const controller = new AbortController();
  const fetchImpl = options.fetch ?? fetch.bind(globalThis);
  const backoff = options.backoffMs ?? defaultBackoff;
  const maxAttempts = options.maxAttempts ?? 8;
  const parser = new SseParser();

  const run = async (): Promise<Awaited<EventStream['done']>> => {
    let failures = 0;
    for (;;) {
      let reason: string;
      try {
        const headers: Record<string, string> = { accept: 'text/event-stream', ...options.headers() };
        if (parser.lastEventId !== undefined) headers['last-event-id'] = parser.lastEventId;
        const response = await fetchImpl(url, { headers, signal: controller.signal, cache: 'no-store' });
        if (!response.ok || !response.body) {
          if (response.status >= 500) {
            reason = `the server answered ${response.status}`;
          } else {
            await options.onRefused(response);
            return { reason: 'refused' };
          }
        } else {
          failures = 0;
          parser.restart();
          options.onState({ state: 'open' });
          if (await read(response.body)) return { reason: 'final' };
          reason = 'the server closed the connection';
        }
      } catch {
        if (controller.signal.aborted) return { reason: 'closed' };
        reason = 'the connection was lost';
      }
      failures += 1;
      if (failures > maxAttempts) {
        options.onState({ state: 'closed' });
        return { reason: 'gave-up', detail: reason };
      }
      const delayMs = backoff(failures, parser.retryMs);
      options.onState({ state: 'reconnecting', attempt: failures, delayMs, reason });
      await sleep(delayMs, controller.signal);
      if (controller.signal.aborted) return { reason: 'closed' };
    }
  };

  /** Reads one connection; true when a final message arrived. */
  const read = async (body: ReadableStream<Uint8Array>): Promise<boolean> => {
    const reader = body.getReader();
    const decoder = new TextDecoder();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return false;
        for (const message of parser.push(decoder.decode(value, { stream: true }))) {
          options.onMessage(message);
          if (options.isFinal(message)) return true;
        }
      }
    } finally {
      reader.cancel().catch(() => {});
    }
  };

  return {
    close: () => controller.abort(),
    done: run(),
  };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}

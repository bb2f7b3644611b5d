import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * A local HTTP receiver. `respond` decides each answer from the requests seen so far (including this one);
 * returning undefined leaves the request hanging (to provoke a timeout).
 */
export async function startReceiver(
  respond: (received: ReceivedRequest[]) => number | undefined = () => 204,
) {
  const received: ReceivedRequest[] = [];
  const hanging = new Set<ServerResponse>();
  const listeners = new Set<() => void>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      for (const listener of listeners) listener();
      const status = respond(received);
      if (status === undefined) hanging.add(res);
      else res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    /** Resolves once `count` requests have arrived. */
    waitFor(count: number): Promise<ReceivedRequest[]> {
      return new Promise((resolve) => {
        const check = () => {
          if (received.length < count) return;
          listeners.delete(check);
          resolve(received);
        };
        listeners.add(check);
        check();
      });
    },
    async close(): Promise<void> {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

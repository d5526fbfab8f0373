/**
 * An HTTP reverse proxy on 127.0.0.1 that forwards to `target` (e.g. a real Prometheus) and, on request, makes
 * the next requests fail the way a sick backend does:
 *
 *   status  answers with that HTTP status (e.g. 500) and a plain-text body
 *   hang    never answers (the client's timeout has to end it)
 *   down    drops the connection without answering, as a crashed or restarting server does
 *
 *   const proxy = await startFaultyHttpProxy(prometheus.url);
 *   proxy.failNext(3, { kind: 'status', status: 500 });   // the next 3 requests
 *   proxy.failNext(Infinity, { kind: 'down' });            // every request from now on
 *   proxy.heal();                                          // forward everything again
 */
import { createServer, type IncomingMessage, request, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type HttpFault = { kind: 'status'; status: number } | { kind: 'hang' } | { kind: 'down' };

export interface FaultyHttpProxy {
  readonly url: string;
  /** How many requests were forwarded, and how many got a fault. */
  readonly counts: { forwarded: number; faulted: number };
  /** The next `times` requests get `fault` instead of the backend's answer (after any faults already queued). */
  failNext(times: number, fault: HttpFault): void;
  /** Drops every queued fault. */
  heal(): void;
  close(): Promise<void>;
}

export async function startFaultyHttpProxy(target: string): Promise<FaultyHttpProxy> {
  const upstream = new URL(target);
  const queue: { remaining: number; fault: HttpFault }[] = [];
  const counts = { forwarded: 0, faulted: 0 };

  const nextFault = (): HttpFault | undefined => {
    const head = queue[0];
    if (!head) return undefined;
    head.remaining -= 1;
    if (head.remaining <= 0) queue.shift();
    return head.fault;
  };

  const handle = (incoming: IncomingMessage, response: ServerResponse): void => {
    const fault = nextFault();
    if (fault) {
      counts.faulted += 1;
      incoming.resume();
      if (fault.kind === 'status') {
        response.writeHead(fault.status, { 'content-type': 'text/plain' });
        response.end(`injected fault: HTTP ${fault.status}`);
      } else if (fault.kind === 'down') {
        incoming.socket.destroy();
      }
      // hang: leave the request open; close() ends it.
      return;
    }
    counts.forwarded += 1;
    const outgoing = request(
      {
        hostname: upstream.hostname,
        port: upstream.port,
        method: incoming.method,
        path: incoming.url,
        headers: incoming.headers,
      },
      (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
      },
    );
    outgoing.on('error', () => incoming.socket.destroy());
    incoming.pipe(outgoing);
  };

  const server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    counts,
    failNext: (times, fault) => {
      queue.push({ remaining: times, fault });
    },
    heal: () => {
      queue.length = 0;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

import { once } from 'node:events';
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { MirrorProxy, type MirrorProxyOptions } from '../../../src/traffic/mirror-proxy.js';
import { type SampleApp, startSampleApp } from '../../support/sample-app.js';

// The builtin mirroring proxy between real servers on 127.0.0.1: samples/app for live and dark, and small
// misbehaving servers written here.

let live: SampleApp;
let dark: SampleApp;

beforeAll(async () => {
  [live, dark] = await Promise.all([startSampleApp(['--name', 'live']), startSampleApp(['--name', 'dark'])]);
});

afterAll(async () => {
  await Promise.all([live?.stop(), dark?.stop()]);
});

async function withProxy<T>(
  options: Partial<MirrorProxyOptions>,
  use: (proxy: MirrorProxy) => Promise<T>,
): Promise<T> {
  const proxy = await MirrorProxy.start({
    liveUrl: live.url,
    darkUrl: dark.url,
    percent: 100,
    unsafeMethods: false,
    port: 0,
    timeoutMs: 5_000,
    now: Date.now,
    ...options,
  });
  try {
    return await use(proxy);
  } finally {
    await proxy.close();
  }
}

interface Reply {
  readonly status: number;
  readonly body: string;
}

/** Sends the requests through `url`, `concurrency` at a time, and returns every reply in order. */
async function send(
  url: string,
  requests: readonly { method: string; path: string; body?: string; headers?: Record<string, string> }[],
  concurrency = 16,
): Promise<Reply[]> {
  const pool = new Pool(url, { connections: concurrency });
  const replies: Reply[] = new Array(requests.length);
  let next = 0;
  const worker = async () => {
    while (next < requests.length) {
      const index = next++;
      const request = requests[index];
      if (!request) break;
      const response = await pool.request({
        method: request.method,
        path: request.path,
        body: request.body ?? null,
        headers: request.headers ?? {},
      });
      replies[index] = { status: response.statusCode, body: await response.body.text() };
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  await pool.close();
  return replies;
}

/** An HTTP server written for one test; `handle` decides what each request gets. */
async function startServer(
  handle: (request: IncomingMessage, body: string, reply: import('node:http').ServerResponse) => void,
) {
  const server: Server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => {
      body += chunk;
    });
    request.on('end', () => handle(request, body, response));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}

describe('MirrorProxy', () => {
  it('mirrors the configured share within ±2 points over 20,000 requests, and dark receives exactly those', async () => {
    const before = { live: await live.stats(), dark: await dark.stats() };
    await withProxy({ percent: 30 }, async (proxy) => {
      const requests = Array.from({ length: 20_000 }, (_, i) => ({
        method: 'GET',
        path: `/products/${i % 500}`,
      }));
      const replies = await send(proxy.url, requests, 32);
      expect(replies.every((reply) => reply.status === 200)).toBe(true);
      expect(proxy.stats.received).toBe(20_000);
      const share = (proxy.stats.mirrored / 20_000) * 100;
      expect(Math.abs(share - 30)).toBeLessThanOrEqual(2);
      // Live's reply goes to the client before dark's answer is in, so the last pairs are logged a moment later.
      await vi.waitFor(() => expect(proxy.log.size).toBe(proxy.stats.mirrored), {
        timeout: 5_000,
        interval: 20,
      });
      const after = { live: await live.stats(), dark: await dark.stats() };
      expect(after.live.requests - before.live.requests).toBe(20_000);
      expect(after.dark.requests - before.dark.requests).toBe(proxy.stats.mirrored);
    });
  });

  it('mirrors the same requests when the same sequence is replayed', async () => {
    const requests = Array.from({ length: 300 }, (_, i) => ({ method: 'GET', path: `/r/${i % 7}` }));
    const mirroredPaths = async () => {
      const seen: string[] = [];
      const recorder = await startServer((request, _body, response) => {
        seen.push(request.url ?? '');
        response.end('ok');
      });
      try {
        await withProxy({ percent: 25, darkUrl: recorder.url }, (proxy) => send(proxy.url, requests, 1));
      } finally {
        recorder.close();
      }
      return seen;
    };
    const first = await mirroredPaths();
    expect(first.length).toBeGreaterThan(30);
    expect(first.length).toBeLessThan(120);
    expect(await mirroredPaths()).toEqual(first);
  });

  it('does not mirror POST, PUT, PATCH or DELETE unless enabled', async () => {
    const methods = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];
    const requests = methods.flatMap((method) =>
      Array.from({ length: 5 }, () => ({
        method,
        path: '/cart',
        body: method === 'GET' || method === 'OPTIONS' ? undefined : '{"sku":1}',
      })),
    );
    const darkMethods = async (unsafeMethods: boolean) => {
      const before = await dark.stats();
      await withProxy({ unsafeMethods }, async (proxy) => {
        const replies = await send(proxy.url, requests);
        expect(replies.every((reply) => reply.status === 200)).toBe(true);
        expect(proxy.stats.unsafeNotMirrored).toBe(unsafeMethods ? 0 : 20);
      });
      const after = await dark.stats();
      return Object.fromEntries(
        methods.map((method) => [method, (after.byMethod[method] ?? 0) - (before.byMethod[method] ?? 0)]),
      );
    };
    expect(await darkMethods(false)).toEqual({ GET: 5, POST: 0, PUT: 0, PATCH: 0, DELETE: 0, OPTIONS: 5 });
    expect(await darkMethods(true)).toEqual({ GET: 5, POST: 5, PUT: 5, PATCH: 5, DELETE: 5, OPTIONS: 5 });
  });

  it("never lets dark's failures reach the client: errors, resets, hangs, a broken body, or no server at all", async () => {
    const broken = await startServer((request, _body, response) => {
      switch (request.url) {
        case '/error':
          response.writeHead(500).end('dark broke');
          return;
        case '/reset':
          request.socket.destroy();
          return;
        case '/hang':
          return; // never answers
        case '/broken-body':
          response.writeHead(200, { 'content-length': '1000' });
          response.write('partial');
          setImmediate(() => request.socket.destroy());
          return;
      }
    });
    const closed = await startServer(() => {});
    closed.close(); // a port nothing listens on any more
    try {
      const paths = ['/error', '/reset', '/hang', '/broken-body'];
      const requests = paths.flatMap((path) => Array.from({ length: 10 }, () => ({ method: 'GET', path })));
      for (const darkUrl of [broken.url, closed.url]) {
        await withProxy({ darkUrl, timeoutMs: 300 }, async (proxy) => {
          const replies = await send(proxy.url, requests);
          expect(replies).toEqual(requests.map(() => ({ status: 200, body: '{"app":"live"}' })));
          // The proxy waits for dark's outcome (here up to its timeout) only to record it; the client was
          // answered meanwhile.
          await vi.waitFor(() => expect(proxy.log.size).toBe(40), { timeout: 10_000, interval: 50 });
          const sample = proxy.log.within({ start: 0, end: Date.now() });
          const darkStatuses = Array.from(sample.dark.statuses);
          expect(darkStatuses.filter((status) => status === 0).length).toBe(darkUrl === closed.url ? 40 : 30);
          expect(Array.from(sample.live.statuses).every((status) => status === 200)).toBe(true);
          expect(proxy.stats.darkFailures).toBe(darkUrl === closed.url ? 40 : 30);
        });
      }
    } finally {
      broken.close();
    }
  });

  it('answers 502 when live is down and 504 when it times out', async () => {
    const closed = await startServer(() => {});
    closed.close();
    const hanging = await startServer(() => {});
    try {
      await withProxy({ liveUrl: closed.url }, async (proxy) => {
        expect((await send(proxy.url, [{ method: 'GET', path: '/' }]))[0]?.status).toBe(502);
        expect(proxy.stats.liveFailures).toBe(1);
      });
      await withProxy({ liveUrl: hanging.url, timeoutMs: 200 }, async (proxy) => {
        expect((await send(proxy.url, [{ method: 'GET', path: '/' }]))[0]?.status).toBe(504);
      });
    } finally {
      hanging.close();
    }
  });

  it('forwards method, path, query, headers and body to both, under their base paths, minus hop-by-hop headers', async () => {
    const received: Record<string, unknown>[] = [];
    const recorder = await startServer((request, body, response) => {
      received.push({
        method: request.method,
        url: request.url,
        body,
        tenant: request.headers['x-tenant'],
        upgrade: request.headers['x-custom-hop'],
      });
      response.writeHead(201, { 'x-from': 'recorder' }).end('created');
    });
    try {
      await withProxy(
        { liveUrl: `${recorder.url}/live`, darkUrl: `${recorder.url}/dark/`, unsafeMethods: true },
        async (proxy) => {
          // node:http, not fetch: fetch does not let a caller set the Connection header.
          const response = await new Promise<{ status?: number; from: unknown; body: string }>(
            (resolve, reject) => {
              const outgoing = httpRequest(
                `${proxy.url}/cart?id=7`,
                {
                  method: 'POST',
                  headers: { 'x-tenant': 'acme', connection: 'x-custom-hop', 'x-custom-hop': 'drop me' },
                },
                (incoming) => {
                  let body = '';
                  incoming.on('data', (chunk) => {
                    body += chunk;
                  });
                  incoming.on('end', () =>
                    resolve({ status: incoming.statusCode, from: incoming.headers['x-from'], body }),
                  );
                },
              );
              outgoing.once('error', reject);
              outgoing.end('{"sku":42}');
            },
          );
          expect(response).toEqual({ status: 201, from: 'recorder', body: 'created' });
          await vi.waitFor(() => expect(received).toHaveLength(2));
        },
      );
      const expected = { method: 'POST', body: '{"sku":42}', tenant: 'acme', upgrade: undefined };
      expect(received).toEqual(
        expect.arrayContaining([
          { ...expected, url: '/live/cart?id=7' },
          { ...expected, url: '/dark/cart?id=7' },
        ]),
      );
    } finally {
      recorder.close();
    }
  });
});

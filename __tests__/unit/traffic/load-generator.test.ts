import { once } from 'node:events';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { LoadGenerator } from '../../../src/traffic/load-generator.js';

// The open model's schedule against a scripted server on 127.0.0.1 that answers only when the test says so, with
// the clock (`performance.now`) moved by hand: one request a million milliseconds, so the generator's own timer
// never fires during the test and every send shown here is the one made when a response freed the connection.

const held: ServerResponse[] = [];
const arrivals: (() => void)[] = [];
const server = createServer((request, response) => {
  request.resume();
  request.on('end', () => {
    held.push(response);
    arrivals.shift()?.();
  });
});
let url: string;

beforeAll(async () => {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(() => {
  vi.restoreAllMocks();
});

afterAll(() => {
  server.closeAllConnections();
  server.close();
});

/** Resolves once the server holds `count` requests. */
function requestsHeld(count: number): Promise<void> {
  return held.length >= count ? Promise.resolve() : new Promise((resolve) => arrivals.push(resolve));
}

describe('LoadGenerator', () => {
  it('sends a request that fell due while every connection was busy as soon as one is free, timed from when it was due', async () => {
    let now = 0;
    vi.spyOn(performance, 'now').mockImplementation(() => now);
    const generator = new LoadGenerator({
      url,
      ratePerSecond: 0.001, // one request per 1,000,000 ms
      concurrency: 1,
      requests: [{ method: 'GET', path: '/', headers: {}, weight: 1 }],
      timeoutMs: 10_000,
    });
    generator.start();
    await requestsHeld(1); // request 0, due at 0
    now = 2_500_000; // requests 1 and 2 are due meanwhile, the one connection busy
    held[0]?.end('ok');
    await requestsHeld(2);
    held[1]?.end('ok');
    await requestsHeld(3);
    held[2]?.end('ok');
    const report = await generator.stop();

    expect(report).toMatchObject({ scheduled: 3, sent: 3, unsent: 0, completed: 3 });
    expect(report.statuses).toEqual(new Map([[200, 3]]));
    // Latencies from the due times 0, 1,000,000 and 2,000,000 ms to 2,500,000 ms (HDR keeps 3 digits).
    expect(report.latency.maxMs).toBeCloseTo(2_500_000, -4);
    expect(report.latency.p50Ms).toBeCloseTo(1_500_000, -4);
  });
});

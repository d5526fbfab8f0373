import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { LoadGenerator } from '../../../src/traffic/load-generator.js';
import { loadReplay } from '../../../src/traffic/replay/replay-file.js';
import { replayAtRate, replayAtRecordedPace } from '../../../src/traffic/request-schedule.js';
import { startTraffic } from '../../../src/traffic/traffic-session.js';

// Replaying the demo's recordings (samples/demo/traffic.har from mitmproxy, samples/demo/access.log from nginx) with
// the load generator against a server on 127.0.0.1 that notes what arrives and when.

interface Arrival {
  readonly at: number;
  readonly method: string;
  readonly path: string;
  readonly userAgent: string | undefined;
}

let server: Server;
let url: string;
const arrivals: Arrival[] = [];

beforeAll(async () => {
  server = createServer((request, response) => {
    arrivals.push({
      at: performance.now(),
      method: request.method ?? '',
      path: request.url ?? '',
      userAgent: request.headers['user-agent'],
    });
    request.resume();
    response.end('ok');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => {
  server.closeAllConnections();
  server.close();
});

async function replayFor(generator: LoadGenerator, ms: number) {
  arrivals.length = 0;
  const started = performance.now();
  generator.start();
  await delay(ms);
  const report = await generator.stop();
  return { report, started, arrived: [...arrivals] };
}

describe('replay of recorded traffic', () => {
  it('reads the recording before starting anything: a file with nothing usable fails at once, naming it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'shadowgate-replay-'));
    onTestFinished(() => rm(dir, { recursive: true, force: true }));
    const file = join(dir, 'posts.jsonl');
    await writeFile(file, '{"method": "POST", "path": "/cart"}\n');
    // Nothing listens on these: had the versions been waited for first, this would fail on live-url instead.
    const nowhere = { url: 'http://127.0.0.1:9' };
    await expect(
      startTraffic(
        {
          live: nowhere,
          dark: nowhere,
          mirror: { kind: 'builtin', percent: 100, unsafeMethods: false, port: 0 },
          load: {
            concurrency: 4,
            requests: [],
            replay: { path: file, format: 'auto', unsafeMethods: false },
          },
          startTimeoutMs: 30_000,
          requestTimeoutMs: 1_000,
        },
        { log: () => {}, now: Date.now },
      ),
    ).rejects.toThrow(`load-replay: ${file} (read as jsonl) has no request to replay; 1 skipped: POST`);
  });

  it("at the recorded pace: the HAR's requests in their order, each at its recorded offset", async () => {
    const text = readFileSync('samples/demo/traffic.har', 'utf8');
    const replay = loadReplay({ path: 'traffic.har', format: 'auto', unsafeMethods: false }, text, true);
    const offsets = replay.offsetsMs as readonly number[];
    const schedule = replayAtRecordedPace(replay.requests, offsets);
    const generator = new LoadGenerator({ url, schedule, concurrency: 8, timeoutMs: 2_000 });
    const { report, started, arrived } = await replayFor(generator, 2_500);
    const due = offsets.filter((offset) => offset <= 2_500).length;
    // The last one or two may fall due as the run stops.
    expect(report.sent).toBeGreaterThanOrEqual(due - 2);
    expect(report.sent).toBeLessThanOrEqual(due + 1);
    expect(arrived.map((arrival) => arrival.path)).toEqual(
      replay.requests.slice(0, arrived.length).map((r) => r.path),
    );
    expect(arrived[0]?.userAgent).toBe(
      'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0',
    );
    // Each arrives within a generous margin of its recorded offset on a shared machine (the pace is kept, not
    // compressed or stretched): never early, and the median within 50 ms.
    const lateness = arrived.map((arrival, i) => arrival.at - started - (offsets[i] as number));
    expect(Math.min(...lateness)).toBeGreaterThan(-5);
    const sorted = [...lateness].sort((a, b) => a - b);
    expect(sorted[Math.floor(sorted.length / 2)]).toBeLessThan(50);
    expect(report.ratePerSecond).toBeCloseTo(
      (60 / ((offsets.at(-1) as number) + (offsets.at(-1) as number) / 59)) * 1000,
      5,
    );
  });

  it("at a set rate: the access log's requests in order, again and again, one every 1/rate", async () => {
    const text = readFileSync('samples/demo/access.log', 'utf8');
    const replay = loadReplay({ path: 'access.log', format: 'auto', unsafeMethods: false }, text, false);
    expect(replay.format).toBe('access-log');
    const schedule = replayAtRate(200, replay.requests);
    const generator = new LoadGenerator({ url, schedule, concurrency: 16, timeoutMs: 2_000 });
    const { report, arrived } = await replayFor(generator, 1_000);
    // 200/s for 1 s: about 200 requests, so the 60 recorded ones went round more than three times.
    expect(report.sent).toBeGreaterThan(180);
    expect(report.sent).toBeLessThanOrEqual(202);
    expect(report.ratePerSecond).toBe(200);
    const expected = Array.from(
      { length: arrived.length },
      (_, k) => replay.requests[k % replay.requests.length]?.path,
    );
    expect(arrived.map((arrival) => arrival.path).sort()).toEqual([...expected].sort());
    expect(new Set(arrived.map((arrival) => arrival.method))).toEqual(new Set(['GET']));
  });
});

import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { MetricSpec } from '../../../src/core/model.js';
import { BuiltinSource } from '../../../src/metrics/builtin-source.js';
import { LoadGenerator, type LoadReport } from '../../../src/traffic/load-generator.js';
import { MirrorProxy } from '../../../src/traffic/mirror-proxy.js';
import { type SampleApp, startSampleApp } from '../../support/sample-app.js';

// samples/app's known distributions, recovered end to end: the load generator drives the mirroring proxy in
// front of two samples/app processes, and the builtin source reads what the proxy measured.
//
// Tolerance: a measured percentile lies in [true - 1 ms, true + 25 ms]. samples/app's timer never fires
// early (the 1 ms below covers timer rounding); above, the proxy hop, the event loops of three processes and a
// busy 2-core machine only ever add time, so the bound is generous on that side. The error rate is within
// ±2 points of the configured 5% (2,000 requests: one standard deviation is 0.5 points).

const LATENCY = '10:0.5,50:0.4,200:0.1';
const ERROR_RATIO = 0.05;
// Percentiles away from the mixture's steps (50%, 90%), whose true values are unambiguous.
const EXPECTED: readonly [percentile: number, ms: number][] = [
  [25, 10],
  [70, 50],
  [95, 200],
];

let live: SampleApp;
let dark: SampleApp;
let proxy: MirrorProxy;
let load: LoadReport;

beforeAll(async () => {
  const app = (name: string, seed: string) =>
    startSampleApp(['--name', name, '--latency', LATENCY, '--errors', String(ERROR_RATIO), '--seed', seed]);
  [live, dark] = await Promise.all([app('live', '11'), app('dark', '12')]);
  proxy = await MirrorProxy.start({
    liveUrl: live.url,
    darkUrl: dark.url,
    percent: 100,
    unsafeMethods: false,
    port: 0,
    timeoutMs: 10_000,
    now: Date.now,
  });
  const generator = new LoadGenerator({
    url: proxy.url,
    ratePerSecond: 250,
    concurrency: 128,
    requests: [{ method: 'GET', path: '/', headers: {}, weight: 1 }],
    timeoutMs: 10_000,
  });
  generator.start();
  await delay(8_000);
  load = await generator.stop();
});

afterAll(async () => {
  await proxy?.close();
  await Promise.all([live?.stop(), dark?.stop()]);
});

const percentile = (p: number): MetricSpec => ({
  id: `p${p}-latency`,
  kind: 'latency-percentile',
  percentile: p,
  unit: 'ms',
});

describe("samples/app's distributions, measured through the proxy", () => {
  it('sends the open-model rate and gets every response', async () => {
    expect(load.sent).toBeGreaterThanOrEqual(1_900);
    expect(load.unsent).toBe(0);
    expect(load.completed).toBe(load.sent);
    expect(load.timeouts + load.failures).toBe(0);
    // The client has live's answer; dark's answer to the last requests may still be on its way.
    await vi.waitFor(() => expect(proxy.log.size).toBe(load.sent), { timeout: 10_000, interval: 50 });
  });

  it.each(EXPECTED)('recovers p%s = %s ms for live and for dark', async (p, ms) => {
    const source = new BuiltinSource(proxy.log);
    for (const version of ['live', 'dark'] as const) {
      const reading = await source.read({
        metric: percentile(p),
        version,
        window: { start: 0, end: Date.now() },
      });
      expect(reading.status).toBe('ok');
      const value = reading.status === 'ok' ? reading.value : Number.NaN;
      expect(value, `${version} p${p}`).toBeGreaterThanOrEqual(ms - 1);
      expect(value, `${version} p${p}`).toBeLessThanOrEqual(ms + 25);
    }
  });

  it('recovers the error rate within ±2 points, at the proxy and at the generator', async () => {
    const source = new BuiltinSource(proxy.log);
    const metric: MetricSpec = { id: 'error-rate', kind: 'error-rate', unit: 'ratio' };
    for (const version of ['live', 'dark'] as const) {
      const reading = await source.read({ metric, version, window: { start: 0, end: Date.now() } });
      expect(
        reading.status === 'ok' ? Math.abs(reading.value - ERROR_RATIO) : Number.NaN,
      ).toBeLessThanOrEqual(0.02);
    }
    // The client sees live's answers only.
    const errors = load.statuses.get(500) ?? 0;
    expect(errors + (load.statuses.get(200) ?? 0)).toBe(load.completed);
    expect(Math.abs(errors / load.completed - ERROR_RATIO)).toBeLessThanOrEqual(0.02);
  });

  it("reports the generator's own latency from an HDR histogram, consistent with the mixture", () => {
    // From the intended send time: at least the service time, never less.
    expect(load.latency.count).toBe(load.completed);
    expect(load.latency.p99Ms).toBeGreaterThanOrEqual(199);
    expect(load.latency.maxMs).toBeGreaterThanOrEqual(load.latency.p99Ms);
  });
});

describe('the open model', () => {
  it('counts the wait of requests queued behind a slow server in their latency (no coordinated omission)', async () => {
    // One connection to a server that takes 30 ms per request, at 100 requests/s: it can serve about 33/s, so
    // requests queue. A closed-loop client would report ~30 ms each; from the intended send time the latency
    // grows with the queue.
    const slow = await startSampleApp(['--name', 'slow', '--latency', '30']);
    try {
      const generator = new LoadGenerator({
        url: slow.url,
        ratePerSecond: 100,
        concurrency: 1,
        requests: [{ method: 'GET', path: '/', headers: {}, weight: 1 }],
        timeoutMs: 10_000,
      });
      generator.start();
      await delay(2_000);
      const report = await generator.stop();
      expect(report.unsent).toBeGreaterThan(0);
      expect(report.latency.p50Ms).toBeGreaterThan(3 * 30);
      expect(report.latency.maxMs).toBeGreaterThan(report.latency.p50Ms);
    } finally {
      await slow.stop();
    }
  });
});

import { describe, expect, it } from 'vitest';
import { NON_2XX_RATE } from '../../../src/core/builtin-metrics.js';
import { runEvaluation } from '../../../src/core/evaluation-loop.js';
import type { MetricSpec, Objective, TimeWindow } from '../../../src/core/model.js';
import { BuiltinSource, nearestRank } from '../../../src/metrics/builtin-source.js';
import { MirrorLog } from '../../../src/traffic/mirror-log.js';
import { FakeClock } from '../../support/fake-clock.js';

const p = (percentile: number): MetricSpec => ({
  id: `p${percentile}-latency`,
  kind: 'latency-percentile',
  percentile,
  unit: 'ms',
});
const MEAN: MetricSpec = { id: 'mean-latency', kind: 'mean-latency', unit: 'ms' };
const ERRORS: MetricSpec = { id: 'error-rate', kind: 'error-rate', unit: 'ratio' };
const COUNT: MetricSpec = { id: 'request-count', kind: 'request-count', unit: 'count' };
const ALL: TimeWindow = { start: 0, end: Number.MAX_SAFE_INTEGER };

/** A log of pairs completed at t = 1, 2, 3, … with the given dark and live answers. */
function logOf(pairs: readonly { dark: [number, number]; live: [number, number] }[]): MirrorLog {
  const log = new MirrorLog();
  pairs.forEach(({ dark, live }, i) => {
    log.append(i + 1, { status: live[0], latencyMs: live[1] }, { status: dark[0], latencyMs: dark[1] });
  });
  return log;
}

const ok = (darkMs: number, liveMs = darkMs) => ({
  dark: [200, darkMs] as [number, number],
  live: [200, liveMs] as [number, number],
});

async function value(
  source: BuiltinSource,
  metric: MetricSpec,
  version: 'dark' | 'live' = 'dark',
  window = ALL,
) {
  const reading = await source.read({ metric, version, window });
  if (reading.status !== 'ok') throw new Error(`expected a value, got ${reading.status}: ${reading.reason}`);
  return reading.value;
}

describe('BuiltinSource', () => {
  it('gives exact nearest-rank percentiles over every response', async () => {
    // 1 … 100 ms, shuffled: p50 is 50, p95 is 95, p99 is 99, p99.9 is 100.
    const latencies = Array.from({ length: 100 }, (_, i) => ((i * 37) % 100) + 1);
    const source = new BuiltinSource(logOf(latencies.map((ms) => ok(ms))));
    expect(await value(source, p(50))).toBe(50);
    expect(await value(source, p(95))).toBe(95);
    expect(await value(source, p(99))).toBe(99);
    expect(await value(source, p(99.9))).toBe(100);
    expect(await value(source, MEAN)).toBeCloseTo(50.5, 10);
  });

  it('does not interpolate: with two values, every percentile is one of them', async () => {
    // Prometheus's histogram_quantile would answer something between the buckets.
    const source = new BuiltinSource(logOf([ok(10), ok(1000)]));
    expect(await value(source, p(50))).toBe(10);
    expect(await value(source, p(51))).toBe(1000);
    expect(await value(source, p(90))).toBe(1000);
  });

  it('counts 5xx and missing responses as errors, 4xx not (non-2xx-rate: 4xx too); latency only over responses', async () => {
    const source = new BuiltinSource(
      logOf([
        ok(10),
        { dark: [404, 20], live: [404, 20] },
        { dark: [503, 30], live: [200, 30] },
        { dark: [0, 10_000], live: [200, 40] }, // dark timed out
      ]),
    );
    expect(await value(source, ERRORS)).toBe(0.5);
    expect(await value(source, ERRORS, 'live')).toBe(0);
    // Iter8's meaning: the 404 counts too.
    expect(await value(source, NON_2XX_RATE)).toBe(0.75);
    expect(await value(source, NON_2XX_RATE, 'live')).toBe(0.25);
    expect(await value(source, MEAN)).toBe(20); // (10 + 20 + 30) / 3: the timeout has no latency
    expect(await value(source, p(99))).toBe(30);
    expect(await value(source, COUNT)).toBe(4);
  });

  it('reads the window given, both ends inclusive', async () => {
    const source = new BuiltinSource(logOf([ok(1), ok(2), ok(3), ok(4), ok(5)]));
    expect(await value(source, COUNT, 'dark', { start: 2, end: 4 })).toBe(3);
    expect(await value(source, p(99), 'dark', { start: 2, end: 4 })).toBe(4);
    expect(await value(source, MEAN, 'dark', { start: 0, end: 2 })).toBe(1.5);
  });

  it('reads live over the same mirrored requests as dark (paired samples)', async () => {
    const source = new BuiltinSource(logOf([ok(10, 5), ok(20, 6), ok(30, 7)]));
    expect(await value(source, COUNT, 'live')).toBe(3);
    expect(await value(source, p(99), 'live')).toBe(7);
    expect(await value(source, p(99), 'dark')).toBe(30);
  });

  it('has no data, not a value, when nothing was measured or nothing answered', async () => {
    const empty = new BuiltinSource(new MirrorLog());
    expect(await empty.read({ metric: p(95), version: 'dark', window: ALL })).toMatchObject({
      status: 'no-data',
    });
    expect(await empty.read({ metric: ERRORS, version: 'dark', window: ALL })).toMatchObject({
      status: 'no-data',
    });
    expect(await empty.read({ metric: COUNT, version: 'dark', window: ALL })).toEqual({
      status: 'ok',
      value: 0,
    });
    const allFailed = new BuiltinSource(logOf([{ dark: [0, 5], live: [200, 5] }]));
    expect(await allFailed.read({ metric: MEAN, version: 'dark', window: ALL })).toMatchObject({
      status: 'no-data',
      reason: expect.stringMatching(/no dark request got a response/),
    });
    expect(await value(allFailed, ERRORS)).toBe(1);
  });

  it('has no data for custom metrics', async () => {
    const source = new BuiltinSource(logOf([ok(1)]));
    const custom: MetricSpec = { id: 'queue-depth', kind: 'custom', unit: 'none' };
    expect(await source.read({ metric: custom, version: 'dark', window: ALL })).toMatchObject({
      status: 'no-data',
    });
  });
});

describe('nearestRank', () => {
  it('is the smallest value with at least p% of the sample at or below it', () => {
    expect(nearestRank([1, 2, 3, 4], 25)).toBe(1);
    expect(nearestRank([1, 2, 3, 4], 26)).toBe(2);
    expect(nearestRank([1, 2, 3, 4], 100)).toBe(4);
    expect(nearestRank([7], 0.1)).toBe(7);
  });
});

describe('the evaluation loop on builtin measurements', () => {
  const p95Below100: Objective = {
    text: 'p95-latency < 100ms',
    metric: p(95),
    comparator: '<',
    limit: { kind: 'absolute', value: 100 },
  };
  const p99WithinLive: Objective = {
    text: 'p99-latency <= live + 20%',
    metric: p(99),
    comparator: '<=',
    limit: { kind: 'relative', scale: 1.2, offset: 0 },
  };
  const plan = (objectives: Objective[]) => ({
    name: 'local',
    target: { namespace: 'local', service: 'app', darkRevision: 'dark', liveRevision: 'live' },
    objectives,
    intervalMs: 1000,
    iterations: 3,
    minRequests: 10,
    failFast: { enabled: false, consecutiveBreaches: 2 },
    decision: { mode: 'point' as const },
  });

  it('is inconclusive, never a pass, when the proxy measured nothing', async () => {
    const result = await runEvaluation(plan([p95Below100]), {
      source: new BuiltinSource(new MirrorLog()),
      clock: new FakeClock(0),
    });
    expect(result.verdict).toBe('inconclusive');
  });

  it('reads cumulative windows from the start, and fails dark against live on the same requests', async () => {
    const clock = new FakeClock(0);
    const log = new MirrorLog();
    // 20 pairs per second for 3 s: live answers in 10 ms; dark in 10 ms except one request in ten at 50 ms.
    for (let i = 0; i < 60; i++) {
      log.append(
        i * 50 + 1,
        { status: 200, latencyMs: 10 },
        { status: 200, latencyMs: i % 10 === 0 ? 50 : 10 },
      );
    }
    const result = await runEvaluation(plan([p95Below100, p99WithinLive]), {
      source: new BuiltinSource(log),
      clock,
    });
    expect(result.iterations.map((iteration) => iteration.requests.dark)).toEqual([
      { status: 'ok', value: 20 },
      { status: 'ok', value: 40 },
      { status: 'ok', value: 60 },
    ]);
    const last = result.iterations.at(-1);
    expect(last?.assessments.map((a) => a.status)).toEqual(['met', 'breached']);
    expect(last?.assessments[1]).toMatchObject({ dark: { value: 50 }, live: { value: 10 }, limit: 12 });
    expect(result.verdict).toBe('fail');
  });
});

describe('BuiltinSource evidence', () => {
  const log = logOf([
    ok(10, 12),
    { dark: [503, 5], live: [200, 11] },
    { dark: [0, 10_000], live: [500, 9] },
    ok(20, 13),
  ]);
  const source = new BuiltinSource(log);

  it('gives each request’s error outcome, paired between the versions on the same window', async () => {
    const [dark, live] = await Promise.all([
      source.read({ metric: ERRORS, version: 'dark', window: ALL }),
      source.read({ metric: ERRORS, version: 'live', window: ALL }),
    ]);
    expect(dark).toMatchObject({ value: 0.5, evidence: { kind: 'counts', events: 2, trials: 4 } });
    expect(live).toMatchObject({ value: 0.25, evidence: { kind: 'counts', events: 1, trials: 4 } });
    if (
      dark.status !== 'ok' ||
      live.status !== 'ok' ||
      dark.evidence?.kind !== 'counts' ||
      live.evidence?.kind !== 'counts'
    )
      throw new Error('expected counts');
    expect(Array.from(dark.evidence.outcomes ?? [])).toEqual([0, 1, 1, 0]);
    expect(Array.from(live.evidence.outcomes ?? [])).toEqual([0, 0, 1, 0]);
    expect(dark.evidence.pairing).toBe(live.evidence.pairing);
  });

  it('gives each request’s latency in arrival order, NaN where no response came, so pairs stay aligned', async () => {
    const reading = await source.read({ metric: MEAN, version: 'dark', window: ALL });
    if (reading.status !== 'ok' || reading.evidence?.kind !== 'samples') throw new Error('expected samples');
    expect(Array.from(reading.evidence.values)).toEqual([10, 5, Number.NaN, 20]);
    expect(reading.value).toBeCloseTo(35 / 3, 9);
  });
});

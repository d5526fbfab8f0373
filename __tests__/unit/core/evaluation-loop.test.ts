import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../../src/core/configuration-error.js';
import { runEvaluation } from '../../../src/core/evaluation-loop.js';
import type { MetricQuery, MetricReading, MetricsSource } from '../../../src/core/metrics-source.js';
import type { EvaluationPlan, Objective } from '../../../src/core/model.js';
import { FakeClock } from '../../support/fake-clock.js';

const p95: Objective = {
  text: 'p95-latency < 100ms',
  metric: { id: 'p95-latency', kind: 'latency-percentile', percentile: 95, unit: 'ms' },
  comparator: '<',
  limit: { kind: 'absolute', value: 100 },
};
const errorRate: Objective = {
  text: 'error-rate < 1%',
  metric: { id: 'error-rate', kind: 'error-rate', unit: 'ratio' },
  comparator: '<',
  limit: { kind: 'absolute', value: 0.01 },
};
const relativeP99: Objective = {
  text: 'p99-latency <= live + 20%',
  metric: { id: 'p99-latency', kind: 'latency-percentile', percentile: 99, unit: 'ms' },
  comparator: '<=',
  limit: { kind: 'relative', scale: 1.2, offset: 0 },
};
const atLeast50Requests: Objective = {
  text: 'request-count >= 50',
  metric: { id: 'request-count', kind: 'request-count', unit: 'count' },
  comparator: '>=',
  limit: { kind: 'absolute', value: 50 },
};

function plan(overrides: Partial<EvaluationPlan> = {}): EvaluationPlan {
  return {
    name: 'checkout',
    target: {
      namespace: 'default',
      service: 'checkout',
      darkRevision: 'checkout-v2',
      liveRevision: 'checkout-v1',
    },
    objectives: [p95, errorRate],
    intervalMs: 10_000,
    iterations: 5,
    minRequests: 10,
    failFast: { enabled: true, consecutiveBreaches: 2 },
    decision: { mode: 'point' },
    ...overrides,
  };
}

type Values = Record<string, number | MetricReading | undefined>;

/** A source answering from per-iteration tables: `values(iteration, version)` → metric id → value. */
function scriptedSource(
  values: (iteration: number, version: 'dark' | 'live') => Values,
  intervalMs = 10_000,
) {
  const queries: MetricQuery[] = [];
  const source: MetricsSource = {
    description: 'scripted',
    async read(query) {
      queries.push(query);
      const iteration = Math.round((query.window.end - query.window.start) / intervalMs);
      const value = values(iteration, query.version)[query.metric.id];
      if (value === undefined)
        return { status: 'no-data', reason: 'empty result', query: `q:${query.metric.id}` };
      if (typeof value === 'number') return { status: 'ok', value, query: `q:${query.metric.id}` };
      return value;
    },
  };
  return { source, queries };
}

const healthy: Values = { 'request-count': 100, 'p95-latency': 40, 'error-rate': 0.001, 'p99-latency': 60 };

describe('runEvaluation', () => {
  it('runs iteration i at start + i·interval over the cumulative window and passes when all objectives hold', async () => {
    const clock = new FakeClock();
    const start = clock.now();
    const { source, queries } = scriptedSource(() => healthy);
    const lines: number[] = [];
    const result = await runEvaluation(plan(), { source, clock, onIteration: (it) => lines.push(it.index) });

    expect(result.verdict).toBe('pass');
    expect(result.stop.reason).toBe('completed');
    expect(clock.sleeps).toEqual([1, 2, 3, 4, 5].map((i) => start + i * 10_000));
    expect(result.iterations.map((it) => it.window)).toEqual(
      [1, 2, 3, 4, 5].map((i) => ({ start, end: start + i * 10_000 })),
    );
    expect(lines).toEqual([1, 2, 3, 4, 5]);
    expect(queries.every((q) => q.version === 'dark')).toBe(true);
    expect(result.queries.map((q) => q.metricId).sort()).toEqual([
      'error-rate',
      'p95-latency',
      'request-count',
    ]);
  });

  it('judges on the last iteration, so a breach that recovers passes (Iter8 semantics) when fail-fast is off', async () => {
    const { source } = scriptedSource((i) => (i === 2 ? { ...healthy, 'p95-latency': 180 } : healthy));
    const result = await runEvaluation(plan({ failFast: { enabled: false, consecutiveBreaches: 2 } }), {
      source,
      clock: new FakeClock(),
    });
    expect(result.iterations[1]?.verdict).toBe('fail');
    expect(result.verdict).toBe('pass');
  });

  it('fails on a latency breach at the end and names the objective, value and limit', async () => {
    const { source } = scriptedSource(() => ({ ...healthy, 'p95-latency': 182.4 }));
    const result = await runEvaluation(plan({ failFast: { enabled: false, consecutiveBreaches: 2 } }), {
      source,
      clock: new FakeClock(),
    });
    expect(result.verdict).toBe('fail');
    expect(result.reason).toBe('p95-latency 182.4 ms, limit < 100 ms');
    expect(result.iterations).toHaveLength(5);
  });

  it('stops a dark revision that fails every request within two intervals (fail-fast)', async () => {
    const clock = new FakeClock();
    const start = clock.now();
    const { source } = scriptedSource(() => ({ ...healthy, 'error-rate': 1 }));
    const result = await runEvaluation(plan(), { source, clock });
    expect(result.verdict).toBe('fail');
    expect(result.stop.reason).toBe('fail-fast');
    expect(result.stop.detail).toMatch(
      /stopped after iteration 2 of 5: breach held for 2 consecutive iterations/,
    );
    expect(result.endedAt - start).toBe(20_000);
  });

  it('resets the fail-fast count when a breach does not hold', async () => {
    const { source } = scriptedSource((i) => (i % 2 === 1 ? { ...healthy, 'error-rate': 0.5 } : healthy));
    const result = await runEvaluation(plan(), { source, clock: new FakeClock() });
    expect(result.stop.reason).toBe('completed');
    expect(result.verdict).toBe('fail');
  });

  it('does not fail fast on a request-count lower bound, which a cumulative count can still reach', async () => {
    const { source } = scriptedSource((i) => ({ ...healthy, 'request-count': i * 20 }));
    const result = await runEvaluation(plan({ objectives: [p95, atLeast50Requests] }), {
      source,
      clock: new FakeClock(),
    });
    expect(result.iterations[0]?.verdict).toBe('fail');
    expect(result.stop.reason).toBe('completed');
    expect(result.verdict).toBe('pass');
  });

  it.each([
    ['an empty result', { ...healthy, 'p95-latency': undefined } as Values, /dark p95-latency: empty result/],
    [
      'NaN',
      { ...healthy, 'p95-latency': { status: 'no-data', reason: 'NaN (no observations)' } } as Values,
      /NaN/,
    ],
    [
      'too few requests',
      { ...healthy, 'request-count': 3 },
      /dark has 3 requests, fewer than min-requests 10/,
    ],
    ['no request count at all', { ...healthy, 'request-count': undefined } as Values, /dark request count/],
    [
      'a backend that stays down',
      {
        'request-count': { status: 'unavailable', reason: 'connect ECONNREFUSED after 4 attempts' },
        'p95-latency': { status: 'unavailable', reason: 'connect ECONNREFUSED after 4 attempts' },
        'error-rate': { status: 'unavailable', reason: 'connect ECONNREFUSED after 4 attempts' },
      } as Values,
      /ECONNREFUSED/,
    ],
  ])('is inconclusive, never pass, on %s', async (_name, values, reason) => {
    const { source } = scriptedSource(() => values);
    const result = await runEvaluation(plan(), { source, clock: new FakeClock() });
    expect(result.verdict).toBe('inconclusive');
    expect(result.reason).toMatch(reason);
    expect(result.iterations.at(-1)?.assessments.some((a) => a.status === 'unknown')).toBe(true);
  });

  it('is unaffected by an outage that recovers before the last iteration', async () => {
    const down: MetricReading = { status: 'unavailable', reason: 'HTTP 500 after 4 attempts' };
    const { source } = scriptedSource((i) =>
      i <= 2 ? { 'request-count': down, 'p95-latency': down, 'error-rate': down } : healthy,
    );
    const result = await runEvaluation(plan(), { source, clock: new FakeClock() });
    expect(result.iterations[0]?.verdict).toBe('inconclusive');
    expect(result.verdict).toBe('pass');
  });

  it('reads the live version with the same template and window for relative objectives', async () => {
    const { source, queries } = scriptedSource((_i, version) =>
      version === 'live'
        ? { 'request-count': 100, 'p99-latency': 50 }
        : { 'request-count': 100, 'p99-latency': 59 },
    );
    const result = await runEvaluation(plan({ objectives: [relativeP99] }), {
      source,
      clock: new FakeClock(),
    });
    expect(result.verdict).toBe('pass');
    const last = result.iterations.at(-1);
    expect(last?.assessments[0]?.limit).toBeCloseTo(60);
    const windowsOf = (version: string) =>
      queries.filter((q) => q.version === version && q.metric.id === 'p99-latency').map((q) => q.window);
    expect(windowsOf('live')).toHaveLength(5);
    expect(windowsOf('live')).toEqual(windowsOf('dark'));
    const live = queries.filter((q) => q.version === 'live');
    expect(new Set(live.map((q) => q.metric.id))).toEqual(new Set(['request-count', 'p99-latency']));
  });

  it('fails a relative objective when dark is slower than live allows', async () => {
    const { source } = scriptedSource((_i, version) =>
      version === 'live'
        ? { 'request-count': 100, 'p99-latency': 50 }
        : { 'request-count': 100, 'p99-latency': 75 },
    );
    const result = await runEvaluation(plan({ objectives: [relativeP99] }), {
      source,
      clock: new FakeClock(),
    });
    expect(result.verdict).toBe('fail');
    expect(result.reason).toBe('p99-latency 75 ms, limit <= 60 ms');
  });

  it('is inconclusive for a relative objective when live has too little traffic', async () => {
    const { source } = scriptedSource((_i, version) =>
      version === 'live'
        ? { 'request-count': 2, 'p99-latency': 50 }
        : { 'request-count': 100, 'p99-latency': 55 },
    );
    const result = await runEvaluation(plan({ objectives: [relativeP99] }), {
      source,
      clock: new FakeClock(),
    });
    expect(result.verdict).toBe('inconclusive');
    expect(result.reason).toMatch(/live has 2 requests/);
  });

  it('ends inconclusive when aborted, keeping the iterations that ran', async () => {
    const controller = new AbortController();
    const { source } = scriptedSource(() => healthy);
    const result = await runEvaluation(plan(), {
      source,
      clock: new FakeClock(),
      signal: controller.signal,
      onIteration: (it) => {
        if (it.index === 2) controller.abort(new Error('SIGTERM'));
      },
    });
    expect(result.verdict).toBe('inconclusive');
    expect(result.stop).toEqual({ reason: 'aborted', detail: 'aborted before iteration 3: SIGTERM' });
    expect(result.iterations).toHaveLength(2);
  });

  it('rejects with the configuration error a source raises', async () => {
    const source: MetricsSource = {
      description: 'broken',
      read: async () => {
        throw new ConfigurationError('queries.p95-latency', 'Prometheus said bad_data');
      },
    };
    await expect(runEvaluation(plan(), { source, clock: new FakeClock() })).rejects.toBeInstanceOf(
      ConfigurationError,
    );
  });
});

import { describe, expect, it } from 'vitest';
import type { Evidence } from '../../../../src/core/evidence.js';
import type { Comparator, Objective } from '../../../../src/core/model.js';
import {
  classify,
  decideObjective,
  requestsToDecide,
} from '../../../../src/core/statistics/objective-decision.js';

function objective(
  text: string,
  kind: Objective['metric']['kind'],
  comparator: Comparator,
  limit: Objective['limit'],
  percentile?: number,
): Objective {
  const unit = kind === 'error-rate' ? 'ratio' : 'ms';
  return {
    text,
    metric: { id: text.split(' ')[0] as string, kind, unit, ...(percentile ? { percentile } : {}) },
    comparator,
    limit,
  };
}

const errorRate = objective('error-rate < 1%', 'error-rate', '<', { kind: 'absolute', value: 0.01 });
const p95 = (limit: number) =>
  objective(`p95-latency < ${limit}ms`, 'latency-percentile', '<', { kind: 'absolute', value: limit }, 95);
const counts = (events: number, trials: number): Evidence => ({ kind: 'counts', events, trials });
const histogram: Evidence = {
  kind: 'histogram',
  buckets: [
    { le: 50, count: 3_700 },
    { le: 100, count: 3_930 },
    { le: 250, count: 3_990 },
    { le: Number.POSITIVE_INFINITY, count: 4_000 },
  ],
  sum: 120_000,
};

describe('classify', () => {
  it.each([
    ['<', { low: -2, high: -1 }, 'met'],
    ['<', { low: 0, high: 3 }, 'breached'],
    ['<', { low: -1, high: 0 }, 'undecided'],
    ['<', { low: -1, high: 0, openHigh: true }, 'met'],
    ['<=', { low: -1, high: 0 }, 'met'],
    ['<=', { low: 0, high: 2 }, 'undecided'],
    ['<=', { low: 0, high: 2, openLow: true }, 'breached'],
    ['>', { low: 0, high: 2, openLow: true }, 'met'],
    ['>', { low: -3, high: 0 }, 'breached'],
    ['>=', { low: 0, high: 1 }, 'met'],
    ['>=', { low: -1, high: 0, openHigh: true }, 'breached'],
    ['<', { low: Number.NaN, high: 1 }, 'undecided'],
  ] as const)('%s with margin %o is %s', (comparator, margin, status) => {
    expect(classify(comparator, margin)).toBe(status);
  });
});

describe('decideObjective', () => {
  it('meets, breaches or leaves undecided an error rate by its interval', () => {
    const decide = (events: number, trials: number) =>
      decideObjective({
        objective: errorRate,
        dark: { value: events / trials, evidence: counts(events, trials) },
        alpha: 0.05,
      });
    expect(decide(0, 2_000).status).toBe('met');
    expect(decide(80, 4_000).status).toBe('breached');
    const undecided = decide(40, 4_000);
    expect(undecided.status).toBe('undecided');
    if (undecided.status === 'value-only') throw new Error('expected a bound');
    expect(undecided.bound).toMatchObject({ level: 0.95, method: 'beta-binomial mixture', paired: false });
  });

  it('decides a percentile on the histogram’s count at the limit when the limit is a bucket bound', () => {
    const decision = decideObjective({
      objective: p95(100),
      dark: { value: 80, evidence: histogram },
      alpha: 0.05,
    });
    expect(decision.status).toBe('met');
    if (decision.status === 'value-only') throw new Error('expected a bound');
    expect(decision.bound.assumptions).toEqual([]);
  });

  it('inside a bucket, decides only on its bounds, says so, and names the sharper limits', () => {
    const decision = decideObjective({
      objective: p95(120),
      dark: { value: 80, evidence: histogram },
      alpha: 0.05,
    });
    if (decision.status === 'value-only') throw new Error('expected a bound');
    expect(decision.status).toBe('met');
    expect(decision.bound.assumptions).toEqual([
      "the limit 120 ms is inside the bucket (100 ms, 250 ms]: decided on the bucket bounds, not on Prometheus's interpolation inside it; a limit at a bucket bound (100 ms or 250 ms) is sharper",
    ]);
  });

  it('bounds a mean from a histogram with the widest spread its buckets allow, and none past +Inf', () => {
    const mean = objective('mean-latency < 50ms', 'mean-latency', '<', { kind: 'absolute', value: 50 });
    const decision = decideObjective({
      objective: mean,
      dark: { value: 30, evidence: histogram },
      alpha: 0.05,
    });
    if (decision.status === 'value-only') throw new Error('expected a bound');
    expect(decision.status).toBe('undecided');
    expect(decision.bound.assumptions.at(-1)).toBe(
      '10 requests above the largest bucket bound (250 ms) leave the spread unknown',
    );
    expect(decision.bound.estimate.high).toBe(Number.POSITIVE_INFINITY);
  });

  it('without evidence (a custom query), decides nothing and says why', () => {
    expect(decideObjective({ objective: errorRate, dark: { value: 0.001 }, alpha: 0.05 })).toEqual({
      status: 'value-only',
      reason: 'the source gave error-rate as a value only, with no counts or histogram',
    });
  });

  it('bounds both versions of an unpaired relative objective at α/2 each', () => {
    const relative = objective('error-rate <= live + 0.5pp', 'error-rate', '<=', {
      kind: 'relative',
      scale: 1,
      offset: 0.005,
    });
    const decision = decideObjective({
      objective: relative,
      dark: { value: 0.02, evidence: counts(200, 10_000) },
      live: { value: 0.005, evidence: counts(50, 10_000) },
      alpha: 0.05,
    });
    if (decision.status === 'value-only') throw new Error('expected a bound');
    expect(decision.status).toBe('breached');
    expect(decision.bound.level).toBe(0.975);
    expect(decision.bound.limit.low).toBeGreaterThan(0.005);
  });

  it('pairs versions measured on the same requests, which cancels what they share', () => {
    const relative = objective('error-rate <= live + 1pp', 'error-rate', '<=', {
      kind: 'relative',
      scale: 1,
      offset: 0.01,
    });
    // Both fail the same 5% of requests and no other.
    const outcomes = Uint8Array.from({ length: 2_000 }, (_, i) => (i % 20 === 0 ? 1 : 0));
    const paired = (pairing: string | undefined): Evidence => ({
      kind: 'counts',
      events: 100,
      trials: 2_000,
      outcomes,
      ...(pairing ? { pairing } : {}),
    });
    const input = (pairing?: string) => ({
      objective: relative,
      dark: { value: 0.05, evidence: paired(pairing) },
      live: { value: 0.05, evidence: paired(pairing) },
      alpha: 0.05,
    });
    const withPairs = decideObjective(input('window 1'));
    const without = decideObjective(input());
    if (withPairs.status === 'value-only' || without.status === 'value-only')
      throw new Error('expected bounds');
    expect(withPairs.bound.paired).toBe(true);
    expect(withPairs.status).toBe('met');
    expect(without.status).toBe('undecided');
  });
});

describe('requestsToDecide', () => {
  it('projects about how many more requests would settle an estimate that holds', () => {
    const input = { objective: errorRate, dark: { value: 0, evidence: counts(0, 300) }, alpha: 0.05 };
    const more = requestsToDecide(input) as number;
    expect(more).toBeGreaterThan(100);
    expect(more).toBeLessThan(300);
    const settled = { ...input, dark: { value: 0, evidence: counts(0, 300 + more) } };
    expect(decideObjective(settled).status).toBe('met');
  });

  it('has no number for an estimate on the limit', () => {
    expect(
      requestsToDecide({
        objective: errorRate,
        dark: { value: 0.01, evidence: counts(40, 4_000) },
        alpha: 0.05,
      }),
    ).toBeUndefined();
  });
});

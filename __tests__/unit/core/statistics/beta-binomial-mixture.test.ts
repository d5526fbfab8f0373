import { describe, expect, it } from 'vitest';
import {
  binomialAcceptance,
  logMixtureRatio,
  priorAround,
  proportionInterval,
} from '../../../../src/core/statistics/beta-binomial-mixture.js';

describe('proportionInterval (beta-binomial mixture confidence sequence)', () => {
  const prior = priorAround(0.01, 0.05);

  it('holds the estimate and narrows as requests grow', () => {
    const widths = [400, 4_000, 40_000].map((n) => {
      const interval = proportionInterval(n / 100, n, 0.05, prior);
      expect(interval.low).toBeLessThan(0.01);
      expect(interval.high).toBeGreaterThan(0.01);
      return interval.high - interval.low;
    });
    expect(widths[1]).toBeLessThan((widths[0] as number) / 2.5);
    expect(widths[2]).toBeLessThan((widths[1] as number) / 2.5);
  });

  it('ends exactly where the mixture martingale reaches 1/α', () => {
    const { low, high } = proportionInterval(40, 4_000, 0.05, prior);
    for (const end of [low, high]) {
      expect(logMixtureRatio(40, 4_000, end, prior)).toBeCloseTo(Math.log(20), 6);
    }
  });

  it('cannot show an error rate under 1% from the tutorial’s 80 requests without errors, but can from about 500', () => {
    expect(proportionInterval(0, 80, 0.05, prior).high).toBeGreaterThan(0.04);
    expect(proportionInterval(0, 300, 0.05, prior).high).toBeGreaterThan(0.01);
    expect(proportionInterval(0, 500, 0.05, prior).high).toBeLessThan(0.01);
    expect(proportionInterval(0, 500, 0.05, prior).low).toBe(0);
    expect(proportionInterval(7, 7, 0.05, prior).high).toBe(1);
  });

  it('is wider at a higher confidence', () => {
    const at95 = proportionInterval(40, 4_000, 0.05, priorAround(0.01, 0.05));
    const at99 = proportionInterval(40, 4_000, 0.01, priorAround(0.01, 0.01));
    expect(at99.low).toBeLessThan(at95.low);
    expect(at99.high).toBeGreaterThan(at95.high);
  });
});

describe('binomialAcceptance', () => {
  it('brackets n·p, and leaves a side unbounded while the count cannot reach it', () => {
    const region = binomialAcceptance(4_000, 0.95, 0.05);
    expect(region.low).toBeLessThan(3_800);
    expect(region.high).toBeGreaterThan(3_800);
    expect(region.high).toBeLessThan(4_000);
    // Ten requests: no count can rule out p = 0.95 from above.
    expect(binomialAcceptance(10, 0.95, 0.05).high).toBe(11);
  });
});

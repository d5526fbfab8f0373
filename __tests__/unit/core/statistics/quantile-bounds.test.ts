import { describe, expect, it } from 'vitest';
import {
  bucketedSample,
  quantileInterval,
  scaledRanks,
  sortedSample,
} from '../../../../src/core/statistics/quantile-bounds.js';

const sorted = Float64Array.from({ length: 1000 }, (_, i) => i + 1);

describe('quantileInterval', () => {
  it('brackets the percentile of raw samples with order statistics, the upper end open', () => {
    const interval = quantileInterval(sortedSample(sorted), 0.95, 0.05);
    expect(interval.low).toBeLessThan(950);
    expect(interval.high).toBeGreaterThan(950);
    expect(Number.isInteger(interval.low) && Number.isInteger(interval.high)).toBe(true);
    expect(interval.openHigh).toBe(true);
    expect(interval.openLow).toBeUndefined();
  });

  it('with a histogram, gives only bucket bounds, both ends open', () => {
    const buckets = [
      { le: 25, count: 600 },
      { le: 50, count: 900 },
      { le: 100, count: 960 },
      { le: 250, count: 1000 },
      { le: Number.POSITIVE_INFINITY, count: 1000 },
    ];
    expect(quantileInterval(bucketedSample(buckets), 0.95, 0.05)).toEqual({
      low: 50,
      high: 250,
      openLow: true,
      openHigh: true,
    });
  });

  it('is unbounded above while too few requests exist to place the percentile', () => {
    expect(quantileInterval(sortedSample(sorted.subarray(0, 20)), 0.99, 0.05).high).toBe(
      Number.POSITIVE_INFINITY,
    );
  });

  it('over a scaled sample narrows, as more of the same requests would', () => {
    const values = sortedSample(sorted);
    const now = quantileInterval(values, 0.95, 0.05);
    const later = quantileInterval(scaledRanks(values, 10), 0.95, 0.05);
    expect(later.high - later.low).toBeLessThan((now.high - now.low) / 2);
  });
});

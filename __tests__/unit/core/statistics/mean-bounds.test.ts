import { describe, expect, it } from 'vitest';
import { boundedMeanInterval } from '../../../../src/core/statistics/bounded-mean-bounds.js';
import { meanInterval } from '../../../../src/core/statistics/mean-bounds.js';
import { seededRandom } from '../../../support/simulated-requests.js';

describe('meanInterval (asymptotic confidence sequence)', () => {
  it('is centred on the mean, widens with the spread and narrows with the count', () => {
    const small = meanInterval(100, 50, 10, 0.05);
    expect((small.low + small.high) / 2).toBeCloseTo(50, 9);
    expect(meanInterval(100, 50, 20, 0.05).high - 50).toBeCloseTo(2 * (small.high - 50), 9);
    expect(meanInterval(10_000, 50, 10, 0.05).high).toBeLessThan(small.high);
  });

  it('sets no bound from one request or an unknown spread', () => {
    expect(meanInterval(1, 50, 10, 0.05).high).toBe(Number.POSITIVE_INFINITY);
    expect(meanInterval(500, 50, Number.POSITIVE_INFINITY, 0.05).low).toBe(Number.NEGATIVE_INFINITY);
  });
});

describe('boundedMeanInterval (predictable plug-in empirical Bernstein)', () => {
  it('covers the mean of [0, 1] values at every prefix of a run in nearly every run', () => {
    const random = seededRandom(7);
    let missed = 0;
    const runs = 200;
    for (let run = 0; run < runs; run++) {
      const values = Float64Array.from({ length: 2_000 }, () => (random() < 0.3 ? 1 : 0));
      const everyLook = [100, 500, 1_000, 2_000].map((n) => boundedMeanInterval(values.subarray(0, n), 0.05));
      if (everyLook.some(({ low, high }) => low > 0.3 || high < 0.3)) missed++;
    }
    expect(missed / runs).toBeLessThanOrEqual(0.05);
  });

  it('stays inside [0, 1] and narrows with more values', () => {
    const values = Float64Array.from({ length: 4_000 }, (_, i) => (i % 10 === 0 ? 1 : 0));
    const early = boundedMeanInterval(values.subarray(0, 200), 0.05);
    const late = boundedMeanInterval(values, 0.05);
    expect(early.low).toBeGreaterThanOrEqual(0);
    expect(late.high - late.low).toBeLessThan(early.high - early.low);
    expect(late.low).toBeLessThan(0.1);
    expect(late.high).toBeGreaterThan(0.1);
  });
});

import { describe, expect, it } from 'vitest';
import { backoffDelayMs } from '../../../src/metrics/backoff.js';

describe('backoffDelayMs', () => {
  const policy = { baseMs: 500, maxMs: 4_000 };

  it('doubles from the base up to the cap, between half and all of it', () => {
    expect([1, 2, 3, 4, 5].map((retry) => backoffDelayMs(policy, retry, () => 0))).toEqual([
      250, 500, 1000, 2000, 2000,
    ]);
    expect([1, 2, 3, 4, 5].map((retry) => backoffDelayMs(policy, retry, () => 0.999_999))).toEqual([
      500, 1000, 2000, 4000, 4000,
    ]);
  });

  it('spreads retries with the jitter', () => {
    expect(backoffDelayMs(policy, 2, () => 0.5)).toBe(750);
  });
});

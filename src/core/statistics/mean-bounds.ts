import type { Interval } from './interval.js';
import { TUNED_FOR_REQUESTS } from './tuning.js';

/**
 * An asymptotic confidence sequence for a mean (Waudby-Smith, Arnold, Wu, Wang, Ramdas, "Time-uniform central
 * limit theory and asymptotic confidence sequences", 2021+): the Gaussian-mixture boundary of Robbins with the
 * running standard deviation plugged in,
 *
 *   mean ± sd · sqrt(2(nρ² + 1) / (n²ρ²) · ln(sqrt(nρ² + 1) / α)),
 *
 * with ρ² tuned so it is tightest near TUNED_FOR_REQUESTS. Assumes independent requests from one distribution
 * with a finite variance (a little more than two moments); the guarantee holds as the sample grows, so it is
 * approximate for small samples and for very heavy tails. `sd` may be an upper bound on the spread, which
 * only widens the interval.
 */
export function meanInterval(count: number, mean: number, sd: number, alpha: number): Interval {
  if (count <= 1 || !Number.isFinite(sd)) {
    return { low: Number.NEGATIVE_INFINITY, high: Number.POSITIVE_INFINITY };
  }
  const half = sd * unitMargin(count, alpha);
  return { low: mean - half, high: mean + half };
}

function unitMargin(n: number, alpha: number): number {
  const twice = -2 * Math.log(alpha);
  const rho2 = (twice + Math.log(1 + twice)) / TUNED_FOR_REQUESTS;
  const v = n * rho2 + 1;
  return Math.sqrt(((2 * v) / (n * n * rho2)) * Math.log(Math.sqrt(v) / alpha));
}

import { binomialAcceptance } from './beta-binomial-mixture.js';
import type { Interval } from './interval.js';

/**
 * Where the values of a sample lie, by rank: what a count of requests at or below a value proves about it.
 * Raw samples know every value; a histogram knows only its bucket bounds.
 */
export interface RankedValues {
  readonly count: number;
  /** A value v with: at least `rank` requests at or below q ⇒ q ≥ v (q > v where `strictLower`). */
  lowerAt(rank: number): number;
  /** A value v with: at most `rank` requests at or below q ⇒ q < v (+Infinity when nothing bounds it). */
  upperAt(rank: number): number;
  /** A histogram's lower bound is a bucket bound the quantile lies strictly above. */
  readonly strictLower: boolean;
}

/**
 * A time-uniform confidence sequence for the p-quantile (Howard & Ramdas 2022, with a beta-binomial boundary):
 * for a continuous distribution the number of requests at or below the true quantile is Binomial(n, p) at
 * every n, so it stays inside the acceptance region of `binomialAcceptance` with probability 1 − α at every
 * look, and the order statistics (or bucket bounds) at the region's ends bracket the quantile.
 */
export function quantileInterval(values: RankedValues, p: number, alpha: number): Interval {
  const n = values.count;
  if (n <= 0) return { low: 0, high: Number.POSITIVE_INFINITY };
  const counts = binomialAcceptance(n, p, alpha);
  const atLeast = Math.floor(counts.low) + 1;
  const atMost = Math.ceil(counts.high) - 1;
  const low = atLeast <= 0 ? 0 : values.lowerAt(atLeast);
  const high = atMost >= n ? Number.POSITIVE_INFINITY : values.upperAt(atMost);
  return { low, high, openHigh: true, ...(values.strictLower && atLeast > 0 ? { openLow: true } : {}) };
}

/** Raw values, sorted ascending. The lower bound is the `rank`-th smallest, the upper the next above `rank`. */
export function sortedSample(sorted: ArrayLike<number>): RankedValues {
  const n = sorted.length;
  const at = (rank: number) => sorted[Math.min(n, Math.max(1, rank)) - 1] as number;
  return {
    count: n,
    strictLower: false,
    lowerAt: (rank) => at(rank),
    upperAt: (rank) => (rank + 1 > n ? Number.POSITIVE_INFINITY : at(rank + 1)),
  };
}

/**
 * Cumulative bucket counts (ascending upper bounds, the last +Infinity). A quantile with at least `rank`
 * requests at or below it lies above the bound of the last bucket holding fewer; one with at most `rank` lies
 * below the bound of the first bucket holding more. Nothing inside a bucket is assumed.
 */
export function bucketedSample(
  buckets: readonly { readonly le: number; readonly count: number }[],
): RankedValues {
  const count = buckets.at(-1)?.count ?? 0;
  return {
    count,
    strictLower: true,
    lowerAt(rank) {
      let bound = 0;
      for (const bucket of buckets) {
        if (bucket.count >= rank) return bound;
        bound = bucket.le;
      }
      return bound;
    },
    upperAt(rank) {
      for (const bucket of buckets) if (bucket.count > rank) return bucket.le;
      return Number.POSITIVE_INFINITY;
    },
  };
}

/** The same distribution seen over `factor` times as many requests: for projecting what more data would show. */
export function scaledRanks(values: RankedValues, factor: number): RankedValues {
  return {
    count: Math.round(values.count * factor),
    strictLower: values.strictLower,
    lowerAt: (rank) => values.lowerAt(Math.ceil(rank / factor)),
    upperAt: (rank) => values.upperAt(Math.floor(rank / factor)),
  };
}

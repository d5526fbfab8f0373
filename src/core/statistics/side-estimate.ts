import type { Evidence, HistogramBucket } from '../evidence.js';
import { formatValue } from '../format-value.js';
import type { MetricSpec } from '../model.js';
import { type BetaPrior, priorAround, proportionInterval } from './beta-binomial-mixture.js';
import type { Interval } from './interval.js';
import { meanInterval } from './mean-bounds.js';
import {
  bucketedSample,
  quantileInterval,
  type RankedValues,
  scaledRanks,
  sortedSample,
} from './quantile-bounds.js';

/**
 * One version's evidence for one metric, reduced to what its confidence sequence needs. `scaled` is the same
 * distribution over `factor` times as many requests, to project how many more would settle a decision.
 */
export interface SideEstimate {
  /** Requests behind the estimate. */
  readonly count: number;
  /** Which bound it is, for the report. */
  readonly method: string;
  /** What the bound assumes beyond independent requests, and where it is coarser than it could be. */
  readonly assumptions: readonly string[];
  interval(alpha: number): Interval;
  scaled(factor: number): SideEstimate;
}

/**
 * The estimate for `metric` from `evidence`, or why there is none (a custom query has no evidence a bound
 * could use). `priorCenter` is where a proportion's prior sits: the limit, when it is absolute.
 */
export function sideEstimate(
  metric: MetricSpec,
  evidence: Evidence | undefined,
  priorCenter: number,
): SideEstimate | string {
  if (evidence === undefined)
    return `the source gave ${metric.id} as a value only, with no counts or histogram`;
  if (evidence.kind === 'counts') return proportionEstimate(evidence.events, evidence.trials, priorCenter);
  if (metric.kind === 'latency-percentile' && metric.percentile !== undefined) {
    const p = metric.percentile / 100;
    if (evidence.kind === 'samples') {
      const sorted = evidence.sorted ?? answered(evidence.values).sort();
      return quantileEstimate(sortedSample(sorted), p, 'order statistics');
    }
    return quantileEstimate(bucketedSample(evidence.buckets), p, 'bucket bounds');
  }
  if (metric.kind === 'mean-latency') {
    if (evidence.kind === 'samples') {
      const { count, mean, sd } = moments(evidence.values);
      return meanEstimate(count, mean, sd, []);
    }
    return histogramMean(evidence.buckets, evidence.sum);
  }
  return `${metric.id} has ${evidence.kind} evidence, which no bound here reads`;
}

/** The latencies of requests that got a response (NaN marks one that did not, to keep pairs aligned). */
export function answered(values: ArrayLike<number>): Float64Array {
  const kept: number[] = [];
  for (let i = 0; i < values.length; i++) {
    const value = values[i] as number;
    if (Number.isFinite(value)) kept.push(value);
  }
  return Float64Array.from(kept);
}

/** Count, mean and sample standard deviation of the finite values, in one pass (Welford). */
export function moments(values: ArrayLike<number>): { count: number; mean: number; sd: number } {
  let count = 0;
  let mean = 0;
  let squares = 0;
  for (let i = 0; i < values.length; i++) {
    const value = values[i] as number;
    if (!Number.isFinite(value)) continue;
    count++;
    const step = value - mean;
    mean += step / count;
    squares += step * (value - mean);
  }
  return {
    count,
    mean: count > 0 ? mean : Number.NaN,
    sd: count > 1 ? Math.sqrt(squares / (count - 1)) : Number.POSITIVE_INFINITY,
  };
}

function proportionEstimate(events: number, trials: number, priorCenter: number): SideEstimate {
  // Prometheus's increase() extrapolates to the window's edges, so its counts need not be whole.
  const n = Math.max(0, Math.round(trials));
  const k = Math.min(n, Math.max(0, Math.round(events)));
  const priors = new Map<number, BetaPrior>();
  return {
    count: n,
    method: 'beta-binomial mixture',
    assumptions: [],
    interval(alpha) {
      let prior = priors.get(alpha);
      if (!prior) {
        prior = priorAround(priorCenter, alpha);
        priors.set(alpha, prior);
      }
      return proportionInterval(k, n, alpha, prior);
    },
    scaled: (factor) => proportionEstimate(k * factor, n * factor, priorCenter),
  };
}

function quantileEstimate(values: RankedValues, p: number, by: string): SideEstimate {
  return {
    count: values.count,
    method: `quantile confidence sequence (${by})`,
    assumptions: [],
    interval: (alpha) => quantileInterval(values, p, alpha),
    scaled: (factor) => quantileEstimate(scaledRanks(values, factor), p, by),
  };
}

function meanEstimate(count: number, mean: number, sd: number, assumptions: readonly string[]): SideEstimate {
  return {
    count,
    method: 'asymptotic confidence sequence',
    assumptions: [
      'asymptotic: assumes independent requests with a finite variance, so it is approximate for small samples',
      ...assumptions,
    ],
    interval: (alpha) => meanInterval(count, mean, sd, alpha),
    scaled: (factor) => meanEstimate(Math.round(count * factor), mean, sd, assumptions),
  };
}

/**
 * A histogram knows the mean exactly (sum / count) but the spread only to within its buckets: the largest
 * variance the bucket counts allow, each request at the bucket edge farther from the mean, bounds it. Requests
 * in the +Inf bucket leave the spread unbounded.
 */
function histogramMean(buckets: readonly HistogramBucket[], sum: number | undefined): SideEstimate | string {
  const count = buckets.at(-1)?.count ?? 0;
  if (sum === undefined) return 'the source gave the latency buckets without their sum';
  const mean = count > 0 ? sum / count : Number.NaN;
  let bound = 0;
  let lower = 0;
  let previous = 0;
  for (const bucket of buckets) {
    const inBucket = bucket.count - previous;
    previous = bucket.count;
    if (inBucket > 0) {
      if (!Number.isFinite(bucket.le)) {
        const top = formatValue(lower, 'ms');
        return meanEstimate(count, mean, Number.POSITIVE_INFINITY, [
          `${formatValue(inBucket, 'count')} requests above the largest bucket bound (${top}) leave the spread unknown`,
        ]);
      }
      bound += inBucket * Math.max((lower - mean) ** 2, (bucket.le - mean) ** 2);
    }
    lower = bucket.le;
  }
  const sd = count > 1 ? Math.sqrt(bound / (count - 1)) : Number.POSITIVE_INFINITY;
  return meanEstimate(count, mean, sd, [
    'the spread is bounded by the bucket bounds, which widens the interval',
  ]);
}

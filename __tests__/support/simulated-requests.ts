import type { HistogramBucket } from '../../src/core/evidence.js';
import type { MetricQuery, MetricReading, MetricsSource } from '../../src/core/metrics-source.js';
import type { TimeWindow, Version } from '../../src/core/model.js';

/** A seeded uniform generator in [0, 1) (mulberry32), so a Monte Carlo run is the same on every machine. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** How one version answers: each request fails with `errorRate`, and takes `latency(u)` ms for uniform u. */
export interface VersionTruth {
  readonly errorRate: number;
  readonly latency: (uniform: number) => number;
}

/** Latencies with a given p-quantile: exponential, scaled so that its `percentile` is `at` ms. */
export function exponentialLatency(percentile: number, at: number): (uniform: number) => number {
  const rate = -Math.log(1 - percentile / 100) / at;
  return (u) => -Math.log(1 - u) / rate;
}

/** Istio's default request-duration buckets, in ms. */
export const ISTIO_BUCKETS_MS = [
  0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000, 1800000,
  3600000,
];

/**
 * A metrics source over simulated mirrored requests: `perSecond` requests a second reach both versions, each
 * answered independently from its truth. It reads back like Prometheus (`histogram`: error and request counts,
 * Istio buckets and sums) or like Shadowgate's own proxy (`samples`: per-request outcomes and latencies, paired).
 * Requests are drawn lazily as windows grow, so a run costs only the requests it looks at.
 */
export class SimulatedRequests implements MetricsSource {
  readonly description: string;
  private readonly random: () => number;
  private readonly start: number;
  private readonly sides: Record<Version, SideLog>;

  constructor(
    private readonly truth: { readonly dark: VersionTruth; readonly live: VersionTruth },
    options: {
      readonly perSecond: number;
      readonly seed: number;
      readonly start: number;
      readonly as: 'histogram' | 'samples';
      /**
       * Mirrored traffic's usual case: a request that fails on one version fails on the other too when it can
       * (a malformed request, a bad dependency), so the worse version's failures include the better one's.
       * Without it, the versions fail independently.
       */
      readonly sharedFaults?: boolean;
    },
  ) {
    this.random = seededRandom(options.seed);
    this.start = options.start;
    this.perSecond = options.perSecond;
    this.as = options.as;
    this.description = `simulated (${options.as})`;
    this.sides = { dark: new SideLog(), live: new SideLog() };
    this.sharedFaults = options.sharedFaults ?? false;
  }

  private readonly sharedFaults: boolean;
  private readonly faultDraws: number[] = [];

  private readonly perSecond: number;
  private readonly as: 'histogram' | 'samples';

  async read({ metric, version, window }: MetricQuery): Promise<MetricReading> {
    const n = this.drawUntil(window);
    const side = this.sides[version];
    if (n === 0) return { status: 'no-data', reason: 'no requests' };
    const pairing = this.as === 'samples' ? { pairing: `simulated ${n}` } : {};
    switch (metric.kind) {
      case 'request-count':
        return { status: 'ok', value: n };
      case 'error-rate': {
        const events = side.errors(n);
        const outcomes = this.as === 'samples' ? { outcomes: side.outcomes.subarray(0, n) } : {};
        return {
          status: 'ok',
          value: events / n,
          evidence: { kind: 'counts', events, trials: n, ...outcomes, ...pairing },
        };
      }
      case 'mean-latency':
      case 'latency-percentile': {
        const percentile = metric.percentile ?? 50;
        if (this.as === 'samples') {
          const values = side.latencies.subarray(0, n);
          const value = metric.kind === 'mean-latency' ? side.sum(n) / n : nearest(values, percentile);
          return { status: 'ok', value, evidence: { kind: 'samples', values, ...pairing } };
        }
        const buckets = side.buckets(n);
        // The bucket bound at the percentile's rank: the value matters to no decision, only to reports.
        const rank = (percentile / 100) * n;
        const value =
          metric.kind === 'mean-latency'
            ? side.sum(n) / n
            : (buckets.find((b) => b.count >= rank)?.le ?? Number.NaN);
        return { status: 'ok', value, evidence: { kind: 'histogram', buckets, sum: side.sum(n) } };
      }
      case 'response-mismatch-rate':
      case 'custom':
        return { status: 'no-data', reason: 'not simulated' };
    }
  }

  /** Draws requests up to the window's end; returns how many the window holds. */
  private drawUntil(window: TimeWindow): number {
    const n = Math.floor(((window.end - this.start) / 1000) * this.perSecond);
    if (this.sharedFaults) while (this.faultDraws.length < n) this.faultDraws.push(this.random());
    for (const version of ['dark', 'live'] as const) {
      const truth = this.truth[version];
      const draw = (i: number) => (this.sharedFaults ? (this.faultDraws[i] as number) : this.random());
      this.sides[version].fill(
        n,
        (i) => draw(i) < truth.errorRate,
        () => truth.latency(this.random()),
      );
    }
    return n;
  }
}

function nearest(values: Float64Array, percentile: number): number {
  const sorted = Float64Array.from(values).sort();
  return sorted[
    Math.min(sorted.length, Math.max(1, Math.ceil((percentile / 100) * sorted.length))) - 1
  ] as number;
}

/** One version's requests so far, with running counts so a look at n requests is cheap. */
class SideLog {
  outcomes = new Uint8Array(1024);
  latencies = new Float64Array(1024);
  private length = 0;
  private errorTotals: number[] = [0];
  private sums: number[] = [0];
  private bucketTotals: number[][] = [ISTIO_BUCKETS_MS.map(() => 0).concat(0)];

  fill(n: number, fails: (index: number) => boolean, latency: () => number): void {
    if (n <= this.length) return;
    if (n > this.outcomes.length) {
      const size = Math.max(n, this.outcomes.length * 2);
      const outcomes = new Uint8Array(size);
      outcomes.set(this.outcomes);
      const latencies = new Float64Array(size);
      latencies.set(this.latencies);
      this.outcomes = outcomes;
      this.latencies = latencies;
    }
    let errors = this.errorTotals.at(-1) as number;
    let sum = this.sums.at(-1) as number;
    const buckets = [...(this.bucketTotals.at(-1) as number[])];
    for (let i = this.length; i < n; i++) {
      const failed = fails(i);
      const ms = latency();
      this.outcomes[i] = failed ? 1 : 0;
      this.latencies[i] = ms;
      errors += failed ? 1 : 0;
      sum += ms;
      let bucket = 0;
      while (bucket < ISTIO_BUCKETS_MS.length && ms > (ISTIO_BUCKETS_MS[bucket] as number)) bucket++;
      buckets[bucket] = (buckets[bucket] as number) + 1;
    }
    this.length = n;
    this.errorTotals[n] = errors;
    this.sums[n] = sum;
    this.bucketTotals[n] = buckets;
  }

  errors(n: number): number {
    return this.errorTotals[n] as number;
  }

  sum(n: number): number {
    return this.sums[n] as number;
  }

  buckets(n: number): HistogramBucket[] {
    const perBucket = this.bucketTotals[n] as number[];
    let cumulative = 0;
    return [...ISTIO_BUCKETS_MS, Number.POSITIVE_INFINITY].map((le, i) => {
      cumulative += perBucket[i] as number;
      return { le, count: cumulative };
    });
  }
}

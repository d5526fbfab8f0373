import { build, type Histogram } from 'hdr-histogram-js';

/** Percentiles of a latency distribution, in milliseconds. */
export interface LatencySummary {
  readonly count: number;
  readonly meanMs: number;
  readonly p50Ms: number;
  readonly p90Ms: number;
  readonly p99Ms: number;
  readonly p999Ms: number;
  readonly maxMs: number;
}

/**
 * An HDR histogram of latencies, recorded in microseconds with 3 significant digits (values are kept within
 * 0.1%), from 1 µs to an hour. Constant memory and O(1) recording, whatever the number of requests.
 */
export class LatencyHistogram {
  private readonly histogram: Histogram = build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 3_600_000_000,
    numberOfSignificantValueDigits: 3,
    autoResize: false,
    useWebAssembly: false,
  });

  record(latencyMs: number): void {
    this.histogram.recordValue(Math.min(3_600_000_000, Math.max(1, Math.round(latencyMs * 1000))));
  }

  summary(): LatencySummary {
    const h = this.histogram;
    const at = (percentile: number) => h.getValueAtPercentile(percentile) / 1000;
    return {
      count: h.totalCount,
      meanMs: h.totalCount === 0 ? Number.NaN : h.mean / 1000,
      p50Ms: at(50),
      p90Ms: at(90),
      p99Ms: at(99),
      p999Ms: at(99.9),
      maxMs: h.maxValue / 1000,
    };
  }
}

import type { MetricQuery, MetricReading, MetricsSource } from '../core/metrics-source.js';
import {
  type ComparisonSample,
  MISMATCHED,
  type MirroredExchanges,
  NOT_COMPARED,
  type SideSample,
} from '../core/mirrored-exchanges.js';
import type { TimeWindow, Version } from '../core/model.js';

/**
 * Reads the plan's metrics from what Shadowgate's mirroring proxy measured. Both versions are read over the
 * same mirrored requests (dark's answers and live's answers to them), so relative objectives compare paired
 * samples. Percentiles are exact (nearest rank over every response), not interpolated within buckets.
 *
 * - `request-count`: mirrored requests whose both answers completed in the window;
 * - `error-rate`: the share answered 5xx or not at all (connection error, timeout); `non-2xx-rate`: the share
 *   answered anything but 2xx, or not at all;
 * - `mean-latency`, `pNN-latency`: over the requests that got a response, whatever its status;
 * - `response-mismatch-rate`: the share of compared requests whose dark answer differed from live's (for live: whose
 *   live replica's answer did); requests not compared are not trials.
 *
 * Each reading carries its evidence (the per-request errors, latencies or mismatches), paired between the versions.
 */
export class BuiltinSource implements MetricsSource {
  readonly description = 'builtin (measured by the mirroring proxy)';
  private readonly sorted = new Map<Version, { readonly window: string; readonly latencies: Float64Array }>();

  constructor(private readonly exchanges: MirroredExchanges) {}

  async read({ metric, version, window }: MetricQuery): Promise<MetricReading> {
    const sample = this.exchanges.within(window);
    const side = version === 'live' ? sample.live : sample.dark;
    switch (metric.kind) {
      case 'request-count':
        return { status: 'ok', value: sample.count };
      case 'error-rate': {
        if (sample.count === 0) return noRequests(version);
        const outcomes = errorOutcomes(side, metric.errors === 'non-2xx' ? isNot2xx : isServerError);
        const events = outcomes.reduce((sum, outcome) => sum + outcome, 0);
        return {
          status: 'ok',
          value: events / sample.count,
          evidence: { kind: 'counts', events, trials: sample.count, outcomes, pairing: pairingOf(window) },
        };
      }
      case 'mean-latency':
      case 'latency-percentile': {
        const sorted = this.sortedLatencies(side, version, window);
        if (sorted.length === 0) {
          return sample.count === 0
            ? noRequests(version)
            : { status: 'no-data', reason: `no ${version} request got a response in the window` };
        }
        const value =
          metric.kind === 'mean-latency'
            ? mean(sorted)
            : nearestRank(sorted, metric.percentile ?? Number.NaN);
        return {
          status: 'ok',
          value,
          evidence: {
            kind: 'samples',
            values: answeredLatencies(side),
            sorted,
            pairing: pairingOf(window),
          },
        };
      }
      case 'response-mismatch-rate':
        return mismatchReading(sample.comparison, version, window);
      case 'custom':
        return {
          status: 'no-data',
          reason: `the builtin source measures latency, error-rate, request-count and response-mismatch-rate, not ${metric.id}`,
        };
    }
  }

  /** Latencies of the requests that got a response, sorted; kept for the other metrics of the same iteration. */
  private sortedLatencies(side: SideSample, version: Version, window: TimeWindow): Float64Array {
    const key = `${window.start} ${window.end}`;
    const cached = this.sorted.get(version);
    if (cached?.window === key) return cached.latencies;
    const answered: number[] = [];
    for (let i = 0; i < side.statuses.length; i++) {
      if (side.statuses[i] !== 0) answered.push(side.latenciesMs[i] as number);
    }
    const latencies = Float64Array.from(answered).sort();
    this.sorted.set(version, { window: key, latencies });
    return latencies;
  }
}

function mismatchReading(
  comparison: ComparisonSample | undefined,
  version: Version,
  window: TimeWindow,
): MetricReading {
  if (!comparison) return { status: 'no-data', reason: 'the mirroring proxy does not compare responses' };
  const column = version === 'dark' ? comparison.dark : comparison.live;
  if (!column) {
    return {
      status: 'no-data',
      reason:
        "live's response-mismatch-rate is how often two copies of live disagree: configure traffic.liveReplica (live-replica-command or live-replica-url)",
    };
  }
  const outcomes = comparedOutcomes(column);
  if (outcomes.length === 0) {
    return {
      status: 'no-data',
      reason: `no mirrored request's ${version === 'dark' ? 'dark' : 'live replica'} answer was compared in the window`,
    };
  }
  const events = outcomes.reduce((sum, outcome) => sum + outcome, 0);
  // Paired only when both columns compared exactly the same requests, so index i is one request in both.
  const paired = comparison.live !== undefined && sameCompared(comparison.dark, comparison.live);
  return {
    status: 'ok',
    value: events / outcomes.length,
    evidence: {
      kind: 'counts',
      events,
      trials: outcomes.length,
      outcomes,
      ...(paired ? { pairing: `builtin comparison ${window.start}-${window.end}` } : {}),
    },
  };
}

/** 1 per mismatched and 0 per matched request, in arrival order; requests not compared are left out. */
function comparedOutcomes(column: ArrayLike<number>): Uint8Array {
  let compared = 0;
  for (let i = 0; i < column.length; i++) if (column[i] !== NOT_COMPARED) compared++;
  const outcomes = new Uint8Array(compared);
  let next = 0;
  for (let i = 0; i < column.length; i++) {
    if (column[i] === NOT_COMPARED) continue;
    outcomes[next++] = column[i] === MISMATCHED ? 1 : 0;
  }
  return outcomes;
}

function sameCompared(dark: ArrayLike<number>, live: ArrayLike<number>): boolean {
  for (let i = 0; i < dark.length; i++) {
    if ((dark[i] === NOT_COMPARED) !== (live[i] === NOT_COMPARED)) return false;
  }
  return true;
}

function noRequests(version: Version): MetricReading {
  return { status: 'no-data', reason: `no mirrored request to ${version} completed in the window` };
}

/** `status` 0 is no response at all, an error either way. */
const isServerError = (status: number) => status === 0 || status >= 500;
const isNot2xx = (status: number) => status < 200 || status >= 300;

/** Per request, 1 for an error as `isError` counts them. */
function errorOutcomes({ statuses }: SideSample, isError: (status: number) => boolean): Uint8Array {
  const outcomes = new Uint8Array(statuses.length);
  for (let i = 0; i < statuses.length; i++) {
    if (isError(statuses[i] as number)) outcomes[i] = 1;
  }
  return outcomes;
}

/** Per request in arrival order, its latency, or NaN where no response came, so dark and live stay aligned. */
function answeredLatencies({ statuses, latenciesMs }: SideSample): Float64Array {
  const values = new Float64Array(statuses.length);
  for (let i = 0; i < statuses.length; i++) {
    values[i] = statuses[i] === 0 ? Number.NaN : (latenciesMs[i] as number);
  }
  return values;
}

/** Dark's and live's readings of one window are the same mirrored requests: their evidence pairs. */
function pairingOf(window: TimeWindow): string {
  return `builtin ${window.start}-${window.end}`;
}

function mean(values: Float64Array): number {
  let sum = 0;
  for (const value of values) sum += value;
  return sum / values.length;
}

/** The nearest-rank percentile: the smallest value with at least p% of the sample at or below it. */
export function nearestRank(sorted: ArrayLike<number>, percentile: number): number {
  const rank = Math.ceil((percentile / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] as number;
}

import type { Evidence } from './evidence.js';
import type { MetricSpec, TimeWindow, Version } from './model.js';

/** One metric for one version over one window. */
export interface MetricQuery {
  readonly metric: MetricSpec;
  readonly version: Version;
  readonly window: TimeWindow;
}

/**
 * What a source read. `no-data` covers an empty result and NaN; `unavailable` is a backend that stayed
 * down past its retry budget. Both make the objective inconclusive, never passing.
 */
export type MetricReading = (
  | {
      readonly status: 'ok';
      readonly value: number;
      /** What a confidence bound needs; absent where the source knows only the value (custom queries). */
      readonly evidence?: Evidence;
    }
  | { readonly status: 'no-data'; readonly reason: string }
  | { readonly status: 'unavailable'; readonly reason: string }
) & {
  /** The query whose answer is the value, for the report. */
  readonly query?: string;
  /** The queries behind the evidence. */
  readonly evidenceQueries?: readonly string[];
};

/** The port through which the core reads metrics (Prometheus, or Shadowgate's own measurements). */
export interface MetricsSource {
  /** Short name for reports, e.g. `prometheus (istio)`. */
  readonly description: string;
  /**
   * Read one metric. Resolves with a reading for data problems and outages; rejects only with a
   * `ConfigurationError` (e.g. a query the backend calls `bad_data`), which ends the run.
   */
  read(query: MetricQuery, signal?: AbortSignal): Promise<MetricReading>;
}

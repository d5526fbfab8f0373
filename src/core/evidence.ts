/**
 * What a metrics source knows beside a point value: what a confidence bound needs. Pure data.
 *
 * - `counts`: a proportion, `events` of `trials` (errors of requests, mismatched of compared responses);
 * - `histogram`: cumulative request counts at each latency bucket's upper bound, in ms, ascending, the last at
 *   +Infinity, with the sum of all latencies (Prometheus `sum by (le)` over the window);
 * - `samples`: raw latencies in ms, in arrival order (Shadowgate's own proxy).
 *
 * Readings of the two versions that carry the same `pairing` were measured on the same requests, in the same
 * order: index i of dark's `outcomes` or `values` and of live's is one request.
 */
export type Evidence = CountEvidence | HistogramEvidence | SampleEvidence;

export interface CountEvidence {
  readonly kind: 'counts';
  readonly events: number;
  readonly trials: number;
  /** Per request, 1 for an event and 0 for none, in arrival order; only where the source saw each request. */
  readonly outcomes?: ArrayLike<number>;
  readonly pairing?: string;
}

export interface HistogramBucket {
  /** Upper bound in ms (`le`), +Infinity for the last bucket. */
  readonly le: number;
  /** Requests at or below `le` (cumulative, as Prometheus counts them). */
  readonly count: number;
}

export interface HistogramEvidence {
  readonly kind: 'histogram';
  readonly buckets: readonly HistogramBucket[];
  /** Sum of all latencies in ms, when the source has it. */
  readonly sum?: number;
}

export interface SampleEvidence {
  readonly kind: 'samples';
  /** Per request in arrival order; NaN for one that got no response, so paired readings stay aligned. */
  readonly values: ArrayLike<number>;
  /** The finite values, ascending, where the source has sorted them already (percentiles need the order). */
  readonly sorted?: ArrayLike<number>;
  readonly pairing?: string;
}

/**
 * The experiment model shared by every layer. Pure data: no I/O, no classes with behaviour.
 *
 * Units are fixed per metric kind so comparisons never mix them:
 * latency in milliseconds, error rate and response mismatch rate as ratios in [0, 1], request count as a count.
 */

/** The two versions a run can measure. The dark one is judged; the live one is the reference. */
export type Version = 'dark' | 'live';

export type MetricKind =
  | 'mean-latency'
  | 'latency-percentile'
  | 'error-rate'
  | 'request-count'
  | 'response-mismatch-rate'
  | 'custom';

export type MetricUnit = 'ms' | 'ratio' | 'count' | 'none';

export interface MetricSpec {
  /** Canonical name as written in objectives and reports: `mean-latency`, `p95-latency`, `error-rate`, `request-count`, `response-mismatch-rate`, or a custom name. */
  readonly id: string;
  readonly kind: MetricKind;
  /** Only for `latency-percentile`: the percentile in (0, 100), e.g. 95 or 99.9. */
  readonly percentile?: number;
  /**
   * Only for `error-rate`: which responses are errors. Unset: 5xx and no response at all. `non-2xx`: every
   * response that is not 2xx, and no response (Iter8's iter8-knative/error-rate).
   */
  readonly errors?: 'non-2xx';
  readonly unit: MetricUnit;
}

export type Comparator = '<' | '<=' | '>' | '>=';

/** A limit fixed in the metric's unit. */
export interface AbsoluteLimit {
  readonly kind: 'absolute';
  readonly value: number;
}

/** A limit derived from the live version's value over the same window: `live * scale + offset`. */
export interface RelativeLimit {
  readonly kind: 'relative';
  readonly scale: number;
  /** In the metric's unit. */
  readonly offset: number;
}

export type Limit = AbsoluteLimit | RelativeLimit;

export interface Objective {
  /** The objective as the user would write it, normalised: `p95-latency < 100ms`. */
  readonly text: string;
  readonly metric: MetricSpec;
  readonly comparator: Comparator;
  readonly limit: Limit;
}

export interface FailFastPolicy {
  readonly enabled: boolean;
  /**
   * With point decisions only: consecutive iterations with enough data in which a breach must hold before the
   * run stops early. With confidence bounds one confident breach stops it.
   */
  readonly consecutiveBreaches: number;
}

/**
 * How objectives are decided. `confidence`: on evidence, with time-uniform confidence bounds, so every
 * iteration is a look and the run may stop as soon as the bounds settle it. `point`: the value against the
 * limit, as Iter8 did (`confidence: off`).
 */
export type DecisionPolicy =
  | {
      readonly mode: 'confidence';
      /** In (0, 1): the run's chance of a false pass, and separately of a false fail, is at most 1 − this. */
      readonly confidence: number;
      /** Stop as soon as every objective is confidently met (after the minimums below). */
      readonly earlyPass: boolean;
      readonly minIterations: number;
      readonly minDurationMs: number;
    }
  | { readonly mode: 'point' };

/** Who the dark and live versions are. */
export interface TargetIdentity {
  readonly namespace: string;
  readonly service: string;
  readonly darkRevision: string;
  readonly liveRevision?: string;
}

/** Everything the evaluation loop needs, after validation. */
export interface EvaluationPlan {
  readonly name: string;
  readonly target: TargetIdentity;
  readonly objectives: readonly Objective[];
  readonly intervalMs: number;
  readonly iterations: number;
  /** Below this many dark requests in the window, objectives other than request-count are inconclusive. */
  readonly minRequests: number;
  readonly failFast: FailFastPolicy;
  readonly decision: DecisionPolicy;
}

/** A time window in epoch milliseconds, both ends inclusive. */
export interface TimeWindow {
  readonly start: number;
  readonly end: number;
}

export type Verdict = 'pass' | 'fail' | 'inconclusive';

import type { MetricReading } from './metrics-source.js';
import type { EvaluationPlan, Objective, TimeWindow, Verdict } from './model.js';
import type { ObjectiveBound } from './statistics/objective-decision.js';
import type { TrafficSummary } from './traffic-summary.js';

/**
 * ✓ met, ✗ breached; `undecided`: data, but the confidence bound still straddles the limit; `unknown`: no data,
 * or too little to judge.
 */
export type ObjectiveStatus = 'met' | 'breached' | 'undecided' | 'unknown';

/**
 * What settled the status: a confidence `bound`; the `value` against the limit (`confidence: off`, or a custom
 * query with no evidence a bound could use); or the request `count`, which is exact.
 */
export type DecidedBy = 'bound' | 'value' | 'count';

/** What would likely settle an undecided objective, if what was measured so far held. */
export interface ToSettle {
  /** More dark requests; absent when no number would (the estimate sits on the limit). */
  readonly requests?: number;
  /** How long those take at the rate seen so far. */
  readonly seconds?: number;
}

export interface ObjectiveAssessment {
  readonly objective: Objective;
  readonly dark: MetricReading;
  /** Present for relative objectives. */
  readonly live?: MetricReading;
  /** The limit in the metric's unit, resolved against live for relative objectives; absent when it could not be. */
  readonly limit?: number;
  readonly status: ObjectiveStatus;
  /** Why the status is `unknown` or `undecided` (or, for `breached`, a short explanation). */
  readonly reason?: string;
  /** Absent for `unknown`. */
  readonly decidedBy?: DecidedBy;
  /** The intervals behind a `bound` decision. */
  readonly bound?: ObjectiveBound;
  /** For `undecided`. */
  readonly toSettle?: ToSettle;
}

export interface IterationResult {
  /** 1-based. */
  readonly index: number;
  /** The cumulative window `[start, t_i]` this iteration evaluated. */
  readonly window: TimeWindow;
  readonly requests: { readonly dark: MetricReading; readonly live?: MetricReading };
  readonly assessments: readonly ObjectiveAssessment[];
  readonly verdict: Verdict;
  /** One line on why this iteration's verdict is what it is. */
  readonly reason: string;
}

/** `fail-fast`: an objective was (confidently) breached; `early-pass`: every objective was confidently met. */
export type StopReason = 'completed' | 'fail-fast' | 'early-pass' | 'aborted';

export interface ExperimentResult {
  readonly plan: EvaluationPlan;
  readonly verdict: Verdict;
  /** One line for `core.setFailed` and the headline. */
  readonly reason: string;
  readonly stop: { readonly reason: StopReason; readonly detail: string };
  readonly startedAt: number;
  readonly endedAt: number;
  readonly iterations: readonly IterationResult[];
  /** Every distinct rendered query, for the report's collapsed section. */
  readonly queries: readonly RenderedQuery[];
  /** e.g. `prometheus (istio) at http://…`. */
  readonly source: string;
  /** What Shadowgate's own load generator and mirroring proxy did, when the run used them. */
  readonly traffic?: TrafficSummary;
}

export interface RenderedQuery {
  readonly metricId: string;
  readonly version: 'dark' | 'live';
  readonly query: string;
}

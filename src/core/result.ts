import type { MetricReading } from './metrics-source.js';
import type { EvaluationPlan, Objective, TimeWindow, Verdict } from './model.js';
import type { TrafficSummary } from './traffic-summary.js';

/** ✓ met, ✗ breached, ? not enough data to say. */
export type ObjectiveStatus = 'met' | 'breached' | 'unknown';

export interface ObjectiveAssessment {
  readonly objective: Objective;
  readonly dark: MetricReading;
  /** Present for relative objectives. */
  readonly live?: MetricReading;
  /** The limit in the metric's unit, resolved against live for relative objectives; absent when it could not be. */
  readonly limit?: number;
  readonly status: ObjectiveStatus;
  /** Why the status is `unknown` (or, for `breached`, a short explanation). */
  readonly reason?: string;
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

export type StopReason = 'completed' | 'fail-fast' | 'aborted';

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

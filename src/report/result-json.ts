import type { MetricReading } from '../core/metrics-source.js';
import type { Comparator, Limit, MetricSpec, TargetIdentity, TimeWindow, Verdict } from '../core/model.js';
import type { ExperimentResult, ObjectiveAssessment, ObjectiveStatus, StopReason } from '../core/result.js';
import type { TrafficSummary } from '../core/traffic-summary.js';

/** A reading as stored in the result file; non-finite values become `null` because JSON has no NaN. */
export type ReadingJson =
  | { readonly status: 'ok'; readonly value: number | null; readonly query?: string }
  | { readonly status: 'no-data' | 'unavailable'; readonly reason: string; readonly query?: string };

export interface WindowJson {
  readonly start: string;
  readonly end: string;
}

export interface AssessmentJson {
  readonly objective: string;
  readonly metric: string;
  readonly status: ObjectiveStatus;
  readonly limit?: number;
  readonly reason?: string;
  readonly dark: ReadingJson;
  readonly live?: ReadingJson;
}

export interface IterationJson {
  readonly index: number;
  readonly window: WindowJson;
  readonly verdict: Verdict;
  readonly reason: string;
  readonly requests: { readonly dark: ReadingJson; readonly live?: ReadingJson };
  readonly assessments: readonly AssessmentJson[];
}

/** The `result-file` output: stable, versioned, for tools that read it after the job. */
export interface ResultJson {
  readonly schemaVersion: 1;
  readonly name: string;
  readonly verdict: Verdict;
  readonly reason: string;
  readonly stop: { readonly reason: StopReason; readonly detail: string };
  readonly startedAt: string;
  readonly endedAt: string;
  readonly source: string;
  readonly plan: {
    readonly target: TargetIdentity;
    readonly objectives: readonly {
      readonly text: string;
      readonly metric: MetricSpec;
      readonly comparator: Comparator;
      readonly limit: Limit;
    }[];
    readonly intervalMs: number;
    readonly iterations: number;
    readonly minRequests: number;
    readonly failFast: { readonly enabled: boolean; readonly consecutiveBreaches: number };
  };
  readonly iterations: readonly IterationJson[];
  readonly queries: readonly {
    readonly metricId: string;
    readonly version: 'dark' | 'live';
    readonly query: string;
  }[];
  /** Shadowgate's own load and mirroring proxy, when the run used them. */
  readonly traffic?: TrafficSummary;
}

function windowJson(window: TimeWindow): WindowJson {
  return { start: new Date(window.start).toISOString(), end: new Date(window.end).toISOString() };
}

function readingJson(reading: MetricReading): ReadingJson {
  const query = reading.query === undefined ? {} : { query: reading.query };
  if (reading.status === 'ok') {
    return { status: 'ok', value: Number.isFinite(reading.value) ? reading.value : null, ...query };
  }
  return { status: reading.status, reason: reading.reason, ...query };
}

function assessmentJson(assessment: ObjectiveAssessment): AssessmentJson {
  const { objective, status, limit, reason, dark, live } = assessment;
  return {
    objective: objective.text,
    metric: objective.metric.id,
    status,
    ...(limit !== undefined && Number.isFinite(limit) ? { limit } : {}),
    ...(reason === undefined ? {} : { reason }),
    dark: readingJson(dark),
    ...(live ? { live: readingJson(live) } : {}),
  };
}

/** The whole result as plain JSON data: ISO timestamps, no `undefined`, no NaN. */
export function toResultJson(result: ExperimentResult): ResultJson {
  const { plan } = result;
  return {
    schemaVersion: 1,
    name: plan.name,
    verdict: result.verdict,
    reason: result.reason,
    stop: { reason: result.stop.reason, detail: result.stop.detail },
    startedAt: new Date(result.startedAt).toISOString(),
    endedAt: new Date(result.endedAt).toISOString(),
    source: result.source,
    plan: {
      target: { ...plan.target },
      objectives: plan.objectives.map(({ text, metric, comparator, limit }) => ({
        text,
        metric: { ...metric },
        comparator,
        limit: { ...limit },
      })),
      intervalMs: plan.intervalMs,
      iterations: plan.iterations,
      minRequests: plan.minRequests,
      failFast: { enabled: plan.failFast.enabled, consecutiveBreaches: plan.failFast.consecutiveBreaches },
    },
    iterations: result.iterations.map((it) => ({
      index: it.index,
      window: windowJson(it.window),
      verdict: it.verdict,
      reason: it.reason,
      requests: {
        dark: readingJson(it.requests.dark),
        ...(it.requests.live ? { live: readingJson(it.requests.live) } : {}),
      },
      assessments: it.assessments.map(assessmentJson),
    })),
    queries: result.queries.map(({ metricId, version, query }) => ({ metricId, version, query })),
    ...(result.traffic ? { traffic: structuredClone(result.traffic) } : {}),
  };
}

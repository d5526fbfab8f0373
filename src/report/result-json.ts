import type { Evidence } from '../core/evidence.js';
import type { MetricReading } from '../core/metrics-source.js';
import type {
  Comparator,
  DecisionPolicy,
  Limit,
  MetricSpec,
  TargetIdentity,
  TimeWindow,
  Verdict,
} from '../core/model.js';
import type {
  DecidedBy,
  ExperimentResult,
  ObjectiveAssessment,
  ObjectiveStatus,
  StopReason,
  ToSettle,
} from '../core/result.js';
import type { Interval } from '../core/statistics/interval.js';
import type { TrafficSummary } from '../core/traffic-summary.js';

/** A reading as stored in the result file; non-finite values become `null` because JSON has no NaN. */
export type ReadingJson =
  | {
      readonly status: 'ok';
      readonly value: number | null;
      readonly query?: string;
      readonly evidence?: EvidenceJson;
    }
  | { readonly status: 'no-data' | 'unavailable'; readonly reason: string; readonly query?: string };

/** What the bound read: counts and buckets in full; raw samples by their number only. */
export type EvidenceJson =
  | { readonly kind: 'counts'; readonly events: number; readonly trials: number }
  | {
      readonly kind: 'histogram';
      readonly buckets: readonly { readonly le: number | '+Inf'; readonly count: number }[];
      readonly sum?: number;
    }
  | { readonly kind: 'samples'; readonly count: number };

/** An interval; `null` is an end the evidence does not bound (JSON has no infinity). */
export interface IntervalJson {
  readonly low: number | null;
  readonly high: number | null;
}

export interface BoundJson {
  readonly level: number;
  readonly estimate: IntervalJson;
  readonly limit: IntervalJson;
  readonly margin: IntervalJson;
  readonly method: string;
  readonly paired: boolean;
  readonly assumptions: readonly string[];
}

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
  readonly decidedBy?: DecidedBy;
  readonly bound?: BoundJson;
  readonly toSettle?: ToSettle;
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
  /** 2 added the decision policy, evidence, bounds and the `undecided` status. */
  readonly schemaVersion: 2;
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
    readonly decision: DecisionPolicy;
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
    const evidence = reading.evidence === undefined ? {} : { evidence: evidenceJson(reading.evidence) };
    return {
      status: 'ok',
      value: Number.isFinite(reading.value) ? reading.value : null,
      ...query,
      ...evidence,
    };
  }
  return { status: reading.status, reason: reading.reason, ...query };
}

function evidenceJson(evidence: Evidence): EvidenceJson {
  switch (evidence.kind) {
    case 'counts':
      return { kind: 'counts', events: evidence.events, trials: evidence.trials };
    case 'histogram':
      return {
        kind: 'histogram',
        buckets: evidence.buckets.map(({ le, count }) => ({ le: Number.isFinite(le) ? le : '+Inf', count })),
        ...(evidence.sum === undefined ? {} : { sum: evidence.sum }),
      };
    case 'samples':
      return { kind: 'samples', count: evidence.values.length };
  }
}

function intervalJson({ low, high }: Interval): IntervalJson {
  return { low: Number.isFinite(low) ? low : null, high: Number.isFinite(high) ? high : null };
}

function assessmentJson(assessment: ObjectiveAssessment): AssessmentJson {
  const { objective, status, limit, reason, dark, live, decidedBy, bound, toSettle } = assessment;
  return {
    objective: objective.text,
    metric: objective.metric.id,
    status,
    ...(limit !== undefined && Number.isFinite(limit) ? { limit } : {}),
    ...(reason === undefined ? {} : { reason }),
    ...(decidedBy === undefined ? {} : { decidedBy }),
    ...(bound === undefined
      ? {}
      : {
          bound: {
            level: bound.level,
            estimate: intervalJson(bound.estimate),
            limit: intervalJson(bound.limit),
            margin: intervalJson(bound.margin),
            method: bound.method,
            paired: bound.paired,
            assumptions: [...bound.assumptions],
          },
        }),
    ...(toSettle === undefined ? {} : { toSettle: { ...toSettle } }),
    dark: readingJson(dark),
    ...(live ? { live: readingJson(live) } : {}),
  };
}

/** The whole result as plain JSON data: ISO timestamps, no `undefined`, no NaN. */
export function toResultJson(result: ExperimentResult): ResultJson {
  const { plan } = result;
  return {
    schemaVersion: 2,
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
      decision: { ...plan.decision },
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

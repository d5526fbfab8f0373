import { formatValue } from './format-value.js';
import type { MetricReading } from './metrics-source.js';
import type { Comparator, Objective } from './model.js';
import type { ObjectiveAssessment } from './result.js';
import { decideObjective, requestsToDecide } from './statistics/objective-decision.js';

/** Whether the window holds enough traffic to judge latency and error objectives, and if not, why. */
export type Sufficiency = { readonly enough: true } | { readonly enough: false; readonly reason: string };

export function sufficiency(
  requests: MetricReading | undefined,
  minRequests: number,
  version: string,
): Sufficiency {
  if (!requests) return { enough: true };
  if (requests.status !== 'ok')
    return { enough: false, reason: `${version} request count: ${requests.reason}` };
  if (requests.value < minRequests) {
    return {
      enough: false,
      reason: `${version} has ${formatValue(requests.value, 'count')} requests, fewer than min-requests ${minRequests}`,
    };
  }
  return { enough: true };
}

export interface AssessmentInput {
  readonly objective: Objective;
  readonly dark: MetricReading;
  readonly live?: MetricReading;
  readonly darkTraffic: Sufficiency;
  readonly liveTraffic: Sufficiency;
  /**
   * With confidence bounds: this objective's share of 1 − confidence. Absent: decided on the value (`confidence:
   * off`).
   */
  readonly alpha?: number;
  /** The run's last iteration: a request count still short of its minimum can no longer grow into it. */
  readonly final: boolean;
  /** Time the window has run, to say how long more requests would take. */
  readonly elapsedMs: number;
}

/**
 * Judges one objective. Missing data of any kind is `unknown`, never `met`; with confidence bounds, data that
 * does not yet settle the objective is `undecided`, never `met`. A request-count objective is judged on the
 * count itself, which is exact, so too little traffic can breach it.
 */
export function assessObjective(input: AssessmentInput): ObjectiveAssessment {
  const { objective, dark, live } = input;
  const base = live ? { objective, dark, live } : { objective, dark };
  const unknown = (reason: string): ObjectiveAssessment => ({ ...base, status: 'unknown', reason });
  const isCount = objective.metric.kind === 'request-count';

  if (!isCount && !input.darkTraffic.enough) return unknown(input.darkTraffic.reason);
  if (dark.status !== 'ok') return unknown(`dark ${objective.metric.id}: ${dark.reason}`);

  let limit: number;
  if (objective.limit.kind === 'absolute') {
    limit = objective.limit.value;
  } else {
    if (!input.liveTraffic.enough) return unknown(input.liveTraffic.reason);
    if (!live) return unknown(`live ${objective.metric.id} was not read`);
    if (live.status !== 'ok') return unknown(`live ${objective.metric.id}: ${live.reason}`);
    limit = live.value * objective.limit.scale + objective.limit.offset;
  }
  const unit = objective.metric.unit;
  const breachReason = () =>
    `${objective.metric.id} ${formatValue(dark.value, unit)}, limit ${objective.comparator} ${formatValue(limit, unit)}`;
  const byValue = (decidedBy: 'value' | 'count'): ObjectiveAssessment =>
    compare(dark.value, objective.comparator, limit)
      ? { ...base, limit, status: 'met', decidedBy }
      : { ...base, limit, status: 'breached', decidedBy, reason: breachReason() };

  if (isCount) {
    const assessed = byValue('count');
    const canStillGrow = objective.comparator === '>' || objective.comparator === '>=';
    if (input.alpha !== undefined && assessed.status === 'breached' && canStillGrow && !input.final) {
      return {
        ...base,
        limit,
        status: 'undecided',
        decidedBy: 'count',
        reason: `${objective.metric.id} ${formatValue(dark.value, unit)} so far, needs ${objective.comparator} ${formatValue(limit, unit)}`,
      };
    }
    return assessed;
  }
  if (input.alpha === undefined) return byValue('value');

  const decisionInput = {
    objective,
    dark,
    ...(live?.status === 'ok' ? { live } : {}),
    alpha: input.alpha,
  };
  const decision = decideObjective(decisionInput);
  if (decision.status === 'value-only') {
    // No evidence a bound could use (a custom query): the value decides, and the report says so.
    return { ...byValue('value'), reason: decision.reason };
  }
  const { bound } = decision;
  const decided = { ...base, limit, decidedBy: 'bound' as const, bound };
  if (decision.status === 'met') return { ...decided, status: 'met' };
  if (decision.status === 'breached') return { ...decided, status: 'breached', reason: breachReason() };
  const undecided: ObjectiveAssessment = {
    ...decided,
    status: 'undecided',
    reason: `${objective.metric.id} ${formatValue(dark.value, unit)}: its ${percent(bound.level)} interval reaches both sides of the limit`,
  };
  // Only the last iteration's undecided objectives make a verdict inconclusive, so only they need the advice.
  if (!input.final) return undecided;
  const requests = requestsToDecide(decisionInput);
  const rate = input.elapsedMs > 0 ? (requestCount(dark) / input.elapsedMs) * 1000 : 0;
  return {
    ...undecided,
    toSettle:
      requests === undefined
        ? {}
        : { requests, ...(rate > 0 ? { seconds: Math.ceil(requests / rate) } : {}) },
  };
}

/** The dark requests behind the evidence, for the rate more of them would arrive at. */
function requestCount(dark: MetricReading): number {
  if (dark.status !== 'ok' || !dark.evidence) return 0;
  const evidence = dark.evidence;
  switch (evidence.kind) {
    case 'counts':
      return evidence.trials;
    case 'samples':
      return evidence.values.length;
    case 'histogram':
      return evidence.buckets.at(-1)?.count ?? 0;
  }
}

function percent(level: number): string {
  return `${Number((level * 100).toPrecision(4))}%`;
}

function compare(value: number, comparator: Comparator, limit: number): boolean {
  switch (comparator) {
    case '<':
      return value < limit;
    case '<=':
      return value <= limit;
    case '>':
      return value > limit;
    case '>=':
      return value >= limit;
  }
}

/**
 * A breach that more time cannot heal as far as fail-fast is concerned. A cumulative request count only
 * grows, so a `request-count >= N` breach early in the run is expected and never stops it.
 */
export function countsForFailFast(assessment: ObjectiveAssessment): boolean {
  const { metric, comparator } = assessment.objective;
  return (
    assessment.status === 'breached' &&
    !(metric.kind === 'request-count' && (comparator === '>' || comparator === '>='))
  );
}

/**
 * With confidence bounds, only what is certain enough stops a run: a breach or a pass shown by a bound, or by
 * the exact request count. A custom query's value, which has no bound, waits for the last iteration.
 */
export function settledForEarlyStop(assessment: ObjectiveAssessment, status: 'met' | 'breached'): boolean {
  return (
    assessment.status === status && (assessment.decidedBy === 'bound' || assessment.decidedBy === 'count')
  );
}

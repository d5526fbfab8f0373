import { formatValue } from './format-value.js';
import type { MetricReading } from './metrics-source.js';
import type { Comparator, Objective } from './model.js';
import type { ObjectiveAssessment } from './result.js';

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
}

/**
 * Judges one objective. Missing data of any kind is `unknown`, never `met`.
 * A request-count objective is judged on the count itself, so too little traffic can breach it.
 */
export function assessObjective(input: AssessmentInput): ObjectiveAssessment {
  const { objective, dark, live } = input;
  const base = live ? { objective, dark, live } : { objective, dark };
  const unknown = (reason: string): ObjectiveAssessment => ({ ...base, status: 'unknown', reason });

  if (objective.metric.kind !== 'request-count' && !input.darkTraffic.enough) {
    return unknown(input.darkTraffic.reason);
  }
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

  if (compare(dark.value, objective.comparator, limit)) return { ...base, limit, status: 'met' };
  const unit = objective.metric.unit;
  return {
    ...base,
    limit,
    status: 'breached',
    reason: `${objective.metric.id} ${formatValue(dark.value, unit)}, limit ${objective.comparator} ${formatValue(limit, unit)}`,
  };
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

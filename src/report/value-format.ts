import { formatLimit, formatValue } from '../core/format-value.js';
import type { MetricReading } from '../core/metrics-source.js';
import type { MetricUnit, Objective } from '../core/model.js';
import type { ObjectiveAssessment } from '../core/result.js';
import type { Interval } from '../core/statistics/interval.js';

/** A reading in its unit, or what went wrong: `12.3 ms`, `no data`, `unavailable`. */
export function formatReading(reading: MetricReading, unit: MetricUnit): string {
  switch (reading.status) {
    case 'ok':
      return formatValue(reading.value, unit);
    case 'no-data':
      return 'no data';
    case 'unavailable':
      return 'unavailable';
  }
}

/**
 * The limit as a reader would say it: `< 100 ms`, or for a relative objective
 * `<= live + 20% (= 14.4 ms)` with the value resolved against live when it could be.
 */
export function formatResolvedLimit(objective: Objective, resolved?: number): string {
  const text = formatLimit(objective);
  if (objective.limit.kind === 'absolute' || resolved === undefined) return text;
  return `${text} (= ${formatValue(resolved, objective.metric.unit)})`;
}

/**
 * The dark value with the interval a bound gave it, `1.2% [0.6%, 2.1%]`, or the plain reading. An end the
 * evidence does not bound reads `∞`.
 */
export function formatEstimate(assessment: ObjectiveAssessment): string {
  const unit = assessment.objective.metric.unit;
  const reading = formatReading(assessment.dark, unit);
  const interval = assessment.bound?.estimate;
  return interval ? `${reading} ${formatInterval(interval, unit)}` : reading;
}

export function formatInterval(interval: Interval, unit: MetricUnit): string {
  const end = (value: number) => (Number.isFinite(value) ? formatValue(value, unit) : value > 0 ? '∞' : '−∞');
  return `[${end(interval.low)}, ${end(interval.high)}]`;
}

/** `95%`, `98.75%`. */
export function formatLevel(level: number): string {
  return `${Number((level * 100).toPrecision(4))}%`;
}

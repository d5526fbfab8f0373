import { formatLimit, formatValue } from '../core/format-value.js';
import type { MetricReading } from '../core/metrics-source.js';
import type { MetricUnit, Objective } from '../core/model.js';

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

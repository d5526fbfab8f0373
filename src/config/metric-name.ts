import {
  ERROR_RATE,
  MEAN_LATENCY,
  NON_2XX_RATE,
  REQUEST_COUNT,
  RESPONSE_MISMATCH_RATE,
} from '../core/builtin-metrics.js';
import type { MetricSpec } from '../core/model.js';
import { didYouMean } from './did-you-mean.js';

export const CUSTOM_METRIC_ID = /^[a-z][a-z0-9-]*$/;

const FIXED: Readonly<Record<string, MetricSpec>> = {
  'mean-latency': MEAN_LATENCY,
  'latency-mean': MEAN_LATENCY,
  'error-rate': ERROR_RATE,
  'non-2xx-rate': NON_2XX_RATE,
  'request-count': REQUEST_COUNT,
  'response-mismatch-rate': RESPONSE_MISMATCH_RATE,
};

// `p95-latency`, `p99.9-latency`, and the aliases `latency-p95`, `p95`, `95th-percentile-tail-latency` (Iter8).
const PERCENTILE = [
  /^p(\d+(?:\.\d+)?)-latency$/,
  /^latency-p(\d+(?:\.\d+)?)$/,
  /^p(\d+(?:\.\d+)?)$/,
  /^(\d+(?:\.\d+)?)th-percentile-tail-latency$/,
];

/**
 * The built-in metric a name or alias denotes, or the custom metric it names when `customMetricIds` has it.
 * Undefined when it is neither (including percentiles outside (0, 100)).
 */
export function resolveMetricName(
  name: string,
  customMetricIds: ReadonlySet<string>,
): MetricSpec | undefined {
  const normalised = name.trim().toLowerCase();
  return (
    FIXED[normalised] ??
    percentileMetric(normalised) ??
    (customMetricIds.has(normalised) ? { id: normalised, kind: 'custom', unit: 'none' } : undefined)
  );
}

/** True for names that denote a built-in metric, so they cannot be custom metric ids. */
export function isBuiltInMetricName(name: string): boolean {
  return resolveMetricName(name, new Set()) !== undefined;
}

/** Why `name` resolves to no metric, for an error message. */
export function unknownMetricProblem(name: string, customMetricIds: ReadonlySet<string>): string {
  const normalised = name.trim().toLowerCase();
  const percentile = PERCENTILE.map((pattern) => pattern.exec(normalised)?.[1]).find((p) => p !== undefined);
  if (percentile !== undefined) return `percentile ${percentile} is not between 0 and 100 (exclusive)`;
  const known = [...Object.keys(FIXED), 'p95-latency', ...customMetricIds];
  return (
    `unknown metric "${name}"${didYouMean(normalised, known)}; use mean-latency, pNN-latency (e.g. p95-latency, ` +
    'p99.9-latency), error-rate, non-2xx-rate, request-count, response-mismatch-rate, or a custom metric id that has a query in `queries`'
  );
}

function percentileMetric(name: string): MetricSpec | undefined {
  for (const pattern of PERCENTILE) {
    const digits = pattern.exec(name)?.[1];
    if (digits === undefined) continue;
    const percentile = Number(digits);
    if (!(percentile > 0 && percentile < 100)) return undefined;
    return { id: `p${percentile}-latency`, kind: 'latency-percentile', percentile, unit: 'ms' };
  }
  return undefined;
}

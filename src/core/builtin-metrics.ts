import type { MetricSpec } from './model.js';

export const MEAN_LATENCY: MetricSpec = { id: 'mean-latency', kind: 'mean-latency', unit: 'ms' };
export const ERROR_RATE: MetricSpec = { id: 'error-rate', kind: 'error-rate', unit: 'ratio' };
/** The share of compared mirrored requests whose dark answer differs from live's (builtin proxy only). */
export const RESPONSE_MISMATCH_RATE: MetricSpec = {
  id: 'response-mismatch-rate',
  kind: 'response-mismatch-rate',
  unit: 'ratio',
};
/** Read in every iteration, objective or not, to apply min-requests. */
export const REQUEST_COUNT: MetricSpec = { id: 'request-count', kind: 'request-count', unit: 'count' };

import type { MetricSpec } from './model.js';

export const MEAN_LATENCY: MetricSpec = { id: 'mean-latency', kind: 'mean-latency', unit: 'ms' };
export const ERROR_RATE: MetricSpec = { id: 'error-rate', kind: 'error-rate', unit: 'ratio' };
/** The share of compared mirrored requests whose dark answer differs from live's (builtin proxy only). */
export const RESPONSE_MISMATCH_RATE: MetricSpec = {
  id: 'response-mismatch-rate',
  kind: 'response-mismatch-rate',
  unit: 'ratio',
};

/** Every response that is not 2xx counts: what Iter8's iter8-knative/error-rate measured. */
export const NON_2XX_RATE: MetricSpec = {
  id: 'non-2xx-rate',
  kind: 'error-rate',
  unit: 'ratio',
  errors: 'non-2xx',
};
/** Read in every iteration, objective or not, to apply min-requests. */
export const REQUEST_COUNT: MetricSpec = { id: 'request-count', kind: 'request-count', unit: 'count' };

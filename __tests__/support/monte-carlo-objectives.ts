import type { Objective } from '../../src/core/model.js';
import { exponentialLatency, type VersionTruth } from './simulated-requests.js';

export { ERROR_RATE_UNDER_1_PERCENT, P95_UNDER_100_MS } from '../fixtures/experiment-result.js';

export const MEAN_UNDER_50_MS: Objective = {
  text: 'mean-latency < 50ms',
  metric: { id: 'mean-latency', kind: 'mean-latency', unit: 'ms' },
  comparator: '<',
  limit: { kind: 'absolute', value: 50 },
};

export const ERROR_RATE_WITHIN_HALF_POINT_OF_LIVE: Objective = {
  text: 'error-rate <= live + 0.5pp',
  metric: { id: 'error-rate', kind: 'error-rate', unit: 'ratio' },
  comparator: '<=',
  limit: { kind: 'relative', scale: 1, offset: 0.005 },
};

const FAST = exponentialLatency(50, 20);

/** Fails `errorRate` of requests; latencies about 20 ms. */
export function failing(errorRate: number): VersionTruth {
  return { errorRate, latency: FAST };
}

/** No errors; a share `under` of requests answer within 100 ms (exponential latencies). */
export function within100ms(under: number): VersionTruth {
  return { errorRate: 0, latency: exponentialLatency(under * 100, 100) };
}

/** No errors; exponential latencies with this mean. */
export function meanOf(ms: number): VersionTruth {
  return { errorRate: 0, latency: (u) => -Math.log(1 - u) * ms };
}

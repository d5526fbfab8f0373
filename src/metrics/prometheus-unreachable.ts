import type { EvaluationPlan } from '../core/model.js';
import type { ExperimentResult } from '../core/result.js';

/**
 * The preflight found no Prometheus at the URL at all (connection refused, host not found, no route) after its
 * retry budget: no iteration could read anything, so the run stops before the first one instead of spending its
 * whole window on "not enough data".
 */
export class PrometheusUnreachableError extends Error {
  override readonly name = 'PrometheusUnreachableError';
}

/** The inconclusive result of a run the preflight stopped: no iteration, the reason naming the URL and cause. */
export function unreachableResult(
  plan: EvaluationPlan,
  error: PrometheusUnreachableError,
  source: string,
  now: number,
): ExperimentResult {
  return {
    plan,
    verdict: 'inconclusive',
    reason: error.message,
    stop: { reason: 'aborted', detail: `stopped before iteration 1: ${error.message}` },
    startedAt: now,
    endedAt: now,
    iterations: [],
    queries: [],
    source,
  };
}

import type { Clock } from './clock.js';
import type { MetricsSource } from './metrics-source.js';
import type { EvaluationPlan } from './model.js';
import type { ExperimentResult } from './result.js';

export interface EvaluationDependencies {
  readonly source: MetricsSource;
  readonly clock: Clock;
  /** Receives one progress line per iteration (and a line when the run stops). */
  readonly log: (line: string) => void;
  /** Aborting ends the run at the next wait with stop reason `aborted` and verdict `inconclusive`. */
  readonly signal?: AbortSignal;
}

/**
 * Runs the iterations of a plan: iteration i at start + i·interval over the cumulative window [start, t_i].
 * Resolves with the full result; rejects only with a ConfigurationError from the source.
 */
export async function runEvaluation(
  _plan: EvaluationPlan,
  _deps: EvaluationDependencies,
): Promise<ExperimentResult> {
  throw new Error('not implemented yet');
}

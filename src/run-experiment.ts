import type { Clock } from './core/clock.js';
import type { ExperimentConfig } from './core/config.js';
import { runEvaluation } from './core/evaluation-loop.js';
import type { ExperimentResult } from './core/result.js';
import { PrometheusSource } from './metrics/prometheus-source.js';
import { formatProgressLine } from './report/progress-line.js';

export interface RunLog {
  info(line: string): void;
  /** Something the user should act on that does not change the verdict (the action shows it as an annotation). */
  warning(line: string): void;
}

/**
 * Evaluates a validated experiment against Prometheus: one preflight round of every query (a query
 * Prometheus rejects fails here, before the run), then the iterations, logging one progress line each.
 * Shared by the action and the CLI.
 */
export async function runExperiment(
  config: ExperimentConfig,
  deps: { clock: Clock; log: RunLog; signal?: AbortSignal },
): Promise<ExperimentResult> {
  const { clock, log, signal } = deps;
  const source = new PrometheusSource(config.prometheus, config.plan.target, {
    log: (line) => log.info(line),
  });
  log.info(`Metrics: ${source.description}`);
  await source.preflight(config.plan, clock.now(), signal);
  const { plan } = config;
  log.info(
    `Evaluating ${plan.objectives.length} objective(s) of ${plan.target.namespace}/${plan.target.service}, dark revision ${plan.target.darkRevision}: ${plan.iterations} iteration(s) every ${plan.intervalMs / 1000}s`,
  );
  return runEvaluation(plan, {
    source,
    clock,
    ...(signal ? { signal } : {}),
    onIteration: (iteration, progress) => log.info(formatProgressLine(iteration, progress)),
  });
}

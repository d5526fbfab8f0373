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
  deps: {
    clock: Clock;
    log: RunLog;
    signal?: AbortSignal;
    /** False when preflightQueries already ran, before the dark version was deployed. */
    preflight?: boolean;
  },
): Promise<ExperimentResult> {
  const { clock, log, signal } = deps;
  const source = new PrometheusSource(config.prometheus, config.plan.target, {
    log: (line) => log.info(line),
  });
  log.info(`Metrics: ${source.description}`);
  if (deps.preflight !== false) await source.preflight(config.plan, clock.now(), signal);
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

/**
 * The preflight alone, for a run that deploys its dark version first: every query goes to Prometheus once before
 * anything is created, so a query Prometheus rejects (or a wrong URL or credentials) fails the run with nothing to
 * undo in the cluster. The live revision is only found at deploy time; until then the service name stands in for
 * it, as a label value does not change whether Prometheus accepts a query.
 */
export async function preflightQueries(
  config: ExperimentConfig,
  deps: { clock: Clock; log: RunLog; signal?: AbortSignal },
): Promise<void> {
  const { plan } = config;
  const target = { ...plan.target, liveRevision: plan.target.liveRevision ?? plan.target.service };
  const source = new PrometheusSource(config.prometheus, target, { log: (line) => deps.log.info(line) });
  await source.preflight({ ...plan, target }, deps.clock.now(), deps.signal);
}

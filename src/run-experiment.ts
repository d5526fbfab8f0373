import type { Clock } from './core/clock.js';
import type { ExperimentConfig } from './core/config.js';
import { runEvaluation } from './core/evaluation-loop.js';
import type { MetricsSource } from './core/metrics-source.js';
import type { ExperimentResult } from './core/result.js';
import type { TrafficSummary } from './core/traffic-summary.js';
import { BuiltinSource } from './metrics/builtin-source.js';
import { PrometheusSource } from './metrics/prometheus-source.js';
import { PrometheusUnreachableError, unreachableResult } from './metrics/prometheus-unreachable.js';
import { formatProgressLine } from './report/progress-line.js';
import { trafficLines } from './report/traffic-lines.js';
import { describeDecision } from './report/verdict-text.js';
import type { ProcessRegistry } from './traffic/local-process.js';

export interface RunLog {
  info(line: string): void;
  /** Something the user should act on that does not change the verdict (the action shows it as an annotation). */
  warning(line: string): void;
}

/**
 * Runs a validated experiment: starts Shadowgate's own traffic when configured (local versions, mirroring
 * proxy, load), checks the metrics source (for Prometheus, one preflight round of every query, so a query it
 * rejects fails here), then runs the iterations, logging one progress line each, and stops the traffic.
 * Shared by the action and the CLI.
 */
export async function runExperiment(
  config: ExperimentConfig,
  deps: {
    clock: Clock;
    log: RunLog;
    signal?: AbortSignal;
    /** Masks a credential obtained while running (AWS credentials for SigV4). */
    mask?: (secret: string) => void;
    /** False when preflightQueries already ran, before the dark version was deployed. */
    preflight?: boolean;
    /** Told of started local versions, so that a killed step's post step can stop them. */
    processes?: ProcessRegistry;
  },
): Promise<ExperimentResult> {
  const { clock, log, signal } = deps;
  const info = (line: string) => log.info(line);
  const { plan } = config;
  let prometheus: PrometheusSource | undefined;
  if (config.prometheus) {
    prometheus = new PrometheusSource(config.prometheus, plan.target, {
      log: info,
      mask: deps.mask,
      withEvidence: plan.decision.mode === 'confidence',
    });
    log.info(`Metrics: ${prometheus.description}`);
    if (deps.preflight !== false) {
      try {
        await prometheus.preflight(plan, clock.now(), signal);
      } catch (error) {
        // Before the local versions start: nothing to stop.
        if (error instanceof PrometheusUnreachableError) {
          return unreachableResult(plan, error, prometheus.description, clock.now());
        }
        throw error;
      }
    }
  }
  // Loaded only when used: the HTTP client and histograms are most of the bundle's size.
  const traffic = config.traffic
    ? await (await import('./traffic/traffic-session.js')).startTraffic(config.traffic, {
        log: info,
        now: () => clock.now(),
        ...(signal ? { signal } : {}),
        ...(deps.processes ? { processes: deps.processes } : {}),
      })
    : undefined;
  let result: ExperimentResult;
  let summary: TrafficSummary | undefined;
  try {
    let source: MetricsSource | undefined = prometheus;
    if (!source && traffic?.exchanges) {
      source = new BuiltinSource(traffic.exchanges);
      log.info(`Metrics: ${source.description}`);
    }
    if (!source)
      throw new Error('no metrics source: the config has neither Prometheus nor the builtin proxy');
    log.info(
      `Evaluating ${plan.objectives.length} objective(s) of ${plan.target.namespace}/${plan.target.service}, dark revision ${plan.target.darkRevision}: ${plan.iterations} iteration(s) every ${plan.intervalMs / 1000}s`,
    );
    log.info(`Decision: ${describeDecision(plan)}`);
    result = await runEvaluation(plan, {
      source,
      clock,
      ...(signal ? { signal } : {}),
      onIteration: (iteration, progress) => log.info(formatProgressLine(iteration, progress)),
    });
  } finally {
    summary = await traffic?.stop();
    for (const [label, text] of summary ? trafficLines(summary) : []) log.info(`${label}: ${text}`);
  }
  return summary ? { ...result, traffic: summary } : result;
}

/**
 * The preflight alone, for a run that deploys its dark version first: every query goes to Prometheus once before
 * anything is created, so a query Prometheus rejects (or a wrong URL or credentials) fails the run with nothing to
 * undo in the cluster, and a Prometheus that cannot be reached at all resolves with the run's inconclusive
 * result, before any change. The live revision is only found at deploy time; until then the service name stands in for
 * it, as a label value does not change whether Prometheus accepts a query.
 */
export async function preflightQueries(
  config: ExperimentConfig,
  deps: { clock: Clock; log: RunLog; signal?: AbortSignal; mask?: (secret: string) => void },
): Promise<ExperimentResult | undefined> {
  const { plan } = config;
  if (!config.prometheus) return undefined;
  const target = { ...plan.target, liveRevision: plan.target.liveRevision ?? plan.target.service };
  const source = new PrometheusSource(config.prometheus, target, {
    log: (line) => deps.log.info(line),
    mask: deps.mask,
  });
  try {
    await source.preflight({ ...plan, target }, deps.clock.now(), deps.signal);
    return undefined;
  } catch (error) {
    if (error instanceof PrometheusUnreachableError) {
      return unreachableResult(plan, error, source.description, deps.clock.now());
    }
    throw error;
  }
}

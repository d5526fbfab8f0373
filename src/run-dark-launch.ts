import { randomBytes } from 'node:crypto';
import { type DarkLaunch, openDarkLaunch } from './cluster/dark-launch.js';
import { createKubeClients } from './cluster/kube-client.js';
import { openServicePortForward } from './cluster/service-port-forward.js';
import type { DarkVersion } from './cluster/target.js';
import type { Clock } from './core/clock.js';
import type { ClusterConfig } from './core/cluster-config.js';
import type { ExperimentConfig } from './core/config.js';
import { ConfigurationError } from './core/configuration-error.js';
import type { EvaluationPlan } from './core/model.js';
import type { ExperimentResult } from './core/result.js';
import type { ClusterOutcome } from './report/cluster-outcome.js';
import { preflightQueries, type RunLog, runExperiment } from './run-experiment.js';
import type { ProcessRegistry } from './traffic/local-process.js';

/** How the action and the CLI differ on the cluster side. */
export interface ClusterWiring {
  /** Labels everything the run creates: GitHub's run id and attempt, or a random id for the CLI. */
  readonly runId: string;
  /**
   * Keeps the change journal where cleanup can find it if this process dies (the action's saved state); an
   * empty string once cleanup has undone everything.
   */
  readonly save: (state: string) => void;
  /** Masks a credential found in the kubeconfig. */
  readonly mask: (secret: string) => void;
}

export interface GateDependencies {
  readonly clock: Clock;
  readonly log: RunLog;
  /** Aborting (SIGINT/SIGTERM) stops the deploy wait or the evaluation; cleanup still runs. */
  readonly signal?: AbortSignal;
  /** Masks a credential obtained while running (AWS credentials for SigV4). */
  readonly mask?: (secret: string) => void;
  readonly cluster: ClusterWiring;
  /** Told of started local versions (the action saves them for its post step). */
  readonly processes?: ProcessRegistry;
}

export interface GateRun {
  /** The config as evaluated: with a deployed dark version, its plan names the revisions found in the cluster. */
  readonly config: ExperimentConfig;
  readonly result: ExperimentResult;
  /** Promotion and cleanup, when the run has a cluster side. */
  readonly cluster?: ClusterOutcome;
}

/**
 * One run of the gate, shared by the action and the CLI: without a cluster section, the evaluation alone.
 * With one: check the queries against Prometheus, take the Lease, deploy the dark version and mirror traffic to
 * it, evaluate, promote on pass when asked, and always clean up, even when the evaluation throws or the signal
 * aborts it.
 */
export async function runGate(config: ExperimentConfig, deps: GateDependencies): Promise<GateRun> {
  const { clock, log, signal, mask, processes } = deps;
  if (!config.cluster) {
    return { config, result: await runExperiment(config, { clock, log, signal, mask, processes }) };
  }
  return runDarkLaunch(config, config.cluster, deps);
}

async function runDarkLaunch(
  config: ExperimentConfig,
  cluster: ClusterConfig,
  deps: GateDependencies,
): Promise<GateRun> {
  const { clock, log, signal, cluster: wiring } = deps;
  const unreachable = await preflightQueries(config, { clock, log, signal, mask: deps.mask });
  if (unreachable) return { config, result: unreachable };
  const { api, kubeConfig } = createKubeClients(cluster.kubeconfig, wiring.mask);
  // Before anything is deployed: a wrong load-service or a missing permission then leaves nothing to undo.
  const load = config.traffic?.load;
  const forward =
    config.traffic && load?.portForward
      ? await openServicePortForward(kubeConfig, api, load.portForward, {
          timeoutMs: config.traffic.requestTimeoutMs,
          log: (line) => log.warning(line),
        })
      : undefined;
  try {
    if (forward) {
      log.info(`Port-forward: ${forward.url} reaches ${forward.description} through the Kubernetes API`);
    }
    const launch = await openDarkLaunch(cluster, config.plan.target, {
      api,
      clock,
      log: (line) => log.info(line),
      runId: wiring.runId,
      save: wiring.save,
      signal,
    });
    return await evaluateLaunched(forward ? withLoadUrl(config, forward.url) : config, cluster, launch, deps);
  } finally {
    await forward?.close();
  }
}

/** Evaluates the launched dark version, promotes it on pass when asked, and always cleans up. */
async function evaluateLaunched(
  config: ExperimentConfig,
  cluster: ClusterConfig,
  launch: DarkLaunch,
  { clock, log, signal, mask, cluster: wiring, processes }: GateDependencies,
): Promise<GateRun> {
  let run: Omit<GateRun, 'cluster'>;
  let promotion: ClusterOutcome = {};
  let cleanup: ClusterOutcome;
  try {
    const evaluated = { ...config, plan: withDeployedTarget(config.plan, launch.dark) };
    const result = await runExperiment(evaluated, { clock, log, signal, mask, preflight: false, processes });
    if (result.verdict === 'pass' && cluster.promote && !signal?.aborted) {
      promotion = await promote(() => launch.promote(), log);
    }
    run = { config: evaluated, result };
  } finally {
    cleanup = await close(() => launch.close(), log);
    if (!cleanup.cleanupFailure && cleanup.cleanup?.failures.length === 0) wiring.save('');
  }
  return { ...run, cluster: { ...promotion, ...cleanup } };
}

async function promote(action: () => Promise<string>, log: RunLog): Promise<ClusterOutcome> {
  try {
    const promoted = await action();
    log.info(`Promoted: ${promoted}`);
    return { promoted };
  } catch (error) {
    const promotionFailure = messageOf(error);
    log.warning(`Promotion failed: ${promotionFailure}`);
    return { promotionFailure };
  }
}

async function close(
  action: () => Promise<NonNullable<ClusterOutcome['cleanup']>>,
  log: RunLog,
): Promise<ClusterOutcome> {
  try {
    const cleanup = await action();
    for (const failure of cleanup.failures) log.warning(`Cleanup: could not undo ${failure}`);
    return { cleanup };
  } catch (error) {
    const cleanupFailure = messageOf(error);
    log.warning(`Cleanup failed: ${cleanupFailure}`);
    return { cleanupFailure };
  }
}

/** The config with the load sent to `url`: the local end of the port-forward. */
function withLoadUrl(config: ExperimentConfig, url: string): ExperimentConfig {
  const { traffic } = config;
  if (!traffic?.load) return config;
  return { ...config, traffic: { ...traffic, load: { ...traffic.load, url } } };
}

/** A run id for runs outside GitHub Actions: random, so concurrent local runs never share labels. */
export function localRunId(): string {
  return `local-${randomBytes(4).toString('hex')}`;
}

/**
 * The plan with the revisions the cluster has: the dark version as deployed, and the live revision found there.
 * A live-revision the user gave must be the one actually serving.
 */
export function withDeployedTarget(
  plan: EvaluationPlan,
  dark: Pick<DarkVersion, 'darkRevision' | 'liveRevision'>,
): EvaluationPlan {
  const { target } = plan;
  if (target.liveRevision !== undefined && dark.liveRevision && target.liveRevision !== dark.liveRevision) {
    throw new ConfigurationError(
      'live-revision',
      `is "${target.liveRevision}", but ${target.namespace}/${target.service} is served by "${dark.liveRevision}"; remove live-revision to use the one found`,
      dark.liveRevision,
    );
  }
  return {
    ...plan,
    target: {
      ...target,
      darkRevision: dark.darkRevision,
      liveRevision: dark.liveRevision || target.liveRevision,
    },
  };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

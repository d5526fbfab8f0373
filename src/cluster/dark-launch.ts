import type { Clock } from '../core/clock.js';
import type { ClusterConfig, RouterConfig, TargetConfig } from '../core/cluster-config.js';
import { ConfigurationError } from '../core/configuration-error.js';
import { type ClusterContext, DEFAULT_POLL_INTERVAL_MS } from './cluster-context.js';
import { DeploymentTarget } from './deployment-target.js';
import { ExistingTarget } from './existing-target.js';
import { GatewayRouter } from './gateway-router.js';
import { IstioRouter } from './istio-router.js';
import { type CleanupSummary, SavedJournal, undoChanges } from './journal.js';
import { KnativeTarget } from './knative-target.js';
import type { KubeApi } from './kube-api.js';
import { DEFAULT_LEASE_DURATION_SECONDS, LeaseLock, leaseName, releaseLease } from './lease-lock.js';
import { startLoadJob } from './load-job.js';
import { NoRouter } from './no-router.js';
import { KNATIVE_SERVICE, type SweptKind, sweepLeftovers } from './sweeper.js';
import type { DarkVersion, Router, Target } from './target.js';

export type { CleanupSummary } from './journal.js';

/** The service under test, and for target `existing` the revisions already running. */
export interface DarkLaunchIdentity {
  readonly namespace: string;
  readonly service: string;
  readonly darkRevision?: string;
  readonly liveRevision?: string;
}

export interface DarkLaunchDeps {
  readonly api: KubeApi;
  readonly clock: Clock;
  readonly log: (line: string) => void;
  /** Labels and annotations name it; the Lease's holder is it. */
  readonly runId: string;
  /** Persists the change journal after every change (the action passes core.saveState). */
  readonly save: (state: string) => void;
  /** Aborts the Lease wait and the readiness wait; what was done is undone before openDarkLaunch rejects. */
  readonly signal?: AbortSignal;
  /** Replace the target or router built from the config (tests). */
  readonly createTarget?: (ctx: ClusterContext, config: TargetConfig, identity: DarkLaunchIdentity) => Target;
  readonly createRouter?: (ctx: ClusterContext, config: RouterConfig) => Router;
  /** How often waits look again. Default 1 s. */
  readonly pollIntervalMs?: number;
  /** How long the Lease outlives a run that stopped renewing it. Default 30 s. */
  readonly leaseDurationSeconds?: number;
}

/** A dark version deployed and receiving mirrored traffic, until close. */
export interface DarkLaunch {
  readonly dark: DarkVersion;
  /** Makes the dark version live; cleanup then keeps that change. Returns what was promoted, for the report. */
  promote(): Promise<string>;
  /** Undoes everything except what promotion kept, and releases the Lease. Safe to call twice. */
  close(): Promise<CleanupSummary>;
}

function createTarget(ctx: ClusterContext, config: TargetConfig, identity: DarkLaunchIdentity): Target {
  switch (config.kind) {
    case 'knative':
      return new KnativeTarget(ctx, config);
    case 'deployment':
      return new DeploymentTarget(ctx, config);
    case 'existing': {
      const { darkRevision, liveRevision } = identity;
      if (!darkRevision || !liveRevision) {
        throw new ConfigurationError(
          darkRevision ? 'live-revision' : 'dark-revision',
          'target existing routes to versions already running, so dark-revision and live-revision are both required',
          `dark-revision: ${identity.service}-00002`,
        );
      }
      return new ExistingTarget(ctx, { darkRevision, liveRevision });
    }
  }
}

function createRouter(ctx: ClusterContext, config: RouterConfig): Router {
  switch (config.kind) {
    case 'istio':
      return new IstioRouter(ctx, config);
    case 'gateway-api':
      return new GatewayRouter(ctx, config);
    case 'none':
      return new NoRouter();
  }
}

/** The kinds this config's target and router create or change: where a dead run's leftovers can be. */
function sweptKinds(config: ClusterConfig): SweptKind[] {
  const target: Record<TargetConfig['kind'], SweptKind[]> = {
    knative: [KNATIVE_SERVICE],
    deployment: [
      { apiVersion: 'apps/v1', kind: 'Deployment' },
      { apiVersion: 'v1', kind: 'Service' },
    ],
    existing: [],
  };
  const router: Record<RouterConfig['kind'], SweptKind[]> = {
    istio: [{ apiVersion: 'networking.istio.io/v1', kind: 'VirtualService' }],
    'gateway-api': [{ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute' }],
    none: [],
  };
  const load: SweptKind[] = config.loadJob ? [{ apiVersion: 'batch/v1', kind: 'Job' }] : [];
  return [...target[config.target.kind], ...router[config.router.kind], ...load];
}

/**
 * Takes the target's Lease (waiting up to leaseWaitMs for another run), sweeps what dead runs left, deploys the
 * dark version, waits until it is ready and starts the mirror. On any failure, or when the signal aborts, it
 * undoes what it did and releases the Lease before rejecting.
 */
export async function openDarkLaunch(
  config: ClusterConfig,
  identity: DarkLaunchIdentity,
  deps: DarkLaunchDeps,
): Promise<DarkLaunch> {
  const { api, clock, log, runId, save, signal } = deps;
  const pollIntervalMs = deps.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
  const ctx: ClusterContext = {
    api,
    clock,
    log,
    runId,
    namespace: identity.namespace,
    service: identity.service,
    readyTimeoutMs: config.readyTimeoutMs,
    pollIntervalMs,
  };
  const journal = new SavedJournal({ runId, namespace: identity.namespace, service: identity.service }, save);
  // Saved before the Lease exists, so that the post step releases it even if this process dies right after.
  journal.setLease({ name: leaseName(identity.service) });
  let lease: LeaseLock | undefined;
  try {
    lease = await LeaseLock.acquire(
      ctx,
      {
        durationSeconds: deps.leaseDurationSeconds ?? DEFAULT_LEASE_DURATION_SECONDS,
        waitMs: config.leaseWaitMs,
        pollIntervalMs,
      },
      signal,
    );
    const swept = await sweepLeftovers(ctx, sweptKinds(config));
    if (swept.deleted.length + swept.restored.length > 0) {
      log(`Swept what earlier runs left: ${[...swept.deleted, ...swept.restored].join(', ')}`);
    }
    const target = (deps.createTarget ?? createTarget)(ctx, config.target, identity);
    const router = (deps.createRouter ?? createRouter)(ctx, config.router);
    log(`Deploying ${target.description}`);
    const dark = await target.deploy(journal, signal);
    signal?.throwIfAborted();
    await router.mirror(dark, journal);
    signal?.throwIfAborted();
    if (config.loadJob) await startLoadJob(ctx, journal, config.loadJob, signal);
    log(`Dark version "${dark.darkRevision}" is ready beside "${dark.liveRevision}"; ${router.description}`);
    return new OpenDarkLaunch(api, log, journal, lease, target, dark);
  } catch (error) {
    const summary = await cleanUp(api, log, journal, lease);
    for (const failure of summary.failures) log(`Cleanup after the failed start: could not undo ${failure}`);
    // All undone and the Lease released: the post step must not think this run left anything.
    if (summary.failures.length === 0) save('');
    // Whatever failed after an abort (a cut-short request, say), the signal's reason says why the start ended.
    throw signal?.aborted ? signal.reason : error;
  }
}

class OpenDarkLaunch implements DarkLaunch {
  private closing: Promise<CleanupSummary> | undefined;

  constructor(
    private readonly api: KubeApi,
    private readonly log: (line: string) => void,
    private readonly journal: SavedJournal,
    private readonly lease: LeaseLock,
    private readonly target: Target,
    readonly dark: DarkVersion,
  ) {}

  promote(): Promise<string> {
    if (this.closing) return Promise.reject(new Error('cannot promote after close'));
    return this.target.promote(this.dark, this.journal);
  }

  close(): Promise<CleanupSummary> {
    this.closing ??= cleanUp(this.api, this.log, this.journal, this.lease);
    return this.closing;
  }
}

/** Undoes the journal, then releases the Lease (held or, with only its name saved, still ours). Never throws. */
async function cleanUp(
  api: KubeApi,
  log: (line: string) => void,
  journal: SavedJournal,
  lease: LeaseLock | undefined,
): Promise<CleanupSummary> {
  const undone = await undoChanges(api, journal, log);
  const failures = [...undone.failures];
  let leaseReleased = false;
  try {
    const held = journal.run.lease;
    leaseReleased = lease
      ? await lease.release()
      : held
        ? await releaseLease(api, journal.run.namespace, held.name, journal.run.runId)
        : true;
    if (leaseReleased) journal.setLease(undefined);
  } catch (error) {
    failures.push(`Lease: ${error instanceof Error ? error.message : String(error)}`);
  }
  return { ...undone, failures, leaseReleased };
}

/**
 * The post step's cleanup, from the state the main step saved: undoes what is still recorded there and
 * releases the Lease if the run still holds it. Never throws for a cluster problem; they are in `failures`.
 */
export async function cleanupFromState(
  state: string,
  deps: { readonly api: KubeApi; readonly log: (line: string) => void },
): Promise<CleanupSummary> {
  const journal = SavedJournal.fromState(state);
  return cleanUp(deps.api, deps.log, journal, undefined);
}

import type { V1Pod, V1Service } from '@kubernetes/client-node';
import type { KnativeTargetConfig } from '../core/cluster-config.js';
import { ConfigurationError } from '../core/configuration-error.js';
import type { ChangeJournal } from './change-journal.js';
import { type ClusterContext, DEFAULT_POLL_INTERVAL_MS } from './cluster-context.js';
import { ClusterError } from './cluster-error.js';
import { withEnv } from './dark-deployment.js';
import {
  activatorHeaders,
  condition,
  type KnativeContainer,
  type KnativeService,
  knativeLag,
  knativeServiceRef,
  privateServiceSelector,
  REVISION_LABEL,
  type Revision,
  revisionRef,
  type TrafficTarget,
} from './knative-resources.js';
import { updateWithRetry } from './kube-client.js';
import { changeObject, withoutChangeMarks } from './object-change.js';
import { podProblems } from './rollout-status.js';
import type { DarkVersion, ServicePort, Target } from './target.js';

/**
 * Keep one pod of the dark revision up and the activator out of its path, so mirrored requests sent straight to
 * its private Service always find a pod (the activator would need Knative-Serving-* headers; platform.md §7).
 */
export const DARK_REVISION_ANNOTATIONS = {
  'autoscaling.knative.dev/min-scale': '1',
  'autoscaling.knative.dev/target-burst-capacity': '0',
} as const;

const DNS_1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

/** `<service>-<suffix>`, which Knative requires to start with `<service>-` and to be a DNS-1035 label. */
export function darkRevisionName(service: string, suffix: string): string {
  const name = `${service}-${suffix}`;
  if (name.length > 63 || !DNS_1035_LABEL.test(name)) {
    throw new ConfigurationError(
      'revision-suffix',
      `the dark revision would be named "${name}", which is not a valid Knative revision name (lower-case ` +
        'letters, digits and "-", starting with a letter, at most 63 characters); shorten the suffix',
      'revision-suffix: pr-42',
    );
  }
  return name;
}

/**
 * The Service's traffic with what is live now pinned by revision name, so the new template takes none of it,
 * plus the dark revision at 0% with its tag. Live is what the route actually serves (status.traffic), or the
 * latest ready revision when the route has no status yet.
 */
export function pinnedTraffic(
  service: KnativeService,
  dark: string,
  tag: string,
): { traffic: TrafficTarget[]; live: string } {
  const name = service.metadata?.name;
  const routed = (service.status?.traffic ?? [])
    .filter((target) => target.revisionName !== undefined)
    .map(({ revisionName, percent, tag: userTag }) => ({
      revisionName,
      percent: percent ?? 0,
      ...(userTag ? { tag: userTag } : {}),
    }));
  const serving = routed.filter((target) => target.percent > 0);
  const latestReady = service.status?.latestReadyRevisionName;
  const traffic: TrafficTarget[] =
    serving.length > 0 ? routed : latestReady ? [{ revisionName: latestReady, percent: 100 }] : [];
  const live = traffic.reduce<TrafficTarget | undefined>(
    (best, target) => ((target.percent ?? 0) > (best?.percent ?? 0) ? target : best),
    undefined,
  )?.revisionName;
  if (!live) {
    throw new ClusterError(
      `Knative Service "${name}" has no ready revision serving traffic; the dark launch needs a live revision ` +
        'to keep serving while the candidate is evaluated.',
    );
  }
  const darkTarget = traffic.find((target) => target.revisionName === dark);
  if (darkTarget && (darkTarget.percent ?? 0) > 0) {
    throw new ClusterError(
      `Revision "${dark}" of Knative Service "${name}" already serves ${darkTarget.percent}% of its traffic; ` +
        'there is nothing to dark-launch (was it promoted already?).',
    );
  }
  const taken = traffic.find((target) => target.tag === tag && target.revisionName !== dark);
  if (taken) {
    throw new ClusterError(
      `Knative Service "${name}" already uses the traffic tag "${tag}" for revision "${taken.revisionName}", ` +
        'which Shadowgate gives the dark revision; rename or remove that tag.',
    );
  }
  const others = traffic.filter((target) => target.revisionName !== dark);
  return { traffic: [...others, { revisionName: dark, percent: 0, tag }], live };
}

/** The container that serves: the named one, the only one, or the one with a port (the rest are sidecars). */
function servingContainer(
  containers: KnativeContainer[],
  name: string | undefined,
  service: string,
): KnativeContainer {
  const chosen =
    name !== undefined
      ? containers.find((container) => container.name === name)
      : containers.length === 1
        ? containers[0]
        : (containers.find((container) => (container.ports?.length ?? 0) > 0) ?? containers[0]);
  if (!chosen) {
    throw new ConfigurationError(
      'container',
      name === undefined
        ? `Knative Service "${service}" has no containers in its template`
        : `Knative Service "${service}" has no container named "${name}"; its containers are ` +
            containers.map((container) => `"${container.name ?? '(unnamed)'}"`).join(', '),
      `container: ${containers[0]?.name ?? 'user-container'}`,
    );
  }
  return chosen;
}

/**
 * How far the dark revision has come. Fails on the revision's own Ready=False or the Configuration's, and on what
 * the revision's pods show while Knative has not said anything yet: Knative's controller looks at the pods only
 * when the revision's Deployment changes, so a container that crash-loops in a pod that never got ready mostly
 * leaves the revision Ready=Unknown without a reason until the Deployment's progress deadline (10 minutes by
 * default); only a change after the container's first exit makes it fail the revision with `ExitCode<n>`.
 */
export function assessDarkRevision(
  service: KnativeService,
  revision: Revision | undefined,
  dark: string,
  generation: number,
  pods: readonly V1Pod[] = [],
): { phase: 'ready' | 'waiting'; detail: string } | { phase: 'failed'; reason: string } {
  const state = assessRevisionStatus(service, revision, dark, generation);
  if (state.phase !== 'waiting') return state;
  const { fatal, hints } = podProblems(pods);
  if (fatal.length > 0) return { phase: 'failed', reason: fatal.join('; ') };
  return hints.length > 0 ? { phase: 'waiting', detail: [state.detail, ...hints].join('; ') } : state;
}

function assessRevisionStatus(
  service: KnativeService,
  revision: Revision | undefined,
  dark: string,
  generation: number,
): { phase: 'ready' | 'waiting'; detail: string } | { phase: 'failed'; reason: string } {
  const revisionReady = condition(revision, 'Ready');
  if (revisionReady?.status === 'False') {
    return {
      phase: 'failed',
      reason: `${revisionReady.reason ?? 'Failed'}: ${revisionReady.message ?? ''}`.trim(),
    };
  }
  const status = service.status ?? {};
  if ((status.observedGeneration ?? 0) < generation) {
    return {
      phase: 'waiting',
      detail: `Knative has not yet observed generation ${generation} of the Service (observed: ${status.observedGeneration ?? 'none'})`,
    };
  }
  const configurations = condition(service, 'ConfigurationsReady');
  if (configurations?.status === 'False') {
    return {
      phase: 'failed',
      reason:
        `${configurations.reason ?? 'ConfigurationsReady=False'}: ${configurations.message ?? ''}`.trim(),
    };
  }
  if (status.latestCreatedRevisionName !== dark) {
    return {
      phase: 'waiting',
      detail: `revision "${dark}" not created yet (latest created: ${status.latestCreatedRevisionName ?? 'none'})`,
    };
  }
  if (revisionReady?.status === 'True') return { phase: 'ready', detail: `revision "${dark}" is ready` };
  const why = revisionReady ? [revisionReady.reason, revisionReady.message].filter(Boolean).join(': ') : '';
  return { phase: 'waiting', detail: `revision "${dark}" is not ready yet${why ? ` (${why})` : ''}` };
}

/**
 * A Knative Service: the dark revision is a new template of the same Service named `<service>-<suffix>`, with
 * the candidate image, min-scale 1 and no activator in its path, and pinned to 0% of traffic under a tag while the
 * live revision keeps what it serves.
 */
export class KnativeTarget implements Target {
  readonly description: string;
  private readonly darkName: string;

  constructor(
    private readonly ctx: ClusterContext,
    private readonly config: KnativeTargetConfig,
  ) {
    this.darkName = darkRevisionName(ctx.service, config.suffix);
    this.description = `Knative Service "${ctx.service}" with a dark revision "${this.darkName}"`;
  }

  async deploy(journal: ChangeJournal, signal?: AbortSignal): Promise<DarkVersion> {
    const { api, clock, namespace, service, readyTimeoutMs } = this.ctx;
    const ref = knativeServiceRef(namespace, service);
    const deadline = clock.now() + readyTimeoutMs;
    // The live revision comes from the route's status, so it must describe the current spec (a sweep or the
    // user may have just changed it): the generation observed, and neither Configuration nor Route out of date.
    const current = await this.pollUntil<KnativeService>(deadline, signal, async () => {
      const found = await api.read<KnativeService>(ref);
      if (!found) {
        throw new ConfigurationError(
          'service',
          `there is no Knative Service "${service}" in namespace "${namespace}"`,
          `service: ${service}`,
        );
      }
      const lag = knativeLag(found);
      return lag === undefined ? { ready: found } : { waiting: `${lag}; is its controller running?` };
    });
    // Validates the traffic and the tag before anything changes.
    const { live } = pinnedTraffic(current, this.darkName, this.config.tag);

    const darkRef = revisionRef(namespace, this.darkName);
    if (!(await api.read(darkRef))) journal.record({ action: 'created', ref: darkRef });
    const written = await changeObject<KnativeService>(this.ctx, journal, ref, (service) =>
      this.withDarkTemplate(service),
    );
    this.ctx.log(
      `Updated Knative Service "${service}": dark revision "${this.darkName}" runs ${this.config.image} at 0% ` +
        `(tag "${this.config.tag}"); "${live}" stays live`,
    );
    const generation = written.metadata?.generation ?? 0;
    await this.pollUntil(deadline, signal, async () => {
      const found = await api.read<KnativeService>(ref);
      if (!found)
        throw new ClusterError(
          `Knative Service "${service}" in namespace "${namespace}" was deleted during the run`,
        );
      const revision = await api.read<Revision>(darkRef);
      const pods = revision
        ? await api.list<V1Pod>('v1', 'Pod', namespace, `${REVISION_LABEL}=${this.darkName}`)
        : [];
      const state = assessDarkRevision(found, revision, this.darkName, generation, pods);
      if (state.phase === 'failed') throw new ClusterError(`${this.what()} failed: ${state.reason}`);
      return state.phase === 'ready' ? { ready: true } : { waiting: state.detail };
    });
    return {
      darkRevision: this.darkName,
      liveRevision: live,
      darkService: await this.privateService(this.darkName),
      liveService: { name: live, port: 80 },
      liveRequestHeaders: activatorHeaders(namespace, live),
    };
  }

  private what(): string {
    const { namespace, service } = this.ctx;
    return `The dark revision "${this.darkName}" of Knative Service "${service}" in namespace "${namespace}"`;
  }

  private withDarkTemplate(service: KnativeService): KnativeService {
    const { traffic } = pinnedTraffic(service, this.darkName, this.config.tag);
    const template = service.spec?.template ?? {};
    const containers = template.spec?.containers ?? [];
    const container = servingContainer(containers, this.config.container, this.ctx.service);
    const candidate = {
      ...container,
      image: this.config.image,
      env: withEnv(container.env ?? [], this.config.env),
    };
    return {
      ...service,
      spec: {
        ...service.spec,
        template: {
          ...template,
          metadata: {
            ...template.metadata,
            name: this.darkName,
            annotations: {
              ...template.metadata?.annotations,
              ...this.config.annotations,
              ...DARK_REVISION_ANNOTATIONS,
            },
          },
          spec: {
            ...template.spec,
            containers: containers.map((entry) => (entry === container ? candidate : entry)),
          },
        },
        traffic,
      },
    };
  }

  /**
   * Runs `step` every poll interval until it is ready (its own failures throw at once), logging each new waiting
   * state; at the deadline, fails with the last one.
   */
  private async pollUntil<T>(
    deadline: number,
    signal: AbortSignal | undefined,
    step: () => Promise<{ ready: T } | { waiting: string }>,
  ): Promise<T> {
    const { clock, readyTimeoutMs, log } = this.ctx;
    const pollMs = this.ctx.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
    let reported = '';
    for (;;) {
      signal?.throwIfAborted();
      const state = await step();
      if ('ready' in state) return state.ready;
      if (state.waiting !== reported) {
        log(`Waiting: ${state.waiting}`);
        reported = state.waiting;
      }
      if (clock.now() >= deadline) {
        throw new ClusterError(
          `${this.what()} was not ready within ${readyTimeoutMs / 1000} s (ready-timeout): ${state.waiting}`,
        );
      }
      await clock.sleepUntil(Math.min(deadline, clock.now() + pollMs), signal);
    }
  }

  /** The revision's private Service, which reaches its pods directly; its HTTP port. */
  private async privateService(revision: string): Promise<ServicePort> {
    const { api, namespace } = this.ctx;
    const [found] = await api.list<V1Service>('v1', 'Service', namespace, privateServiceSelector(revision));
    const ports = found?.spec?.ports ?? [];
    const port = ports.find((entry) => entry.name === 'http' || entry.name === 'http2') ?? ports[0];
    if (!found?.metadata?.name || !port) {
      throw new ClusterError(
        `Knative has not created the private Service of revision "${revision}" in namespace "${namespace}" ` +
          `(a Service labelled ${privateServiceSelector(revision)}); mirrored traffic has nowhere to go`,
      );
    }
    return { name: found.metadata.name, port: port.port };
  }

  /**
   * Moves all traffic to the dark revision and keeps it: the Service follows the latest revision again when it
   * did before the run, else the dark revision is pinned at 100%. The promoted revision keeps min-scale 1 and
   * target-burst-capacity 0 (a template change needs a new revision) until the Service is next deployed.
   */
  async promote(dark: DarkVersion, journal: ChangeJournal): Promise<string> {
    const { api, namespace, service } = this.ctx;
    const ref = knativeServiceRef(namespace, service);
    const recorded = journal.changes.find(
      (change) => change.action === 'changed' && change.ref.kind === ref.kind && change.ref.name === ref.name,
    );
    const previous = recorded?.action === 'changed' ? (recorded.previous as KnativeService) : undefined;
    const previousTraffic = previous?.spec?.traffic;
    const followedLatest = (previousTraffic ?? []).every(
      (target) => (target.percent ?? 0) === 0 || target.latestRevision === true,
    );
    await updateWithRetry<KnativeService>(api, ref, (current) => {
      const { traffic: _pinned, ...spec } = current.spec ?? {};
      const traffic = followedLatest ? previousTraffic : [{ revisionName: dark.darkRevision, percent: 100 }];
      return withoutChangeMarks({ ...current, spec: traffic ? { ...spec, traffic } : spec });
    });
    journal.forget(ref);
    journal.forget(revisionRef(namespace, dark.darkRevision));
    const how = followedLatest ? 'follows its latest revision again' : 'pins it at 100%';
    return (
      `Knative Service "${service}" now sends 100% of traffic to revision "${dark.darkRevision}" (was ` +
      `"${dark.liveRevision}"); its traffic ${how}. The revision keeps min-scale 1 until the Service is next deployed.`
    );
  }
}

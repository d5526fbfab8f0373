// Stands in for Knative Serving's controller in the simulated data plane only (simulated-data-plane.ts: Knative
// with Istio, whose mirroring needs an Istio control plane that cannot be built here, on the kube test env, which
// has no nodes). Everywhere else Knative's own controller runs on the real cluster (testenv/knative/). It writes
// what the real controller would: for each Knative Service generation the Revision named by the template (labels
// and spec from it), the revision's public and private Kubernetes Services, the Revision's Ready condition and the
// Service's status (observedGeneration, latestCreated/ReadyRevisionName, ConfigurationsReady/RoutesReady/Ready, and
// traffic resolved to revision names). A revision can be told to fail (Ready=False with a reason) or to stay not
// ready.
import { isDeepStrictEqual } from 'node:util';
import * as k8s from '@kubernetes/client-node';
import type {
  Condition,
  KnativeService,
  Revision,
  TrafficTarget,
} from '../../src/cluster/knative-resources.js';
import type { KubeApi } from '../../src/cluster/kube-api.js';
import { createKubeApi } from '../../src/cluster/kube-client.js';
import { PollingLoop } from './polling-loop.js';

/** How the stand-in treats one revision. */
export type RevisionBehaviour =
  | { readonly kind: 'ready' }
  /** Never becomes ready: Ready=Unknown, as while pods are being scheduled. */
  | { readonly kind: 'pending' }
  /** Ready=False with the revision's own reason and message, as after an image pull error or a crash loop. */
  | { readonly kind: 'failed'; readonly reason: string; readonly message: string };

const POLL_MS = 25;

export class KnativeStatusController {
  private readonly api: KubeApi;
  private readonly custom: k8s.CustomObjectsApi;
  private readonly behaviours = new Map<string, RevisionBehaviour>();
  private readonly loop = new PollingLoop('knative status controller', POLL_MS, () => this.reconcileAll());

  constructor(
    adminKubeconfig: string,
    private readonly namespace: string,
    /** How a revision without its own behaviour is treated. */
    private readonly defaultBehaviour: RevisionBehaviour = { kind: 'ready' },
  ) {
    this.api = createKubeApi({ kind: 'inline', yaml: adminKubeconfig }, () => {});
    const config = new k8s.KubeConfig();
    config.loadFromString(adminKubeconfig);
    this.custom = config.makeApiClient(k8s.CustomObjectsApi);
  }

  /** How to treat revision `name` from now on (by default: `defaultBehaviour`, ready unless given). */
  behave(name: string, behaviour: RevisionBehaviour): void {
    this.behaviours.set(name, behaviour);
  }

  start(): void {
    this.loop.start();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  /** One pass, for tests that drive it step by step. */
  async reconcileAll(): Promise<void> {
    const services = await this.api.list<KnativeService>('serving.knative.dev/v1', 'Service', this.namespace);
    for (const service of services) await this.reconcile(service);
  }

  private async reconcile(service: KnativeService): Promise<void> {
    const name = service.metadata?.name ?? '';
    const generation = service.metadata?.generation ?? 1;
    const template = service.spec?.template ?? {};
    // Knative names an unnamed template after the configuration's generation.
    const revisionName = template.metadata?.name ?? `${name}-${String(generation).padStart(5, '0')}`;
    if (service.status?.observedGeneration !== generation) {
      await this.ensureRevision(service, revisionName, generation);
    }
    const revision = await this.api.read<Revision>(this.revisionRef(revisionName));
    if (!revision) return;
    const ready = await this.updateRevisionStatus(revision);

    const latestReady = ready.status === 'True' ? revisionName : service.status?.latestReadyRevisionName;
    const configurationsReady: Condition =
      ready.status === 'False'
        ? {
            type: 'ConfigurationsReady',
            status: 'False',
            reason: 'RevisionFailed',
            message: `Revision "${revisionName}" failed with message: ${ready.message}.`,
          }
        : {
            type: 'ConfigurationsReady',
            status: ready.status,
            ...(ready.reason ? { reason: ready.reason } : {}),
          };
    const host = `${name}.${this.namespace}.example.com`;
    const traffic: TrafficTarget[] = (service.spec?.traffic ?? [{ latestRevision: true, percent: 100 }]).map(
      (target) => ({
        ...target,
        revisionName: target.latestRevision ? latestReady : target.revisionName,
        ...(target.tag ? { url: `http://${target.tag}-${host}` } : {}),
      }),
    );
    const status: KnativeService['status'] = {
      observedGeneration: generation,
      latestCreatedRevisionName: revisionName,
      ...(latestReady ? { latestReadyRevisionName: latestReady } : {}),
      conditions: [
        configurationsReady,
        { type: 'Ready', status: configurationsReady.status },
        { type: 'RoutesReady', status: 'True' },
      ],
      traffic,
      url: `http://${host}`,
    };
    if (!isDeepStrictEqual(status, service.status)) {
      await this.patchStatus('services', name, status);
    }
  }

  /** The Revision the template names, and the Services Knative makes for it. Created once. */
  private async ensureRevision(service: KnativeService, name: string, generation: number): Promise<void> {
    if (await this.api.read(this.revisionRef(name))) return;
    const template = service.spec?.template ?? {};
    const serviceName = service.metadata?.name ?? '';
    await this.api.create<Revision>({
      apiVersion: 'serving.knative.dev/v1',
      kind: 'Revision',
      metadata: {
        name,
        namespace: this.namespace,
        labels: {
          ...template.metadata?.labels,
          'serving.knative.dev/service': serviceName,
          'serving.knative.dev/configuration': serviceName,
          'serving.knative.dev/configurationGeneration': String(generation),
        },
        annotations: { ...template.metadata?.annotations },
      },
      spec: template.spec,
    } as Revision);
    for (const [suffix, type] of [
      ['', 'Public'],
      ['-private', 'Private'],
    ] as const) {
      await this.api.create({
        apiVersion: 'v1',
        kind: 'Service',
        metadata: {
          name: `${name}${suffix}`,
          namespace: this.namespace,
          labels: {
            'serving.knative.dev/revision': name,
            'serving.knative.dev/service': serviceName,
            'networking.internal.knative.dev/serviceType': type,
          },
        },
        // Headless: the test API server's Service IP range is small, and nothing routes here.
        spec: {
          clusterIP: 'None',
          ports:
            type === 'Public'
              ? [{ name: 'http', port: 80, targetPort: 8012 }]
              : [
                  { name: 'http', port: 80, targetPort: 8012 },
                  { name: 'http-usermetric', port: 9091, targetPort: 9091 },
                ],
        },
      });
    }
  }

  private async updateRevisionStatus(revision: Revision): Promise<Condition> {
    const name = revision.metadata?.name ?? '';
    const behaviour = this.behaviours.get(name) ?? this.defaultBehaviour;
    const ready: Condition =
      behaviour.kind === 'ready'
        ? { type: 'Ready', status: 'True' }
        : behaviour.kind === 'pending'
          ? { type: 'Ready', status: 'Unknown', reason: 'Deploying' }
          : { type: 'Ready', status: 'False', reason: behaviour.reason, message: behaviour.message };
    const status: Revision['status'] = {
      observedGeneration: revision.metadata?.generation ?? 1,
      conditions: [ready, { ...ready, type: 'ContainerHealthy' }, { ...ready, type: 'ResourcesAvailable' }],
    };
    if (!isDeepStrictEqual(status, revision.status)) {
      await this.patchStatus('revisions', name, status);
    }
    return ready;
  }

  private async patchStatus(plural: string, name: string, status: unknown): Promise<void> {
    // The object may be deleted under us (cleanup deletes dark revisions): nothing to report then.
    await this.custom
      .patchNamespacedCustomObjectStatus(
        {
          group: 'serving.knative.dev',
          version: 'v1',
          namespace: this.namespace,
          plural,
          name,
          body: { status },
        },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
      )
      .catch((error: unknown) => {
        if (!(error instanceof k8s.ApiException && error.code === 404)) throw error;
      });
  }

  private revisionRef(name: string) {
    return { apiVersion: 'serving.knative.dev/v1', kind: 'Revision', namespace: this.namespace, name };
  }
}

// The shop a cluster test of the bundled action runs against: a real API server holding the live Deployment,
// Service and Istio VirtualService of `checkout` in namespace `shop`, the stand-in Deployment controller (the
// real one cannot run here), fake pods exposing Istio metrics for the live and each dark copy, a real Prometheus
// scraping them, and a fake GitHub API. Start one per test file.
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import type * as k8s from '@kubernetes/client-node';
import { ClusterError } from '../../src/cluster/cluster-error.js';
import type { KubeApi } from '../../src/cluster/kube-api.js';
import { createKubeApi } from '../../src/cluster/kube-client.js';
import { MANAGED_BY, MANAGED_BY_LABEL } from '../../src/cluster/ownership.js';
import { DeploymentStatusController } from './deployment-status-controller.js';
import { type FakeGitHub, startFakeGitHub } from './fake-github-server.js';
import { LIVE } from './fake-shop.js';
import { KnativeStatusController } from './knative-status-controller.js';
import { type KubeTestEnv, startKubeTestEnv } from './kube-test-env.js';
import { MetricsExporter, type TrafficProfile } from './metrics-exporter.js';
import { type PrometheusServer, prometheusBinaries, startPrometheus } from './prometheus-server.js';
import { type ActionRun, runBundledAction } from './run-bundled-action.js';

export const NAMESPACE = 'shop';
export const SERVICE = 'checkout';
export const PR = { owner: 'acme', repo: 'shop', number: 21 };
export const CANDIDATE = 'ghcr.io/acme/checkout:pr-21';

/** An API version and kind, e.g. `['apps/v1', 'Deployment']`. */
export type Kind = readonly [apiVersion: string, kind: string];

/** The kinds the action may create or change here, and the Pods the stand-in controller makes. */
const KNATIVE_LAST_MODIFIER = 'serving.knative.dev/lastModifier';

const KINDS: readonly Kind[] = [
  ['apps/v1', 'Deployment'],
  ['v1', 'Service'],
  ['v1', 'Pod'],
  ['networking.istio.io/v1', 'VirtualService'],
  ['coordination.k8s.io/v1', 'Lease'],
];

export const liveDeployment: k8s.V1Deployment = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: {
    name: SERVICE,
    namespace: NAMESPACE,
    labels: { app: SERVICE },
    annotations: { owner: 'team-shop' },
  },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: SERVICE } },
    template: {
      metadata: { labels: { app: SERVICE, version: 'v1' } },
      spec: {
        containers: [
          { name: 'app', image: 'ghcr.io/acme/checkout:1.0', ports: [{ name: 'http', containerPort: 8080 }] },
        ],
      },
    },
  },
};

const liveService: k8s.V1Service = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: SERVICE, namespace: NAMESPACE },
  spec: { selector: { app: SERVICE }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
};

const virtualService = {
  apiVersion: 'networking.istio.io/v1',
  kind: 'VirtualService',
  metadata: { name: SERVICE, namespace: NAMESPACE, labels: { team: 'shop' } },
  spec: {
    hosts: [`${SERVICE}.${NAMESPACE}.svc.cluster.local`],
    http: [
      {
        name: 'primary',
        route: [{ destination: { host: SERVICE, port: { number: 80 } } }],
        timeout: '5s',
      },
    ],
  },
};

export interface CheckoutCluster {
  readonly env: KubeTestEnv;
  readonly admin: KubeApi;
  readonly controller: DeploymentStatusController;
  /** Only with `knative: true`. */
  readonly knative?: KnativeStatusController;
  readonly prometheus: PrometheusServer;
  readonly github: FakeGitHub;
  /** The action's inputs for a run that deploys `checkout-<suffix>` (target deployment, router istio). */
  inputs(suffix: string, extra?: Record<string, string>): Record<string, string>;
  /**
   * One step run. Each main step is a new workflow run (its own run id); with `state`, it is the post step of
   * the last one.
   */
  run(
    inputs: Record<string, string>,
    options?: { state?: Record<string, string>; onSpawn?: (child: ChildProcess) => void },
  ): Promise<ActionRun>;
  /** Every object of the kinds the action touches, minus what the API server changes on any write. */
  clusterState(): Promise<Record<string, unknown>>;
  /** `Kind/name` of every object carrying Shadowgate's managed-by label. */
  managedObjects(): Promise<string[]>;
  stop(): Promise<void>;
}

/**
 * Starts the shop. `darkRevisions` are the dark copies (`checkout-<suffix>`) the tests deploy, each with the
 * traffic its fake pod reports; Prometheus only knows pods listed here. `extraPods` adds revisions of other
 * services (e.g. Knative ones).
 */
export async function startCheckoutCluster(options: {
  darkRevisions: Readonly<Record<string, TrafficProfile>>;
  extraPods?: readonly { service: string; revision: string; profile: TrafficProfile }[];
  knative?: boolean;
}): Promise<CheckoutCluster> {
  const stops: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const close of stops.reverse()) await close();
  };
  try {
    const env = await startKubeTestEnv();
    stops.push(() => env.stop());
    const admin = createKubeApi({ kind: 'inline', yaml: env.adminKubeconfig }, () => {});
    await env.createNamespace(NAMESPACE);
    await admin.create(liveDeployment);
    await admin.create(liveService);
    await admin.create(virtualService);
    const controller = new DeploymentStatusController(env.adminKubeconfig, NAMESPACE);
    controller.start();
    stops.push(() => controller.stop());
    let knative: KnativeStatusController | undefined;
    if (options.knative) {
      const started = new KnativeStatusController(env.adminKubeconfig, NAMESPACE);
      started.start();
      stops.push(() => started.stop());
      knative = started;
    }

    const exporter = await MetricsExporter.start([
      { namespace: NAMESPACE, service: SERVICE, revision: SERVICE, profile: LIVE },
      ...Object.entries(options.darkRevisions).map(([revision, profile]) => ({
        namespace: NAMESPACE,
        service: SERVICE,
        revision,
        profile,
      })),
      ...(options.extraPods ?? []).map((pod) => ({ namespace: NAMESPACE, ...pod })),
    ]);
    stops.push(() => exporter.stop());
    const binary = prometheusBinaries().find((b) => existsSync(b.path));
    if (!binary) throw new Error('No Prometheus binary: run testenv/provision.sh');
    const prometheus = await startPrometheus({ binary, targets: exporter.targets });
    stops.push(() => prometheus.stop());
    const github = await startFakeGitHub();
    stops.push(() => github.close());

    let runNumber = 5000;
    return {
      env,
      admin,
      controller,
      ...(knative ? { knative } : {}),
      prometheus,
      github,
      inputs: (suffix, extra = {}) => ({
        name: 'checkout-gate',
        namespace: NAMESPACE,
        service: SERVICE,
        'prometheus-url': prometheus.url,
        'metric-template': 'istio',
        // A relative mean rather than a percentile: both versions' p95 sit in one Istio bucket, where no
        // bound can place one against the other.
        objectives: 'p95-latency < 100ms\nmean-latency <= live + 50%\nerror-rate < 5%',
        interval: '2s',
        iterations: '2',
        'min-requests': '10',
        'github-token': 'ghs_lifecycleToken0123456789',
        comment: 'never',
        kubeconfig: env.adminKubeconfig,
        target: 'deployment',
        image: CANDIDATE,
        'revision-suffix': suffix,
        router: 'istio',
        'ready-timeout': '60s',
        ...extra,
      }),
      run: (inputs, runOptions = {}) => {
        if (!runOptions.state) runNumber++;
        return runBundledAction({
          inputs,
          event: PR,
          apiUrl: github.url,
          env: { GITHUB_RUN_ID: String(runNumber) },
          ...runOptions,
        });
      },
      clusterState: () => clusterState(admin, NAMESPACE),
      managedObjects: () => managedObjects(admin, NAMESPACE),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * Every object in `namespace` of the kinds the action may touch, minus what the API server changes on any write
 * (resourceVersion, generation, managedFields) and the status controllers write: equal before and after a run
 * when the run left the cluster as it found it. `extraKinds` adds kinds a router or target other than Istio on
 * Deployments touches (HTTPRoute, Knative Service and Revision). Pods being deleted are left out: their owners are
 * gone and the kubelet is finishing them (a Knative revision's queue-proxy drains for 30 s), which
 * `podsBeingDeleted` shows.
 */
export async function clusterState(
  admin: KubeApi,
  namespace: string,
  extraKinds: readonly Kind[] = [],
): Promise<Record<string, unknown>> {
  const state: Record<string, unknown> = {};
  for (const [apiVersion, kind] of [...KINDS, ...extraKinds]) {
    for (const object of await listServed(admin, apiVersion, kind, namespace)) {
      if (kind === 'Pod' && object.metadata?.deletionTimestamp) continue;
      const { resourceVersion, generation, managedFields, ...metadata } = object.metadata ?? {};
      const { status, ...rest } = object as k8s.KubernetesObject & { status?: unknown };
      // Knative's webhook writes the user of every update that changes a Service's spec here (and its
      // controller copies it to the Configuration and Route), so putting the spec back records the action's user.
      const { [KNATIVE_LAST_MODIFIER]: _modifier, ...annotations } = metadata.annotations ?? {};
      if (metadata.annotations) metadata.annotations = annotations;
      state[`${kind}/${metadata.name}`] = { ...rest, metadata };
    }
  }
  return state;
}

/** The names of the pods in `namespace` that are being deleted. */
export async function podsBeingDeleted(admin: KubeApi, namespace: string): Promise<string[]> {
  const pods = await admin.list('v1', 'Pod', namespace);
  return pods.filter((pod) => pod.metadata?.deletionTimestamp).map((pod) => pod.metadata?.name ?? '');
}

/** `Kind/name` of every object in `namespace` of those kinds and `extraKinds` carrying Shadowgate's managed-by label. */
export async function managedObjects(
  admin: KubeApi,
  namespace: string,
  extraKinds: readonly Kind[] = [],
): Promise<string[]> {
  const found: string[] = [];
  for (const [apiVersion, kind] of [...KINDS, ...extraKinds]) {
    const objects = await listServed(admin, apiVersion, kind, namespace, `${MANAGED_BY_LABEL}=${MANAGED_BY}`);
    found.push(...objects.map((object) => `${kind}/${object.metadata?.name}`));
  }
  return found;
}

/** The objects of a kind, none where the cluster does not serve it (the real cluster has no Istio). */
async function listServed(
  admin: KubeApi,
  apiVersion: string,
  kind: string,
  namespace: string,
  labelSelector?: string,
): Promise<k8s.KubernetesObject[]> {
  try {
    return await admin.list(apiVersion, kind, namespace, labelSelector);
  } catch (error) {
    if (error instanceof ClusterError && error.reason === 'NotServed') return [];
    throw error;
  }
}

/** Both streams of a step, for assertion messages. */
export function output(result: ActionRun): string {
  return `${result.stdout}\n${result.stderr}`;
}
